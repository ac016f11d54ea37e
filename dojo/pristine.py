"""The pristine stub of a kata, and `dojo reset`: back up the learner's file, then restore.

The pristine stub comes from the clone's git history: the newest committed version
of the file in which every registered function still raises its placeholder (so a
learner who committed their work still gets the original stub back).
"""

from __future__ import annotations

import ast
import datetime
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from dojo.curriculum import Kata
from dojo.outcomes import placeholder_message


class ResetError(Exception):
    """Why a stub could not be restored (one line for the learner)."""


def _raises_placeholder(node: ast.AST, message: str) -> bool:
    for sub in ast.walk(node):
        if (
            isinstance(sub, ast.Raise)
            and isinstance(sub.exc, ast.Call)
            and isinstance(sub.exc.func, ast.Name)
            and sub.exc.func.id == "NotImplementedError"
            and sub.exc.args
            and isinstance(sub.exc.args[0], ast.Constant)
            and sub.exc.args[0].value == message
        ):
            return True
    return False


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
            "git is not installed: dojo reset takes the pristine stub from your clone's history"
        ) from None
    except subprocess.TimeoutExpired:
        raise ResetError("git took too long to answer") from None
    if done.returncode != 0:
        stderr = done.stderr.decode("utf-8", errors="replace")
        first = (stderr.strip().splitlines() or ["no message"])[0]
        raise ResetError(f"git {args[0]} failed: {first}")
    try:
        text = done.stdout.decode("utf-8")
    except UnicodeDecodeError:
        raise ResetError(f"git {args[0]} gave bytes that are not UTF-8 text") from None
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
    commit: str


def pristine_stub(root: Path, kata: Kata) -> Pristine:
    """The newest committed version of the kata's stub that is still pristine."""
    relative = f"katas/{kata.id}/{kata.module}.py"
    try:
        _git(root, "rev-parse", "--git-dir")
    except ResetError:
        raise ResetError(
            f"{root} is not a git clone: dojo reset takes the pristine stub from the "
            "history of your clone of foundations-katas"
        ) from None
    commits = _git(root, "log", "--format=%H", "--", relative).split()
    for commit in commits:
        try:
            source = _git(root, "show", f"{commit}:./{relative}")
        except ResetError:
            continue  # the file was deleted in that commit
        if is_pristine(source, kata):
            return Pristine(source, commit)
    raise ResetError(f"no pristine version of {relative} in this clone's git history")


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
    commit: str
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


def reset(root: Path, kata: Kata, backups: Path) -> ResetResult:
    """Save the learner's stub under `backups`, then write the pristine stub in its place."""
    katas = root / "katas"
    stub = katas / kata.id / f"{kata.module}.py"
    plain = all(part not in ("", ".", "..") and "/" not in part and "\\" not in part
                for part in (kata.id, kata.module))
    if not plain or not inside(stub, katas):
        raise ResetError(f"refusing to touch {stub}: dojo reset only writes inside {katas}")
    pristine = pristine_stub(root, kata)
    # bytes, not text: a file that is not UTF-8 is still the learner's, backed up as it is
    if stub.is_file() and _same_source(stub.read_bytes(), pristine.source):
        return ResetResult(stub, None, pristine.commit, already_pristine=True)
    backup = None
    if stub.exists():
        backup = backup_path(backups, kata, datetime.datetime.now())
        backup.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(stub, backup)  # first the copy; only then the stub is replaced
        if backup.read_bytes() != stub.read_bytes():
            raise ResetError(f"the backup {backup} does not match {stub}: nothing was reset")
    stub.parent.mkdir(parents=True, exist_ok=True)
    tmp = stub.with_name(f".{stub.name}.dojo-reset")
    tmp.write_text(pristine.source, encoding="utf-8")
    os.replace(tmp, stub)
    return ResetResult(stub, backup, pristine.commit)
