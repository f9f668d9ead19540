"""One identity per document whatever way its URI is spelled.

Each client spells a path its own way: VS Code (vscode-uri) encodes everything but letters,
digits, `-._~` and `/`; Neovim (`vim.uri_from_fname`) keeps RFC 3986's sub-delimiters and
writes lower-case hex; Helix 25.07 (the `url` crate's file paths) keeps `[`, `]` and `;` and
encodes space, `#`, `%` and non-ASCII. With folder and file names holding a space, non-ASCII
letters, `#`, `;`, `[` and `%`, every profile must see the Cancel lens while its run goes, the
result lens after it, diagnostics under its own spelling (cleared on edit) and runFinished with
its own URI.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from urllib.parse import quote

import pytest
from lsprotocol import types
from support.lsp_session import PROFILES, start_session

from unsandbox_ls.server.document_uris import document_key, uri_to_path

NAMES = ["sp ace", "ünï cödé", "a#b", "a;b", "x[1]", "100%"]
_NVIM_KEEP = frozenset(
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~!$&'()*+,;=:@/"
)
_HELIX_ENCODE = frozenset(' "#<>?`{}%')


def vscode_uri(path: str) -> str:
    """vscode-uri's `Uri.file(path).toString()`: unreserved characters and `/` kept."""
    return "file://" + quote(path, safe="/")


def neovim_uri(path: str) -> str:
    """`vim.uri_from_fname(path)`: RFC 3986 unreserved, sub-delims, `:@/` kept; lower-case hex."""
    return "file://" + "".join(
        c if c in _NVIM_KEEP else "".join(f"%{b:02x}" for b in c.encode()) for c in path
    )


def helix_uri(path: str) -> str:
    """url 2.x `Url::from_file_path` (Helix 25.07): the path-segment set, upper-case hex."""
    return "file://" + "".join(
        c
        if c.isascii() and c.isprintable() and c not in _HELIX_ENCODE
        else "".join(f"%{b:02X}" for b in c.encode())
        for c in path
    )


CLIENT_URI = {"visual-studio-code": vscode_uri, "neovim": neovim_uri, "helix": helix_uri}


def test_the_neovim_spelling_is_what_neovim_sends(tmp_path: Path) -> None:
    nvim = shutil.which("nvim") or str(Path(__import__("sys").executable).parent / "nvim")
    if not Path(nvim).exists():
        pytest.skip("nvim is not installed (scripts/install-editor-test-deps.sh)")
    for name in NAMES:
        path = f"/tmp/{name} dir/{name}.py"
        done = subprocess.run(
            [nvim, "--clean", "--headless", "-l", "-"],
            input=f"io.write(vim.uri_from_fname({path!r}))",
            capture_output=True,
            text=True,
            timeout=30,
        )
        assert done.stdout == neovim_uri(path), (done.stdout, done.stderr)


@pytest.mark.parametrize("name", NAMES)
def test_every_spelling_is_one_document(name: str) -> None:
    path = f"/w/{name} dir/{name}.py"
    spellings = {make(path) for make in CLIENT_URI.values()}
    assert {uri_to_path(uri) for uri in spellings} == {path}
    assert len({document_key(uri) for uri in spellings}) == 1


SLOW_FAILURE = 'import time\ntime.sleep(2)\nraise KeyError("spelled")\n'


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("profile", PROFILES)
async def test_lenses_diagnostics_and_notifications_use_the_clients_spelling(
    sandbox_env: dict[str, str], workspace: Path, profile: str, name: str
) -> None:
    folder = workspace / f"{name} dir"
    folder.mkdir()
    path = folder / f"{name}.py"
    path.write_text(SLOW_FAILURE, encoding="utf-8")
    uri = CLIENT_URI[profile](str(path))
    async with start_session(profile, sandbox_env, workspace) as session:
        session.client.text_document_did_open(
            types.DidOpenTextDocumentParams(
                text_document=types.TextDocumentItem(
                    uri=uri, language_id="python", version=1, text=SLOW_FAILURE
                )
            )
        )
        if profile == "helix":  # the key binding in editors/helix sends the file's path
            answer = await session.execute("unsandbox.runFile", str(path))
        else:
            (run_lens, *_) = await session.code_lenses(uri)
            answer = await session.run(run_lens.command)
        assert answer["started"] is True, answer

        await session.wait_for(lambda: bool(session.started))
        assert session.started[0].uri == uri
        assert session.title("■ Cancel") in await session.lens_titles(uri)

        note = await session.wait_finished()
        assert note.uri == uri
        assert note.exitCode == 1
        titles = await session.lens_titles(uri)
        assert any(t.startswith(session.title("✗ exit 1")) for t in titles), titles

        assert set(session.client.diagnostics) == {uri}
        assert any("spelled" in d.message for d in session.client.diagnostics[uri])

        session.client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=2),
                content_changes=[types.TextDocumentContentChangeWholeDocument(text="pass\n")],
            )
        )
        await session.wait_for(lambda: len(session.client.diagnostics.get(uri, [None])) == 0)
        assert set(session.client.diagnostics) == {uri}
