"""The pristine stub of a kata, and `dojo reset`: back up the learner's file, then restore;
the backups, and `dojo restore`: back up the learner's file, then put a backup back.

The pristine stub comes from the clone's git history: the newest committed version
of the file in which every registered function still raises its placeholder (so a
learner who committed their work still gets the original stub back).
"""

from __future__ import annotations

import ast
import datetime
import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from dojo.curriculum import Kata
from dojo.i18n import _
from dojo.outcomes import placeholder_message


class ResetError(Exception):
    """Why a stub could not be restored (one line for the learner)."""


def _raises_placeholder(node: ast.AST, message: str) -> bool:
    return any(_placeholder_raise(sub, message) for sub in ast.walk(node))


def _placeholder_raise(node: ast.AST, message: str) -> bool:
    """`raise NotImplementedError(message)`; for a class (placeholder "kata 08_layers:
    implement Lin") its methods' "kata 08_layers: implement Lin.backward" count too."""
    if not (
        isinstance(node, ast.Raise)
        and isinstance(node.exc, ast.Call)
        and isinstance(node.exc.func, ast.Name)
        and node.exc.func.id == "NotImplementedError"
        and node.exc.args
        and isinstance(node.exc.args[0], ast.Constant)
        and isinstance(node.exc.args[0].value, str)
    ):
        return False
    text = node.exc.args[0].value
    return text == message or text.startswith(message + ".")


def is_pristine(source: str, kata: Kata) -> bool:
    """True when every registered function (or class) of `kata` still raises its placeholder."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):  # null bytes, too deep
        return False
    defined = {
        node.name: node
        for node in tree.body
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
    }
    return all(
        fn.name in defined
        and _raises_placeholder(defined[fn.name], placeholder_message(kata.id, fn.name))
        for fn in kata.functions
    )


def _git(root: Path, *args: str) -> str:
    """git's output; ResetError when git fails or its output is not UTF-8 text (a file
    committed with other bytes cannot be the pristine stub, which is UTF-8)."""
    try:
        done = subprocess.run(
            ["git", "-C", str(root), *args], capture_output=True, check=False, timeout=30,
        )
    except FileNotFoundError:
        raise ResetError(
            _("git is not installed: dojo reset takes the pristine stub from your clone's "
              "history")
        ) from None
    except subprocess.TimeoutExpired:
        raise ResetError(_("git took too long to answer")) from None
    if done.returncode != 0:
        stderr = done.stderr.decode("utf-8", errors="replace")
        first = (stderr.strip().splitlines() or [_("no message")])[0]
        raise ResetError(
            _("git {command} failed: {message}").format(command=args[0], message=first)
        )
    try:
        text = done.stdout.decode("utf-8")
    except UnicodeDecodeError:
        raise ResetError(
            _("git {command} gave bytes that are not UTF-8 text").format(command=args[0])
        ) from None
    return text.replace("\r\n", "\n")  # as text mode would: the same source on Windows


def _same_source(data: bytes, source: str) -> bool:
    """True when the file's bytes hold `source` (whatever their line endings)."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return text.replace("\r\n", "\n") == source


@dataclass(frozen=True)
class Pristine:
    source: str
    origin: str  # where it came from, for the learner: "git commit 1a2b3c4d5e", ...


def pristine_stub(root: Path, kata: Kata) -> Pristine:
    """The newest committed version of the kata's stub that is still pristine."""
    relative = f"katas/{kata.id}/{kata.module}.py"
    try:
        _git(root, "rev-parse", "--git-dir")
    except ResetError:
        raise ResetError(
            _("{folder} is not a git clone: dojo reset takes the pristine stub from the "
              "history of your clone of foundations-katas").format(folder=root)
        ) from None
    commits = _git(root, "log", "--format=%H", "--", relative).split()
    for commit in commits:
        try:
            source = _git(root, "show", f"{commit}:./{relative}")
        except ResetError:
            continue  # the file was deleted in that commit
        if is_pristine(source, kata):
            return Pristine(source, _("git commit {commit}").format(commit=commit[:10]))
    raise ResetError(
        _("no pristine version of {path} in this clone's git history").format(path=relative)
    )


def inside(path: Path, folder: Path) -> bool:
    """True when `path`, symlinks resolved, lies inside `folder`."""
    try:
        path.resolve().relative_to(folder.resolve())
    except ValueError:
        return False
    return True


@dataclass(frozen=True)
class ResetResult:
    stub: Path
    backup: Path | None  # None: nothing to save (the file was missing or already pristine)
    origin: str  # where the pristine stub came from (see Pristine)
    already_pristine: bool = False


def backup_path(backups: Path, kata: Kata, now: datetime.datetime) -> Path:
    """`<backups>/<kata>/<module>-YYYYmmdd-HHMMSS.py`, never one that exists already."""
    stamp = now.strftime("%Y%m%d-%H%M%S")
    folder = backups / kata.id
    candidate = folder / f"{kata.module}-{stamp}.py"
    n = 1
    while candidate.exists():
        n += 1
        candidate = folder / f"{kata.module}-{stamp}-{n}.py"
    return candidate


