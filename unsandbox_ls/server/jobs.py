"""`unsandbox.listJobs`: GET /jobs summarised for a message and the log."""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING, Any

from lsprotocol import types

if TYPE_CHECKING:
    from unsandbox_ls.server.server import UnsandboxLanguageServer


async def list_jobs_summary(ls: UnsandboxLanguageServer) -> dict[str, Any]:
    from unsandbox_ls.api.errors import UnsandboxError
    from unsandbox_ls.runs.plan import RunRefused
    from unsandbox_ls.server.sources import borrow_client

    try:
        client = await borrow_client(ls)
    except RunRefused as exc:
        ls.error(str(exc))
        return {"jobs": [], "error": str(exc)}
    try:
        jobs = await client.list_jobs()
    except UnsandboxError as exc:
        message = f"unsandbox: listing jobs failed: {exc}"
        ls.error(message)
        return {"jobs": [], "error": message}
    finally:
        await ls.api_clients.give_back(client)
    rows = [
        {
            "jobId": getattr(job, "job_id", None),
            "status": getattr(job, "status", None),
            "language": getattr(job, "language", None),
        }
        for job in jobs
    ]
    counts = Counter(str(row["status"]) for row in rows)
    detail = ", ".join(f"{n} {status}" for status, n in sorted(counts.items()))
    summary = f"unsandbox: {len(rows)} job{'s' if len(rows) != 1 else ''}" + (
        f" ({detail})" if detail else ""
    )
    ls.show(summary, types.MessageType.Info)
    lines = [summary] + [f"{r['jobId']}  {r['status']}  {r['language'] or ''}" for r in rows]
    ls.log("\n".join(lines))
    return {"jobs": rows, "summary": summary, "error": None}
