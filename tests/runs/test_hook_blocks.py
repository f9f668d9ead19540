"""The hook's framed blocks stay out of output shown while a job runs, however it is cut."""

from __future__ import annotations

from unsandbox_ls.runs.hook_blocks import LiveBlockFilter

STDERR = (
    "--- unsandbox-ls boot abc123 ---\nhook python\ninput /tmp/input\n"
    "--- unsandbox-ls end abc123 ---\n"
    "to stderr\n--- not ours ---\n"
    '--- unsandbox-ls in-place abc123 ---\n{"lines": []}\n--- unsandbox-ls end abc123 ---\n'
)
SHOWN = "to stderr\n--- not ours ---\n"


def test_the_whole_text_at_once() -> None:
    assert LiveBlockFilter("abc123").feed(STDERR) == SHOWN


def test_every_way_of_cutting_it_in_two_shows_the_same() -> None:
    for cut in range(len(STDERR) + 1):
        blocks = LiveBlockFilter("abc123")
        assert blocks.feed(STDERR[:cut]) + blocks.feed(STDERR[cut:]) == SHOWN, cut


def test_another_runs_block_is_shown() -> None:
    other = "--- unsandbox-ls boot zzz ---\nhook python\n--- unsandbox-ls end zzz ---\n"
    assert LiveBlockFilter("abc123").feed(other) == other


def test_a_piece_one_character_at_a_time() -> None:
    blocks = LiveBlockFilter("abc123")
    assert "".join(blocks.feed(c) for c in STDERR) == SHOWN
