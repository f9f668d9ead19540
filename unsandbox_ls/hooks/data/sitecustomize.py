# unsandbox-ls start-up hook for Python, loaded as `sitecustomize` through PYTHONPATH.
#
# It runs before the user's program, reads the run's manifest (UNSANDBOX_LS_BOOT), finds the
# folder the sandbox put the input files in, rebuilds the program's folder tree from the flat
# names they were sent under, and re-executes the interpreter on the program's own file name in
# that tree: cwd the program's folder, argv the program's arguments, stdin the given file (or
# end-of-file at once). Exec leaves none of this file's frames behind. Anything unexpected ends
# the hook silently and the program runs as it would have without it. It writes only one framed
# block to stderr, which the client removes. Keep this file runnable on Python 3.6+.
import os
import sys


def _unsandbox_ls_boot():
    manifest = os.environ.get("UNSANDBOX_LS_BOOT")
    if not manifest:
        return
    try:
        boot = _parse(manifest)
    except (ValueError, IndexError):
        return
    report = ["hook python"]
    try:
        argv = list(getattr(sys, "orig_argv", None) or [])
        script = sys.argv[0] if sys.argv else ""
        if not script or script in ("-c", "-m", "-") or not os.path.isfile(script):
            report.append("skipped no script file")
            return
        here = os.path.dirname(os.path.abspath(__file__))
        tree, notes = _build_tree(boot, os.path.abspath(script), here)
        report.extend(notes)
        if tree is None:
            return
        if argv and argv[-len(sys.argv) :] == sys.argv:
            command = argv[: len(argv) - len(sys.argv)]
        else:
            command = [sys.executable]
        command = command + [boot["code"]] + boot["args"]
        env = dict(os.environ)
        for name, value in boot["env"]:
            if value is None:
                env.pop(name, None)
            else:
                env[name] = value
        env.pop("UNSANDBOX_LS_BOOT", None)
        stdin = os.path.join(tree, boot["stdin"]) if boot["stdin"] else os.devnull
        fd = os.open(stdin, os.O_RDONLY)
        report.append("exec " + os.path.join(tree, boot["code"]))
        _frame(boot["nonce"], report)
        report = []
        os.chdir(tree)
        os.dup2(fd, 0)
        os.close(fd)
        sys.stdout.flush()
        sys.stderr.flush()
        os.execve(sys.executable, command, env)
    except Exception as exc:  # the run goes on as it would have without the hook
        report.append("error " + type(exc).__name__ + ": " + str(exc))
    finally:
        if report:
            _frame(boot["nonce"], report)


def _parse(text):
    tokens = text.split(" ")
    if tokens[0] != "1":
        raise ValueError("unknown manifest version")

    def word(token):
        if token == "~":
            return None
        if token == "-":
            return ""
        return bytes.fromhex(token).decode("utf-8", "surrogateescape")

    boot = {"nonce": tokens[1], "code": word(tokens[2]), "stdin": word(tokens[3])}
    at = 4
    count = int(tokens[at])
    boot["args"] = [word(t) for t in tokens[at + 1 : at + 1 + count]]
    at += 1 + count
    count = int(tokens[at])
    boot["files"] = [
        (word(tokens[at + 1 + 2 * i]), word(tokens[at + 2 + 2 * i])) for i in range(count)
    ]
    at += 1 + 2 * count
    count = int(tokens[at])
    boot["env"] = [
        (word(tokens[at + 1 + 2 * i]), word(tokens[at + 2 + 2 * i])) for i in range(count)
    ]
    return boot


def _input_folder(boot, script, here):
    wires = [wire for wire, _ in boot["files"]]
    seen = []
    for folder in (here, "/tmp/input", os.getcwd(), "/root/input", "/tmp", os.path.dirname(script)):
        if folder in seen:
            continue
        seen.append(folder)
        if all(os.path.isfile(os.path.join(folder, w)) for w in wires):
            return folder
    return None


def _place(source, target):
    if os.path.lexists(target):
        if os.path.isfile(target) and os.path.samefile(source, target):
            return
        os.remove(target)
    folder = os.path.dirname(target)
    if not os.path.isdir(folder):
        os.makedirs(folder)
    try:
        os.link(source, target)
    except OSError:
        with open(source, "rb") as src, open(target, "wb") as dst:
            dst.write(src.read())


def _build_tree(boot, script, here):
    """(the tree's folder, report lines): the program and its files at their local places."""
    found = _input_folder(boot, script, here)
    notes = ["input " + (found or "none"), "code " + script, "cwd " + os.getcwd()]
    if found is None:
        return None, notes + ["skipped the input files were not found"]
    tree = found if os.access(found, os.W_OK) else None
    if tree is None:
        import tempfile

        tree = tempfile.mkdtemp(prefix="unsandbox-ls-")
    for wire, path in boot["files"]:
        if path and (tree != found or wire != path):
            _place(os.path.join(found, wire), os.path.join(tree, path))
    _place(script, os.path.join(tree, boot["code"]))
    if tree == found:  # the folder holds what the local one does: no flat names, no hook
        for wire, path in boot["files"]:
            if wire != path:
                try:
                    os.remove(os.path.join(found, wire))
                except OSError:
                    pass
    if tree != "/tmp/input" and not os.path.lexists("/tmp/input"):
        try:
            os.symlink(tree, "/tmp/input")
        except OSError:
            pass
    notes.append("tree " + tree)
    return tree, notes


def _frame(nonce, lines):
    text = "\n".join(line.replace("\n", " ")[:300] for line in lines[:12])
    block = "--- unsandbox-ls boot %s ---\n%s\n--- unsandbox-ls end %s ---\n" % (nonce, text, nonce)
    try:
        os.write(2, block.encode("utf-8", "replace"))
    except OSError:
        pass


def _chain():
    """Load the sitecustomize this file shadows (the next one on sys.path), if any."""
    here = os.path.dirname(os.path.abspath(__file__))
    import importlib.util

    for entry in sys.path:
        if os.path.abspath(entry or ".") == here:
            continue
        candidate = os.path.join(entry or ".", "sitecustomize.py")
        if os.path.isfile(candidate):
            spec = importlib.util.spec_from_file_location("_user_sitecustomize", candidate)
            if spec is not None and spec.loader is not None:
                spec.loader.exec_module(importlib.util.module_from_spec(spec))
            return


_unsandbox_ls_boot()
del _unsandbox_ls_boot
_chain()
