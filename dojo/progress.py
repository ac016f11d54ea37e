"""The learner's progress: each function's last verdict, recorded by the plugin after
every graded run of the learner's own code, and the hints already shown.

The record lives in `.dojo/progress.json` under the project root (or in the
folder named by the `DOJO_HOME` environment variable). It is a cache of test
results, never the truth: a missing or unreadable record reads as "no results
yet, run the tests", and the next run rewrites it.
"""

from __future__ import annotations

import contextlib
import datetime
import hashlib
import json
import os
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dojo import outcomes
from dojo.curriculum import (
    REGISTRY_NAME,
    Curriculum,
    Function,
    Kata,
    RegistryError,
    find_root,
    load_cached,
)

HOME_ENV = "DOJO_HOME"
FILE_NAME = "progress.json"
FORMAT_VERSION = 1
NOTE = (
    "dojo's record of your last results, rewritten after every graded run of your katas: "
    "do not edit (delete it to start the record afresh)"
)

NOT_STARTED = "not started"
IN_PROGRESS = "in progress"
DONE = "done"


def state_dir(root: Path) -> Path:
    """Where dojo keeps its files: `$DOJO_HOME`, else `<root>/.dojo`."""
    home = os.environ.get(HOME_ENV)
    return Path(home).expanduser() if home else root / ".dojo"


def record_path(root: Path) -> Path:
    return state_dir(root) / FILE_NAME


def stub_path(root: Path, kata: Kata) -> Path:
    return root / "katas" / kata.id / f"{kata.module}.py"


def file_digest(path: Path) -> str | None:
    try:
        return hashlib.sha1(path.read_bytes()).hexdigest()
    except OSError:
        return None


def _now() -> str:
    return datetime.datetime.now().astimezone().isoformat(timespec="seconds")


@dataclass
class KataRecord:
    """The last verdict of each function of one kata, and the stub they were for."""

    functions: dict[str, str] = field(default_factory=dict)
    updated: str = ""
    stub_sha1: str | None = None


@dataclass
class Record:
    """The whole progress file. `problem` says why it could not be read, if so."""

    katas: dict[str, KataRecord] = field(default_factory=dict)
    hints: dict[str, dict[str, int]] = field(default_factory=dict)
    problem: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "format_version": FORMAT_VERSION,
            "note": NOTE,
            "katas": {
                kata_id: {
                    "updated": entry.updated,
                    "stub_sha1": entry.stub_sha1,
                    "functions": dict(entry.functions),
                }
                for kata_id, entry in sorted(self.katas.items())
            },
            "hints": {k: dict(v) for k, v in sorted(self.hints.items()) if v},
        }


class _Corrupt(Exception):
    pass


def _expect(ok: bool, what: str) -> None:
    if not ok:
        raise _Corrupt(what)


def _parse(data: Any) -> Record:
    _expect(isinstance(data, dict), "not a JSON object")
    _expect(data.get("format_version") == FORMAT_VERSION, f"format_version is not {FORMAT_VERSION}")
    katas: dict[str, KataRecord] = {}
    raw_katas = data.get("katas", {})
    _expect(isinstance(raw_katas, dict), "'katas' is not an object")
    for kata_id, raw in raw_katas.items():
        _expect(isinstance(raw, dict), f"kata {kata_id!r} is not an object")
        functions = raw.get("functions", {})
        _expect(
            isinstance(functions, dict)
            and all(isinstance(v, str) for v in functions.values()),
            f"kata {kata_id!r}: 'functions' must map names to verdicts",
        )
        sha = raw.get("stub_sha1")
        _expect(sha is None or isinstance(sha, str), f"kata {kata_id!r}: bad stub_sha1")
        katas[kata_id] = KataRecord(dict(functions), str(raw.get("updated", "")), sha)
    hints: dict[str, dict[str, int]] = {}
    raw_hints = data.get("hints", {})
    _expect(isinstance(raw_hints, dict), "'hints' is not an object")
    for kata_id, per_function in raw_hints.items():
        _expect(
            isinstance(per_function, dict)
            and all(isinstance(n, int) and n >= 0 for n in per_function.values()),
            f"hints of {kata_id!r} must map names to counts",
        )
        hints[kata_id] = dict(per_function)
    return Record(katas, hints)


def read(root: Path) -> Record:
    """The record, or an empty one whose `problem` says why (never raises)."""
    path = record_path(root)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return Record(problem="missing")
    except OSError as exc:
        return Record(problem=f"unreadable ({exc.strerror or exc})")
    try:
        return _parse(json.loads(text))
    except (ValueError, _Corrupt) as exc:
        return Record(problem=f"corrupted ({exc})")


