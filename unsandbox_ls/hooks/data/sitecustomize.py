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
        _in_place_carry(env, here)  # in-place results: the re-run program loads this file too
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


# --- in-place results (begin) -----------------------------------------------------------------
# With UNSANDBOX_LS_IN_PLACE=NONCE, the program's run records, without touching its code, which
# line of the user's files wrote each piece of stdout/stderr (sys.stdout/sys.stderr wrapped, and
# print, which records a line once; the nearest frame of a file under the program's folder),
# and, for an uncaught exception, the local variables of each of its frames (repr, bounded).
# At exit it writes one block on stderr,
# `--- unsandbox-ls in-place NONCE ---` JSON `--- unsandbox-ls end NONCE ---`, which the client
# removes. os._exit or a kill leave no block; the run is then an ordinary one.
_IN_PLACE = "UNSANDBOX_LS_IN_PLACE"
_IN_PLACE_PATH = "UNSANDBOX_LS_IN_PLACE_PATH"
_LINES_MAX = 300  # source lines recorded
_TEXT_MAX = 2000  # characters of output kept per line
_SHORT_MAX = 60  # the first line's characters
_LAST_MAX = 200  # the last value's characters
_VALUE_MAX = 200  # characters of one value's repr
_NAMES_MAX = 30  # names per frame
_FRAMES_MAX = 8
_BLOCK_MAX = 60000  # characters of the whole block
_BUILTIN_PRINT = print  # the one the hook's print stands in for


def _in_place_own():
    """This file's text, read when it loads: the hook removes its own files from the input
    folder before the program runs, and the program's process loads a private copy."""
    if not (os.environ.get(_IN_PLACE) and os.environ.get("UNSANDBOX_LS_BOOT")):
        return None
    try:
        with open(os.path.abspath(__file__), "rb") as own:
            return own.read()
    except (OSError, NameError):
        return None


_IN_PLACE_OWN = _in_place_own()


def _in_place_carry(env, here):
    """The environment of the re-run program: a private copy of this file first on PYTHONPATH
    (so it records), the user's PYTHONPATH kept to be given back once it has loaded."""
    if not env.get(_IN_PLACE) or _IN_PLACE_OWN is None:
        env.pop(_IN_PLACE, None)
        return
    import tempfile

    folder = tempfile.mkdtemp(prefix="unsandbox-ls-in-place-")
    with open(os.path.join(folder, "sitecustomize.py"), "wb") as copy:
        copy.write(_IN_PLACE_OWN)
    user = env.get("PYTHONPATH")
    env[_IN_PLACE_PATH] = "~" if user is None else user
    env["PYTHONPATH"] = folder + (":" + user if user else "")


def _in_place_start():
    nonce = os.environ.pop(_IN_PLACE, "")
    if not nonce or not nonce.isalnum():
        return
    user = os.environ.pop(_IN_PLACE_PATH, None)
    if user is not None:  # the program sees its user's PYTHONPATH, not ours
        if user == "~":
            os.environ.pop("PYTHONPATH", None)
        else:
            os.environ["PYTHONPATH"] = user
    root = os.getcwd()
    own = os.path.abspath(__file__)
    if own.endswith((".pyc", ".pyo")):
        own = own[:-1]
    recorder = _Recorder(nonce, root, own)
    sys.stdout = _Tee(sys.stdout, recorder)
    sys.stderr = _Tee(sys.stderr, recorder)
    import builtins

    ours = None
    if builtins.print is _BUILTIN_PRINT:
        ours = builtins.print = _in_place_print(_BUILTIN_PRINT)
    previous = sys.excepthook

    def excepthook(kind, value, tb):
        try:
            if ours is not None:
                seen = set()
                error = value
                while error is not None and id(error) not in seen:
                    seen.add(id(error))
                    error.__traceback__ = _without(error.__traceback__, ours.__code__)
                    error = error.__cause__ or error.__context__
                tb = value.__traceback__ if value is not None else tb
        except Exception:
            pass
        try:
            recorder.failure(kind, value, tb)
        except Exception:
            pass
        previous(kind, value, tb)

    sys.excepthook = excepthook
    import atexit

    atexit.register(recorder.emit)


