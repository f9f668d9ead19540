"""Which files of a git work tree git ignores, read from the ignore files themselves.

Git is never run: a repository's own configuration can make git run commands
(`core.fsmonitor`, hooks, `core.sshCommand` …), so running git in a cloned repository would let
whoever wrote it run anything on this machine. Instead `pathspec` (its gitwildmatch rules,
`GitIgnoreSpec`) reads, as git does:

- every `.gitignore` from the work tree's top down to the file's folder (a deeper file wins);
- `$GIT_DIR/info/exclude` (a linked work tree's `.git` file and `commondir` are followed);
- the user's global file at its default place, `$XDG_CONFIG_HOME/git/ignore` (or
  `~/.config/git/ignore`); a `core.excludesFile` set elsewhere is not read (that would mean
  interpreting git's configuration).

A path is ignored when a rule matches it or one of its folders (git never looks inside an
ignored folder, so a `!` rule cannot bring a file back from one).

Fail closed: an ignore file that exists but cannot be read (not a regular file, a symlink, too
large, not UTF-8, a pattern `pathspec` refuses) makes `IgnoreRules.failure` say so; the caller
then sends only what the program names and says that ignore rules were not applied.

The work tree is the nearest folder at or above the file's folder that holds `.git` (a folder,
or a file as in a linked work tree); outside one nothing is ignored. Who owns the repository
does not matter (git's "dubious ownership" refusal is about running its configuration, which
is never done here).
"""

from __future__ import annotations

import os
import posixpath
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from unsandbox_ls.runs.safe_read import FileRefused, read_regular_file

if TYPE_CHECKING:  # imported when an ignore file is there to read: most folders have none
    import pathspec

#: an ignore file larger than this is not read (and the rules count as unreadable)
MAX_IGNORE_FILE_BYTES = 1024 * 1024


class IgnoreRulesUnreadable(Exception):
    """An ignore file exists but cannot be read or parsed; the message names it."""


def find_work_tree(folder: Path) -> Path | None:
    """The nearest folder at or above `folder` holding `.git` (a folder or a file), or None."""
    current = folder
    while True:
        if os.path.lexists(current / ".git"):
            return current
        if current.parent == current:
            return None
        current = current.parent


def _git_dir(top: Path) -> Path | None:
    """The repository's common git folder (for `info/exclude`): `.git`, or what a linked work
    tree's `.git` file names (and its `commondir`). None when it cannot be told."""
    dot_git = top / ".git"
    try:
        info = os.lstat(dot_git)
    except OSError:
        return None
    if stat.S_ISDIR(info.st_mode):
        git_dir = dot_git
    elif stat.S_ISREG(info.st_mode):
        try:
            text = read_regular_file(dot_git, limit=4096).decode("utf-8")
        except (FileRefused, UnicodeDecodeError):
            return None
        if not text.startswith("gitdir:"):
            return None
        git_dir = Path(top, text[len("gitdir:") :].strip())
    else:
        return None
    try:
        common = read_regular_file(git_dir / "commondir", limit=4096).decode("utf-8").strip()
    except (FileRefused, UnicodeDecodeError):
        return git_dir
    return Path(git_dir, common) if common else git_dir


def _global_excludes() -> Path:
    config = os.environ.get("XDG_CONFIG_HOME") or os.path.join(os.path.expanduser("~"), ".config")
    return Path(config, "git", "ignore")


def _read_spec(path: Path) -> pathspec.GitIgnoreSpec | None:
    """The rules of one ignore file; None when there is none; `IgnoreRulesUnreadable` when
    it exists but cannot be read or parsed."""
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise IgnoreRulesUnreadable(f"cannot read {path}: {exc.strerror}") from None
    if stat.S_ISLNK(info.st_mode):
        raise IgnoreRulesUnreadable(f"{path} is a symbolic link (git does not follow those)")
    try:
        data = read_regular_file(path, limit=MAX_IGNORE_FILE_BYTES)
        text = data.decode("utf-8")
    except FileRefused as exc:
        raise IgnoreRulesUnreadable(str(exc)) from None
    except UnicodeDecodeError:
        raise IgnoreRulesUnreadable(f"{path} is not UTF-8 text") from None
    import pathspec

    try:
        return pathspec.GitIgnoreSpec.from_lines(text.splitlines())
    except ValueError as exc:  # GitIgnorePatternError: a pattern pathspec cannot read
        raise IgnoreRulesUnreadable(f"{path}: {exc}") from None


@dataclass
class IgnoreRules:
    """The ignore rules of one work tree, each `.gitignore` read once when first needed."""

    top: Path
    failure: str | None = None
    _base_layers: list[pathspec.GitIgnoreSpec] = field(default_factory=list)
    _folder_specs: dict[str, pathspec.GitIgnoreSpec | None] = field(default_factory=dict)

    @classmethod
    def for_folder(cls, folder: Path) -> IgnoreRules | None:
        """The rules of the work tree holding `folder` (symlinks resolved), or None outside one."""
        top = find_work_tree(folder)
        if top is None:
            return None
        rules = cls(top)
        git_dir = _git_dir(top)
        sources = [_global_excludes()]
        if git_dir is not None:
            sources.append(git_dir / "info" / "exclude")
        for source in sources:  # lowest precedence first
            try:
                spec = _read_spec(source)
            except IgnoreRulesUnreadable as exc:
                rules.failure = str(exc)
                return rules
            if spec is not None:
                rules._base_layers.append(spec)
        return rules

    def _folder_spec(self, folder: str) -> pathspec.GitIgnoreSpec | None:
        """The `.gitignore` of a folder relative to the top ('' is the top)."""
        if folder not in self._folder_specs:
            try:
                spec = _read_spec(self.top / folder / ".gitignore")
            except IgnoreRulesUnreadable as exc:
                self.failure = self.failure or str(exc)
                spec = None
            self._folder_specs[folder] = spec
        return self._folder_specs[folder]

    def _matches(self, path: str, is_dir: bool) -> bool:
        """Whether the rules that apply to `path` (relative to the top) ignore it."""
        folders = [""]
        parts = path.split("/")[:-1]
        for i in range(len(parts)):
            folders.append("/".join(parts[: i + 1]))
        # deepest `.gitignore` first, then info/exclude, then the global file: the first that
        # has a rule for the path decides
        for folder in reversed(folders):
            spec = self._folder_spec(folder)
            if spec is None:
                continue
            rel = posixpath.relpath(path, folder) if folder else path
            verdict = spec.check_file(rel + "/" if is_dir else rel).include
            if verdict is not None:
                return verdict
        for spec in reversed(self._base_layers):
            verdict = spec.check_file(path + "/" if is_dir else path).include
            if verdict is not None:
                return verdict
        return False

    def ignored(self, path: str) -> bool:
        """Whether git ignores the file `path` (relative to the top, `/`-separated): a rule
        matches it or one of the folders holding it. Anything under `.git` counts as ignored."""
        parts = path.split("/")
        if parts[0] == ".git":
            return True
        for depth in range(1, len(parts)):
            if self._matches("/".join(parts[:depth]), is_dir=True):
                return True
        return self._matches(path, is_dir=False)

    def ignored_path(self, path: Path) -> bool:
        """`ignored` for an absolute path; False for a path outside the work tree."""
        try:
            rel = path.relative_to(self.top)
        except ValueError:
            return False
        return self.ignored(rel.as_posix())
