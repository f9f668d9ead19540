"""A run with its language's start-up hook: flat names, the hook's files, its variables.

Whenever the language has a hook (`hooks.startup.HOOKS`), the run needs it and can carry it,
every input file goes under a flat name (`shop/cart.py` as `shop__cart.py`) and the hook rebuilds
the tree in the sandbox. A run needs it when it sends files with the program (the hosted API puts
them apart from the code), gives it stdin or arguments, or records results in place. A program
alone, with none of these, goes without it: in every layout it then runs as the sandbox names
it (`main.py` in its folder), which only its own file name can tell, and its interpreter starts
once instead of twice (the hook runs the program again under its own name).

Flat names always, rather than folders until the API answers 400: the API's documentation
says names may not contain `/`, a refused request costs the user a round trip (and a hosted run
that accepts folders might still put them where relative imports miss them), and one wire form
is one thing to test. Where the sandbox ignores the hook, a file of the program's own folder is
still under its own name, as before.

Without room for the hook's files (the API takes 10 input files), a run that needs the hook
(folders, stdin or arguments) is refused saying so; one that does not goes without it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from unsandbox_ls.api.limits import MAX_INPUT_FILES
from unsandbox_ls.sent_file import SentFile

if TYPE_CHECKING:
    from unsandbox_ls.hooks.startup import Boot
    from unsandbox_ls.runs.source import Source


def with_hook(
    source: Source,
    language: str,
    sent: Sequence[SentFile],
    args: Sequence[str],
    stdin: str | None,
    env: Mapping[str, str],
    *,
    records: bool = False,
) -> tuple[list[SentFile], dict[str, str], Boot] | None:
    """(the files sent with the program, under their flat wire names, then the hook's own; the
    run's variables; the boot) or None when the language has no hook or the run goes without.
    `records`: the run records results in place (the hook carries the recorder)."""
    if not (sent or stdin or args or records):
        return None
    from unsandbox_ls.hooks.startup import HOOKS, reserved_names, startup, wire_names
    from unsandbox_ls.runs.plan import RunRefused, submitted_name

    hook = HOOKS.get(language)
    if hook is None:
        return None
    paths = [f.name for f in sent]
    needed = bool(stdin or args or any("/" in p for p in paths))
    if len(sent) + len(hook.files) > MAX_INPUT_FILES:
        if not needed:
            return None
        raise RunRefused(
            f"{source.name}: {len(sent)} files go with the program, and the start-up hook that "
            f"gives it {_needs(stdin, args, paths)} is {len(hook.files)} more, over the API's "
            f"{MAX_INPUT_FILES}; send fewer files; nothing was sent"
        )
    code = source.name if source.path else submitted_name(language)
    clash = next((f for f in sent if f.name == code), None)
    if clash is not None and clash.text != source.code:  # the program itself may be named too
        raise RunRefused(
            f"{source.name}: {clash.path} would be sent as {code}, the program's own name; "
            f"rename one; nothing was sent"
        )
    wires = wire_names(paths, reserved_names(language))
    boot = startup(
        language,
        code=code,
        files=[(wires[p], p) for p in paths],
        args=args,
        stdin=stdin,
        user_env=env,
    )
    flat = [f._replace(travels_as=wires[f.name]) for f in sent]
    why = f"the {language} start-up hook (finds the files, sets argv, stdin and the cwd)"
    flat += [
        SentFile.from_bytes(name, content, path=None, origin="bootstrap", why=why)
        for name, content in boot.files
    ]
    return flat, {**env, **boot.env}, boot


def _needs(stdin: str | None, args: Sequence[str], paths: Sequence[str]) -> str:
    wants = []
    if any("/" in p for p in paths):
        wants.append("its folders")
    if stdin:
        wants.append("its standard input")
    if args:
        wants.append("its arguments")
    return " and ".join(wants)