def learner_file(root: Path, kata: Kata, command: str) -> Path:
    """The kata's file in `katas/`, which `dojo reset` and `dojo restore` may replace;
    ResetError when it is not plainly inside `katas/` (a symlink out of it, say)."""
    katas = root / "katas"
    stub = katas / kata.id / f"{kata.module}.py"
    plain = all(part not in ("", ".", "..") and "/" not in part and "\\" not in part
                for part in (kata.id, kata.module))
    if not plain or not inside(stub, katas):
        raise ResetError(
            _("refusing to touch {path}: dojo {command} only writes inside {folder}").format(
                path=stub, command=command, folder=katas
            )
        )
    return stub


def reset(root: Path, kata: Kata, backups: Path) -> ResetResult:
    """Save the learner's stub under `backups`, then write the pristine stub in its place."""
    from dojo.workspace import pristine_for  # the workspace model uses this module

    stub = learner_file(root, kata, "reset")
    pristine = pristine_for(root, kata)
    # bytes, not text: a file that is not UTF-8 is still the learner's, backed up as it is
    if stub.is_file() and _same_source(stub.read_bytes(), pristine.source):
        return ResetResult(stub, None, pristine.origin, already_pristine=True)
    backup = None
    if stub.exists():
        backup = backup_path(backups, kata, datetime.datetime.now())
        backup.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(stub, backup)  # first the copy; only then the stub is replaced
        if backup.read_bytes() != stub.read_bytes():
            raise ResetError(
                _("the backup {backup} does not match {path}: nothing was reset").format(
                    backup=backup, path=stub
                )
            )
    stub.parent.mkdir(parents=True, exist_ok=True)
    tmp = stub.with_name(f".{stub.name}.dojo-reset")
    tmp.write_text(pristine.source, encoding="utf-8")
    os.replace(tmp, stub)
    return ResetResult(stub, backup, pristine.origin)


# --- backups and `dojo restore` ----------------------------------------------------------


@dataclass(frozen=True)
class Backup:
    number: int  # 1 for the oldest: numbers never change as backups are added
    path: Path
    saved: datetime.datetime | None  # from the name; None when the name holds no real time


def backups(folder: Path, kata: Kata) -> list[Backup]:
    """The backups of `kata` under `folder` (the backups of every kata), oldest first:
    the files named as `backup_path` names them (others, and symlinks, are left out)."""
    name = re.compile(rf"{re.escape(kata.module)}-(\d{{8}}-\d{{6}})(?:-(\d+))?\.py")
    try:
        entries = list((folder / kata.id).iterdir())
    except (FileNotFoundError, NotADirectoryError):
        return []
    found = []
    for path in entries:
        match = name.fullmatch(path.name)
        if match and path.is_file() and not path.is_symlink():
            found.append((match.group(1), int(match.group(2) or 1), path))
    found.sort()
    result = []
    for number, (stamp, _copy, path) in enumerate(found, 1):
        try:
            saved: datetime.datetime | None = datetime.datetime.strptime(stamp, "%Y%m%d-%H%M%S")
        except ValueError:
            saved = None
        result.append(Backup(number, path, saved))
    return result


def choose_backup(found: list[Backup], choice: str | None) -> Backup | None:
    """The backup named by `choice`: None for the latest, a number (as `dojo restore
    --list` shows them), a file name (with or without `.py`) or the backup's path.
    None when no backup matches."""
    if not found:
        return None
    if choice is None:
        return found[-1]
    text = choice.strip()
    if text.isdigit():
        number = int(text)
        return found[number - 1] if 1 <= number <= len(found) else None
    wanted = Path(text)
    for backup in found:
        if wanted.name not in (backup.path.name, backup.path.stem):
            continue
        if wanted.name == text or _same_file(wanted, backup.path):
            return backup
    return None


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve()
    except OSError:
        return False


@dataclass(frozen=True)
class RestoreResult:
    stub: Path
    restored: Backup
    saved: Path | None = None  # the new backup of the file that was replaced
    already_saved: Backup | None = None  # that file was this backup already: none made
    unchanged: bool = False  # the file was the backup already: nothing done


def restore(root: Path, kata: Kata, folder: Path, backup: Backup) -> RestoreResult:
    """Put `backup` back as the kata's file, once the file it replaces is saved under
    `folder` (unless it is one of the backups already, byte for byte)."""
    stub = learner_file(root, kata, "restore")
    data = backup.path.read_bytes()
    saved, already = None, None
    if stub.exists() or stub.is_symlink():
        if not stub.is_file():
            raise ResetError(
                _("{path} is not a file: nothing was restored").format(path=stub)
            )
        current = stub.read_bytes()
        if current == data:
            return RestoreResult(stub, backup, unchanged=True)
        already = next((b for b in backups(folder, kata) if b.path.read_bytes() == current),
                       None)
        if already is None:
            saved = backup_path(folder, kata, datetime.datetime.now())
            saved.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(stub, saved)  # first the copy; only then the file is replaced
            if saved.read_bytes() != current:
                raise ResetError(
                    _("the backup {backup} does not match {path}: nothing was restored").format(
                        backup=saved, path=stub
                    )
                )
    stub.parent.mkdir(parents=True, exist_ok=True)
    tmp = stub.with_name(f".{stub.name}.dojo-restore")
    tmp.write_bytes(data)
    os.replace(tmp, stub)
    return RestoreResult(stub, backup, saved, already)
