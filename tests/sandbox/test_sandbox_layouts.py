"""The job layouts of the local sandbox (`--layout`, `--names`; unsandbox_ls/sandbox/layouts.py):
where the code and the input files are written, under what name, the cwd, and the names rule.

Each test runs once per layout (`sandbox_layout`, tests/conftest.py): `docs`, `hosted` (with
`--names flat`) and `hosted-code-cwd`.
"""

from __future__ import annotations

import base64
import json
from typing import Any

from support.sandbox import SandboxServer, start_sandbox_server

#: (code folder, code name, input folder, cwd) the program below must report, per layout
WHERE = {
    "docs": ("/sandbox", "main.py", "/sandbox", "/sandbox"),
    "hosted": ("/sandbox/src", "code.py", "/tmp/input", "/tmp/input"),
    "hosted-code-cwd": ("/sandbox/src", "code.py", "/tmp/input", "/sandbox/src"),
}

REPORT = """\
import json, os, sys
code = os.path.abspath(sys.argv[0])
found = [os.path.join(d, f) for d, _, fs in os.walk("/") if d.split("/")[1] in ("sandbox", "tmp")
         for f in fs if f == "data.csv"]
print(json.dumps({"code": code, "cwd": os.getcwd(), "found": sorted(found),
                  "tmp_input": open("/tmp/input/data.csv").read()}))
"""


def files(*names: str) -> list[dict[str, str]]:
    return [
        {"filename": name, "content": base64.b64encode(f"{name}!".encode()).decode()}
        for name in names
    ]


def test_code_files_and_cwd_are_where_the_layout_says(sandbox_layout: SandboxServer) -> None:
    code_dir, code_name, input_dir, cwd = WHERE[sandbox_layout.layout]
    data = sandbox_layout.execute("python", REPORT, input_files=files("data.csv"))
    assert data["exit_code"] == 0, data["stderr"]
    seen = json.loads(data["stdout"])
    assert seen["code"] == f"{code_dir}/{code_name}"
    assert seen["cwd"] == cwd
    assert f"{input_dir}/data.csv" in seen["found"]
    # a program written for the hosted service opens /tmp/input/<name>, in every layout
    assert seen["tmp_input"] == "data.csv!"


def test_the_names_rule(sandbox_layout: SandboxServer) -> None:
    """Names with folders are written as folders, or refused as the API docs say (`flat`)."""
    listing = "import os\nprint(sorted(os.listdir('/tmp/input/pkg')))\n"
    response = sandbox_layout.request(
        "POST",
        "/execute",
        {"language": "python", "code": listing, "input_files": files("pkg/util.py")},
    )
    if sandbox_layout.flat_names:
        assert response.status_code == 400
        answer: dict[str, Any] = response.json()
        assert answer["error"] == "invalid_filename"
        assert "'pkg/util.py'" in answer["message"] and "path separators" in answer["message"]
        for name in ("a..b", "../x"):
            refused = sandbox_layout.request(
                "POST", "/execute", {"language": "bash", "code": "", "input_files": files(name)}
            )
            assert refused.json()["error"] == "invalid_filename", name
    else:
        assert response.status_code == 200, response.text
        assert response.json()["stdout"] == "['util.py']\n"


def test_an_input_file_may_share_the_codes_name_only_where_it_is_not_beside_it(
    sandbox_layout: SandboxServer,
) -> None:
    code_dir, code_name, input_dir, _ = WHERE[sandbox_layout.layout]
    response = sandbox_layout.request(
        "POST",
        "/execute",
        {"language": "python", "code": "print('me')", "input_files": files(code_name)},
    )
    if code_dir == input_dir:
        assert response.status_code == 400 and "overwrite the code" in response.text
    else:
        assert response.status_code == 200 and response.json()["stdout"] == "me\n"


def test_compiled_languages_build_in_the_cwd_and_return_their_artifact(
    sandbox_layout: SandboxServer,
) -> None:
    data = sandbox_layout.execute(
        "c", '#include <stdio.h>\nint main(void) { puts("built"); return 0; }\n',
        return_artifact=True,
    )  # fmt: skip
    assert (data["exit_code"], data["stdout"]) == (0, "built\n"), data["stderr"]
    assert [a["filename"] for a in data["artifacts"]] == ["main"]
    java_code = (
        "public class Main {\n"
        '    public static void main(String[] a) { System.out.println("j"); }\n'
        "}\n"
    )
    java = sandbox_layout.execute("java", java_code, return_artifact=True)
    assert (java["exit_code"], java["stdout"]) == (0, "j\n"), java["stderr"]
    assert [a["filename"] for a in java["artifacts"]] == ["Main.class"]


def test_without_the_sandbox_the_layout_keeps_its_folders_apart() -> None:
    """`--unsafe-no-sandbox` makes the layout's folders under the job's own host directory."""
    server = start_sandbox_server(
        max_jobs=1, extra_args=("--unsafe-no-sandbox", "--layout", "hosted")
    )
    try:
        code = (
            "import os, sys\n"
            "print(os.path.dirname(os.path.abspath(sys.argv[0])).endswith('/sandbox/src'),"
            " os.getcwd().endswith('/tmp/input'), open('data.csv').read())\n"
        )
        data = server.execute("python", code, input_files=files("data.csv"))
        assert data["stdout"] == "True True data.csv!\n", data["stderr"]
    finally:
        server.stop()