class _Recorder(object):
    def __init__(self, nonce, root, own):
        self.nonce = nonce
        self.root = root.rstrip("/") + "/"
        self.own = own
        self.places = {}  # code object -> relative path or None (not the user's)
        self.lines = {}  # (path, line) -> [order, count, text, partial, first, last]
        self.frames = []
        self.error = None
        self.dropped = 0

    def _where(self, code):
        found = self.places.get(code, 0)
        if found != 0:
            return found
        name = code.co_filename
        path = None
        if name and not name.startswith("<"):
            full = os.path.normpath(os.path.join(self.root, name))
            if full != self.own and full.startswith(self.root) and "site-packages" not in full:
                path = full[len(self.root) :]
        self.places[code] = path
        return path

    def write(self, text, frame):
        """Record one write from `frame` (the writer's caller); the entry it went to if that
        frame is a user's itself (then the next write from its line goes there too), or None."""
        places = self.places
        first = frame
        while frame is not None:
            code = frame.f_code
            path = places.get(code, 0)
            if path == 0:
                path = self._where(code)
            if path is not None:
                break
            frame = frame.f_back
        else:
            return None
        key = (path, frame.f_lineno)
        entry = self.lines.get(key)
        if entry is None:
            if len(self.lines) >= _LINES_MAX:
                self.dropped += 1
                return None
            entry = self.lines[key] = [len(self.lines), 0, "", "", None, None]
        if len(entry[2]) < _TEXT_MAX:
            entry[2] += text  # cut to _TEXT_MAX at the end
        if "\n" in text:
            _ended(entry, text)
        elif len(entry[3]) < _LAST_MAX:  # print's words and separators: the line goes on
            entry[3] += text
        return entry if frame is first else None

    def noter(self):
        """(note, last) for one stream: `note(text, frame)` records a write of `frame`'s; `last`
        is [code, offset, entry] of the instruction that wrote last and the entry it went to.
        Its next write (a loop's) goes to that entry at once: no frame walk, no line number,
        no lookups. The hook's print takes that way itself for a line of plain words."""
        record = self.write
        text_max, last_max, short_max, ended = _TEXT_MAX, _LAST_MAX, _SHORT_MAX, _ended
        last = [None, None, None]

        def note(text, frame):
            try:
                if frame.f_lasti == last[1] and frame.f_code is last[0]:
                    entry = last[2]
                    if len(entry[2]) < text_max:
                        entry[2] += text
                    if text == "\n":  # a line end on its own (the built-in print's)
                        partial = entry[3]
                        entry[3] = ""
                        entry[1] += 1
                        if entry[4] is None:
                            entry[4] = partial[:short_max]
                        entry[5] = partial
                    elif "\n" in text:
                        ended(entry, text)
                    elif len(entry[3]) < last_max:
                        entry[3] += text
                else:
                    last[0] = None
                    entry = record(text, frame)
                    if entry is not None:
                        last[:] = frame.f_code, frame.f_lasti, entry
            except Exception:
                pass

        return note, last

    def failure(self, kind, value, tb):
        self.error = (kind.__name__ + ": " + _bounded(str(value), _VALUE_MAX)).rstrip(": ")
        frames = []
        while tb is not None:
            path = self._where(tb.tb_frame.f_code)
            if path is not None:
                frames.append((path, tb.tb_lineno, tb.tb_frame))
            tb = tb.tb_next
        for path, line, frame in frames[-_FRAMES_MAX:]:
            self.frames.append(
                {
                    "path": path,
                    "line": line,
                    "function": frame.f_code.co_name,
                    "values": _values(frame.f_locals),
                }
            )

    def emit(self):
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        except Exception:
            pass
        lines = []
        for (path, line), entry in sorted(self.lines.items(), key=lambda item: item[1][0]):
            order, count, text, partial, first, last = entry
            text = text[:_TEXT_MAX]
            last = last and last[:_LAST_MAX]
            if partial:
                count += 1
                first = partial[:_SHORT_MAX] if first is None else first
                last = partial[:_LAST_MAX]
            lines.append(
                {"path": path, "line": line, "count": count, "first": first or "",
                 "last": last or "", "text": text}
            )  # fmt: skip
        import json

        body = {"v": 1, "lines": lines, "frames": self.frames, "error": self.error}
        if self.dropped:
            body["dropped"] = self.dropped
        text = json.dumps(body, ensure_ascii=True)
        while len(text) > _BLOCK_MAX and body["lines"]:
            body["lines"] = body["lines"][: len(body["lines"]) // 2]
            body["truncated"] = True
            text = json.dumps(body, ensure_ascii=True)
        if len(text) > _BLOCK_MAX:
            return
        block = "--- unsandbox-ls in-place %s ---\n%s\n--- unsandbox-ls end %s ---\n" % (
            self.nonce, text, self.nonce,
        )  # fmt: skip
        try:
            os.write(2, block.encode("ascii"))
        except OSError:
            pass


def _ended(entry, text):
    """A write with line ends: the lines it ends are counted, the first and last kept."""
    done = (entry[3] + text).split("\n")
    entry[3] = done.pop()[:_LAST_MAX]
    entry[1] += len(done)
    if entry[4] is None:
        entry[4] = done[0][:_SHORT_MAX]
    entry[5] = done[-1][:_LAST_MAX]


def _bounded(text, limit):
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"


def _values(names):
    import types

    skip = (types.ModuleType, types.FunctionType, types.BuiltinFunctionType, type)
    values = []
    for name, value in list(names.items()):
        if name.startswith("__") or isinstance(value, skip):
            continue
        if len(values) >= _NAMES_MAX:
            break
        try:
            shown = repr(value)
        except Exception as exc:
            shown = "<repr failed: " + type(exc).__name__ + ">"
        values.append([name, _bounded(shown, _VALUE_MAX)])
    return values


class _Tee(object):
    """A text stream that records who wrote to it and passes everything on."""

    def __init__(self, stream, recorder):
        note, last = recorder.noter()
        getframe = sys._getframe

        def write(text):
            if text:
                try:
                    note(text, getframe(1))
                except ValueError:  # no caller's frame: sys.exit's message, written at exit
                    pass
            return stream.write(text)

        self.__dict__["_stream"] = stream
        self.__dict__["_print"] = (note, last, stream.write)  # for the hook's print
        self.__dict__["write"] = write  # a plain function: no bound method

    def writelines(self, lines):
        for line in lines:
            self.write(line)

    def __getattr__(self, name):
        return getattr(self._stream, name)

    def __setattr__(self, name, value):
        setattr(self._stream, name, value)


def _in_place_print(real):
    """The program's `print`: to one of the tees, the text recorded at the caller's line with
    no frame walk, and words of plain types (whose str() runs none of the program's code)
    joined and written at once; the built-in makes a write for each word, separator and line
    end, each recorded on its own. To any other file, the built-in itself. What it writes, in
    what order, and raises is the built-in's; the hook's excepthook takes this frame out of
    the traceback of an error raised inside it (a __str__ of the program's)."""
    getframe, tee_type, text_max = sys._getframe, _Tee, _TEXT_MAX
    plain = frozenset((str, int, float, bool, type(None)))

    def print(*args, sep=" ", end="\n", file=None, flush=False):
        tee = sys.stdout if file is None else file
        if type(tee) is not tee_type:
            if tee is None:
                return None
            return real(*args, sep=sep, end=end, file=file, flush=flush)
        if type(sep) is not str:
            sep = _checked("sep", sep, " ")
        if type(end) is not str:
            end = _checked("end", end, "\n")
        note, last, write = tee._print
        frame = getframe(1)
        words = None
        for arg in args:
            if type(arg) not in plain:
                break
        else:
            try:
                words = sep.join(map(str, args))
            except Exception:  # an int too long to show: the built-in's way, to its error
                pass
        if words is None:
            for at, arg in enumerate(args):
                if at:
                    if sep:
                        note(sep, frame)
                    write(sep)
                word = str(arg)
                if word:
                    note(word, frame)
                write(word)
            text = end
        else:
            text = words + end
        entry = last[2]
        if (
            words is not None
            and end == "\n"
            and frame.f_code is last[0]
            and frame.f_lasti == last[1]
            and not entry[3]
            and entry[4] is not None
            and "\n" not in words
        ):  # the loop's print again, and a whole line: counted here, without a call
            entry[1] += 1
            entry[5] = words
            if len(entry[2]) < text_max:
                entry[2] += text
        elif text:
            note(text, frame)
        write(text)
        if flush:
            tee.flush()
        return None

    print.__doc__ = real.__doc__
    print.__module__ = "builtins"  # pickle and help find it as the built-in
    print.__qualname__ = "print"
    return print


def _checked(name, value, default):
    """print's `sep` or `end` as the built-in takes it."""
    if value is None:
        return default
    if not isinstance(value, str):
        raise TypeError(name + " must be None or a string, not " + type(value).__name__)
    return value


def _without(traceback, code):
    """`traceback` without the entries of `code`'s frames."""
    first = previous = None
    while traceback is not None:
        if traceback.tb_frame.f_code is not code:
            if previous is None:
                first = traceback
            else:
                previous.tb_next = traceback
            previous = traceback
        traceback = traceback.tb_next
    if previous is not None:
        previous.tb_next = None
    return first


# --- in-place results (end) -------------------------------------------------------------------


_unsandbox_ls_boot()
del _unsandbox_ls_boot
_chain()
_in_place_start()  # in-place results: only in the process that runs the program
