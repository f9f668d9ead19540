"""The floor of `unsandbox-ls run hello.py` on its own stack: a fresh interpreter that imports
asyncio and httpx, reads the file, sends one signed `POST /execute` (plain http, no CA bundle)
and prints the program's stdout. No plan, no import discovery, no problems, no history.

    python benchmarks/minimal_client.py FILE   (UNSANDBOX_BASE_URL, _PUBLIC_KEY, _SECRET_KEY)
"""

import sys

# as `unsandbox-ls run` does: httpx's own command line (click, pygments) is not imported
sys.modules.setdefault("httpx._main", None)  # type: ignore[arg-type]

import asyncio  # noqa: E402
import hashlib  # noqa: E402
import hmac  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import ssl  # noqa: E402
import time  # noqa: E402

import httpx  # noqa: E402


async def main(path: str) -> int:
    with open(path, encoding="utf-8") as handle:
        code = handle.read()
    body = json.dumps({"language": "python", "code": code}, separators=(",", ":")).encode()
    stamp = str(int(time.time()))
    secret = os.environ["UNSANDBOX_SECRET_KEY"].encode()
    signature = hmac.new(secret, f"{stamp}:POST:/execute:".encode() + body, hashlib.sha256)
    headers = {
        "Authorization": f"Bearer {os.environ['UNSANDBOX_PUBLIC_KEY']}",
        "X-Timestamp": stamp,
        "X-Signature": signature.hexdigest(),
        "Content-Type": "application/json",
    }
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    async with httpx.AsyncClient(verify=context, trust_env=False, timeout=60) as http:
        answer = await http.post(
            os.environ["UNSANDBOX_BASE_URL"] + "/execute", content=body, headers=headers
        )
    data = answer.json()
    sys.stdout.write(data.get("stdout") or "")
    return int(data.get("exit_code") or 0)


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main(sys.argv[1])))
