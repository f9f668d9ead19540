"""Where runs go: the backend setting, `UNSANDBOX_BACKEND`, and what counts as "configured"."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

from unsandbox_ls.local_backend import (
    BackendSettingError,
    backend_setting,
    missing_requirement,
    nothing_configured,
    uses_local,
)
from unsandbox_ls.server.settings import Settings, apply


def test_setting_then_variable_then_auto() -> None:
    assert backend_setting(None, {}) == "auto"
    assert backend_setting(None, {"UNSANDBOX_BACKEND": "Local "}) == "local"
    assert backend_setting("hosted", {"UNSANDBOX_BACKEND": "local"}) == "hosted"
    # "auto" in a setting (VS Code's default) leaves the choice to the variable
    assert backend_setting("auto", {"UNSANDBOX_BACKEND": "local"}) == "local"
    with pytest.raises(
        BackendSettingError, match="UNSANDBOX_BACKEND must be auto, hosted or local"
    ):
        backend_setting(None, {"UNSANDBOX_BACKEND": "cloud"})


@pytest.mark.parametrize(
    "variable",
    [
        "UNSANDBOX_PUBLIC_KEY",
        "UNSANDBOX_SECRET_KEY",
        "UNSANDBOX_API_KEY",
        "UNSANDBOX_ACCOUNT",
        "UNSANDBOX_BASE_URL",
    ],
)
def test_any_variable_means_configured(variable: str, tmp_path: Path) -> None:
    assert nothing_configured(env={}, home=tmp_path)
    assert not nothing_configured(env={variable: "x"}, home=tmp_path)
    assert nothing_configured(env={variable: "  "}, home=tmp_path)  # blank is unset


def test_settings_and_accounts_file_mean_configured(tmp_path: Path) -> None:
    assert not nothing_configured(explicit=("https://example.test",), env={}, home=tmp_path)
    assert not nothing_configured(explicit=(0,), env={}, home=tmp_path)  # account row 0
    assert nothing_configured(explicit=(None, ""), env={}, home=tmp_path)
    (tmp_path / ".unsandbox").mkdir()
    (tmp_path / ".unsandbox" / "accounts.csv").write_text("")
    assert not nothing_configured(env={}, home=tmp_path)


def test_uses_local(tmp_path: Path) -> None:
    nothing = {"env": {}, "home": tmp_path}
    keys = {"env": {"UNSANDBOX_API_KEY": "k"}, "home": tmp_path}
    assert uses_local("auto", **nothing)
    assert not uses_local("auto", **keys)
    assert uses_local("local", **keys)
    assert not uses_local("hosted", **nothing)


def test_backend_and_notify_settings() -> None:
    settings, problems = apply(Settings(), {"unsandbox": {"backend": "local", "notify": "always"}})
    assert (settings.backend, settings.notify, problems) == ("local", "always", [])
    assert Settings().notify == "failures" and Settings().backend is None
    kept, problems = apply(settings, {"backend": "cloud", "notify": "sometimes"})
    assert (kept.backend, kept.notify) == ("local", "always")
    assert problems == [
        "unsandbox.backend must be 'auto', 'hosted' or 'local', got 'cloud'",
        "unsandbox.notify must be 'failures', 'always' or 'never', got 'sometimes'",
    ]


def test_missing_sandbox_extra_says_how_to_install_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "uvicorn", None)  # as if the [sandbox] extra were missing
    problem = missing_requirement()
    assert problem is not None
    assert problem.message == (
        "The local sandbox needs the sandbox extra: pip install 'unsandbox-ls[sandbox]'."
    )
    assert "uvicorn is not installed" in problem.detail


def test_missing_bubblewrap_says_how_to_install_it(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    if shutil.which("bwrap") is None:
        pytest.skip("bubblewrap is not installed here")
    assert missing_requirement() is None
    monkeypatch.setenv("PATH", str(tmp_path))
    problem = missing_requirement()
    assert problem is not None
    assert problem.message == "The local sandbox needs bubblewrap: apt-get install bubblewrap."
