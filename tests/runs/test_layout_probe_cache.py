"""The layout probe's cache (`runs/layout_probe.py`): keyed by the bare base URL, bounded."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from unsandbox_ls.runs import layout_probe
from unsandbox_ls.runs.layout_probe import LayoutProbe, cache_key, cached, remember


def test_the_key_drops_user_name_password_query_and_fragment() -> None:
    assert cache_key("https://me:pw@api.example.com:8443/v1/?k=s#x") == (
        "https://api.example.com:8443/v1"
    )
    assert cache_key("http://[::1]:8765") == "http://[::1]:8765"


def test_each_url_keeps_its_last_probe_and_the_oldest_go(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "layouts.json"
    monkeypatch.setattr(layout_probe, "MAX_ENTRIES", 3)
    for i in range(5):
        remember(LayoutProbe(f"http://127.0.0.1:{9000 + i}", float(i), cwd=f"/c{i}"), path)
    remember(LayoutProbe("http://127.0.0.1:9004", 10.0, cwd="/again"), path)
    data = json.loads(path.read_text())
    assert sorted(data) == [f"http://127.0.0.1:{p}" for p in (9002, 9003, 9004)]
    assert (cached("http://u:p@127.0.0.1:9004/", path) or {})["cwd"] == "/again"
    assert cached("http://127.0.0.1:9000", path) is None
