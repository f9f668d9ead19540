"""The environment of a user who has configured nothing: no key anywhere."""

from __future__ import annotations

import os
from pathlib import Path


def keyless_env(tmp_path: Path) -> dict[str, str]:
    """This process's environment without any UNSANDBOX_* variable, with HOME an empty folder
    under `tmp_path` (so no accounts.csv either)."""
    home = tmp_path / "empty-home"
    home.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("UNSANDBOX_")}
    env["HOME"] = str(home)
    return env