def write(root: Path, record: Record) -> Path:
    """Replace the record atomically: a reader sees the old file or the new one."""
    path = record_path(root)
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(record.to_json(), indent=2, ensure_ascii=False) + "\n"
    fd, tmp = tempfile.mkstemp(prefix=".progress-", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    return path


def record_run(
    root: Path,
    verdicts: Mapping[str, Mapping[str, str]],
    stubs: Mapping[str, Path | None],
) -> Path:
    """Merge one run's verdicts (kata -> function -> verdict) into the record.

    Functions that did not run keep their earlier verdict. `stubs` names each kata's
    stub file, whose digest is stored so a later edit can be noticed.
    """
    record = read(root)
    for kata_id, functions in verdicts.items():
        entry = record.katas.setdefault(kata_id, KataRecord())
        entry.functions.update(functions)
        entry.updated = _now()
        stub = stubs.get(kata_id)
        if stub is not None:
            entry.stub_sha1 = file_digest(stub)
    return write(root, record)


# --- what a run saw, for the record ------------------------------------------------------


class RunLog:
    """The graded tests of one pytest run, grouped by kata and function.

    A function is recorded as passed only when every one of its collected tests
    ran and passed: a run that deselected some of them (`-k`) or stopped early
    (`-x`) cannot upgrade it, though a failure always counts.
    """

    def __init__(self) -> None:
        self.collected: dict[tuple[str, str], set[str]] = {}
        self.deselected: set[tuple[str, str]] = set()
        self.finished: set[str] = set()
        self.verdicts: dict[tuple[str, str], list[str]] = {}
        self.test_files: dict[str, Path] = {}  # kata -> one of its graded test files
        self.nodeids: dict[str, str] = {}  # kata -> one of its reported node ids

    def collect(self, kata_id: str, function: str, nodeid: str, path: Path) -> None:
        self.collected.setdefault((kata_id, function), set()).add(nodeid)
        self.test_files.setdefault(kata_id, path)

    def deselect(self, kata_id: str, function: str) -> None:
        self.deselected.add((kata_id, function))

    def report(self, kata_id: str, function: str, verdict: str, nodeid: str) -> None:
        self.verdicts.setdefault((kata_id, function), []).append(verdict)
        self.nodeids.setdefault(kata_id, nodeid)

    def finish(self, nodeid: str) -> None:
        self.finished.add(nodeid)

    def outcome(self, collection_known: bool, trust_passes: bool) -> dict[str, dict[str, str]]:
        """kata -> function -> the verdict to record: the worst of its tests.

        `collection_known`: this process collected the tests (not an xdist
        controller), so a pass can be checked against every collected test;
        otherwise passes are kept only when `trust_passes` (no filter, no early stop).
        """
        from dojo.plugin import function_verdict

        result: dict[str, dict[str, str]] = {}
        for key, found in self.verdicts.items():
            verdict = function_verdict(found)
            if verdict == outcomes.ERROR:
                continue  # the harness or a test failed, not the learner's code
            if verdict == outcomes.PASSED:
                if collection_known:
                    complete = key not in self.deselected and self.collected.get(
                        key, set()
                    ) <= self.finished
                else:
                    complete = trust_passes
                if not complete:
                    continue
            result.setdefault(key[0], {})[key[1]] = verdict
        return result

    def save(self, rootpath: Path, collection_known: bool, trust_passes: bool) -> list[Path]:
        """Record the outcome under each project it came from; the files written."""
        by_root: dict[Path, dict[str, dict[str, str]]] = {}
        stubs: dict[str, Path | None] = {}
        for kata_id, functions in self.outcome(collection_known, trust_passes).items():
            test_file = self.test_files.get(kata_id)
            if test_file is None:  # an xdist controller collects nothing: use the node id
                test_file = rootpath / self.nodeids[kata_id].split("::")[0]
            root = find_root(test_file.resolve().parent)
            if root is None:
                continue
            try:
                course = load_cached(root / "katas" / REGISTRY_NAME)
                kata = course.kata(kata_id)
            except (RegistryError, KeyError, OSError):
                continue
            stubs[kata_id] = stub_path(root, kata)
            by_root.setdefault(root, {})[kata_id] = functions
        return [record_run(root, per_kata, stubs) for root, per_kata in by_root.items()]


# --- reading progress for the learner ------------------------------------------------------


@dataclass(frozen=True)
class KataStatus:
    """One kata as the learner sees it: each function's last verdict (None: never run)."""

    kata: Kata
    verdicts: dict[str, str | None]
    edited: bool = False  # the stub changed since the run these verdicts come from

    @property
    def total(self) -> int:
        return len(self.kata.functions)

    @property
    def passed(self) -> int:
        return sum(v == outcomes.PASSED for v in self.verdicts.values())

    @property
    def ran(self) -> bool:
        return any(v is not None for v in self.verdicts.values())

    @property
    def state(self) -> str:
        if self.total and self.passed == self.total:
            return DONE
        if all(v in (None, outcomes.NOT_STARTED) for v in self.verdicts.values()):
            return NOT_STARTED
        return IN_PROGRESS

    @property
    def current(self) -> Function | None:
        """The first function that does not pass yet."""
        for fn in self.kata.functions:
            if self.verdicts.get(fn.name) != outcomes.PASSED:
                return fn
        return None


def statuses(course: Curriculum, record: Record) -> list[KataStatus]:
    root = course.katas_dir.parent
    found = []
    for kata in course.katas:
        entry = record.katas.get(kata.id)
        recorded = entry.functions if entry else {}
        edited = bool(
            entry
            and entry.stub_sha1
            and file_digest(stub_path(root, kata)) not in (None, entry.stub_sha1)
        )
        found.append(
            KataStatus(kata, {fn.name: recorded.get(fn.name) for fn in kata.functions}, edited)
        )
    return found


def next_step(found: Iterable[KataStatus]) -> tuple[KataStatus, Function] | None:
    """The first function of the curriculum that does not pass yet (None: all done)."""
    for status in found:
        fn = status.current
        if fn is not None:
            return status, fn
    return None


def current_kata(found: list[KataStatus]) -> KataStatus | None:
    """The kata to work on: the first that is not done, else the last one."""
    step = next_step(found)
    if step is not None:
        return step[0]
    return found[-1] if found else None


# --- hints ------------------------------------------------------------------------------------


def hints_shown(record: Record, kata_id: str, function: str) -> int:
    return record.hints.get(kata_id, {}).get(function, 0)


def set_hints_shown(root: Path, kata_id: str, function: str, count: int) -> None:
    record = read(root)
    if record.problem and record.problem != "missing":
        record = Record()  # rebuild an unreadable record rather than fail
    record.hints.setdefault(kata_id, {})[function] = count
    write(root, record)
