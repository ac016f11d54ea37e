"""The learner's progress: each function's last verdict, recorded by the plugin after
every graded run of the learner's own code, and the hints already shown.

A kata's record keeps two sets of verdicts apart: those of the learner's file (with
the digest of the file each verdict came from, so a verdict given before the latest
edit can say so) and those of notebook runs (`dojo.check`, `%%dojo`), which grade
code that never touches the file. Each run overwrites only its own side. A function
counts as far as it got in either place: passed in the file or in a notebook is
passed, so a notebook that defines one function never takes away what the file
passed, nor the reverse.

The record lives in `.dojo/progress.json` under the project root (or in the
folder named by the `DOJO_HOME` environment variable). It is a cache of test
results, never the truth: a missing or unreadable record reads as "no results
yet, run the tests", and the next run rewrites it. A corrupted one (bytes that are
not UTF-8, not JSON, the wrong structure) is moved aside to
`progress.json.corrupted-<time>`, said once in one line, and rebuilt.

Every read-modify-write holds a lock (`progress.lock` beside the record), so two
processes recording at once (`pytest -n`, `dojo watch` and a `dojo hint`) lose no
update; temporary files of a writer killed mid-write are removed by the next write.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime
import hashlib
import json
import os
import re
import sys
import tempfile
import threading
import time
from collections.abc import Iterable, Iterator, Mapping
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
from dojo.i18n import N_, _

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
# How each state reads, in the learner's language (the names above are identifiers).
_STATE_LABELS = {
    NOT_STARTED: N_("not started"),
    IN_PROGRESS: N_("in progress"),
    DONE: N_("done"),
}


def state_label(state: str) -> str:
    """A kata's state as the learner reads it: "in progress", or its translation."""
    return _(_STATE_LABELS.get(state, state))

# Where the code a run graded came from: the learner's file, or a notebook's namespace.
FILE = "file"
NOTEBOOK = "notebook"
_source: contextvars.ContextVar[str] = contextvars.ContextVar("dojo_progress_source",
                                                              default=FILE)


@contextlib.contextmanager
def recording_from(source: str) -> Iterator[None]:
    """Runs started inside (their `RunLog`s) record their verdicts as coming from
    `source` (FILE or NOTEBOOK): a notebook grades its own namespace, not the file."""
    token = _source.set(source)
    try:
        yield
    finally:
        _source.reset(token)


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


def _shown(path: Path) -> str:
    """`path` as the learner would type it from the current folder."""
    try:
        return os.path.relpath(path)
    except ValueError:
        return str(path)


@dataclass
class KataRecord:
    """The last verdict of each function of one kata in the learner's file, the file
    they were for, and the last verdict of each function graded from a notebook.

    `stub_sha1` is the file at the kata's last run; `file_sha1` the file each
    function's verdict came from (a run of one function leaves the others' alone).
    """

    functions: dict[str, str] = field(default_factory=dict)
    updated: str = ""
    stub_sha1: str | None = None
    file_sha1: dict[str, str] = field(default_factory=dict)
    notebook: dict[str, str] = field(default_factory=dict)


@dataclass
class Record:
    """The whole progress file. `problem` says why it could not be read, if so:
    "missing", "unreadable (...)" or "corrupted (...)" (in English: `problem_text`
    says it in the learner's language), and `reason` what is in the parentheses; a
    corrupted file is moved aside to `aside` (None: it could not be) so that the next
    write rebuilds it."""

    katas: dict[str, KataRecord] = field(default_factory=dict)
    hints: dict[str, dict[str, int]] = field(default_factory=dict)
    problem: str | None = None
    aside: Path | None = None
    reason: str = ""

    @property
    def corrupted(self) -> bool:
        return bool(self.problem and self.problem.startswith("corrupted"))

    def problem_text(self) -> str:
        """`problem` in the learner's language: "unreadable (Permission denied)"."""
        if self.problem is None:
            return ""
        if self.problem == "missing":
            return _("missing")
        if self.corrupted:
            return _("corrupted ({reason})").format(reason=self.reason)
        return _("unreadable ({reason})").format(reason=self.reason)

    def to_json(self) -> dict[str, Any]:
        return {
            "format_version": FORMAT_VERSION,
            "note": NOTE,
            "katas": {
                kata_id: {
                    "updated": entry.updated,
                    "stub_sha1": entry.stub_sha1,
                    "functions": dict(entry.functions),
                    "file_sha1": dict(entry.file_sha1),
                    "notebook": dict(entry.notebook),
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


def _load(data: bytes) -> Any:
    """The JSON in `data`; `_Corrupt` (never another exception) when there is none."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _Corrupt(
            _("not UTF-8 text: byte {byte:#04x} at {offset}").format(
                byte=data[exc.start], offset=exc.start
            )
        ) from None
    try:
        return json.loads(text)
    except RecursionError:
        raise _Corrupt(_("nested too deeply")) from None
    except ValueError as exc:  # JSONDecodeError, or an integer too long to convert
        raise _Corrupt(_("not JSON: {error}").format(error=exc)) from None


_MAP_VERDICTS = N_("kata {kata!r}: {key!r} must map names to verdicts")
_MAP_DIGESTS = N_("kata {kata!r}: {key!r} must map names to digests")


def _parse(data: Any) -> Record:
    _expect(isinstance(data, dict), _("not a JSON object"))
    _expect(
        data.get("format_version") == FORMAT_VERSION,
        _("format_version is not {version}").format(version=FORMAT_VERSION),
    )
    katas: dict[str, KataRecord] = {}
    raw_katas = data.get("katas", {})
    _expect(isinstance(raw_katas, dict), _("'katas' is not an object"))
    for kata_id, raw in raw_katas.items():
        _expect(isinstance(raw, dict), _("kata {kata!r} is not an object").format(kata=kata_id))
        maps: dict[str, dict[str, str]] = {}
        for key, what in (("functions", _MAP_VERDICTS), ("file_sha1", _MAP_DIGESTS),
                          ("notebook", _MAP_VERDICTS)):
            found = raw.get(key, {})  # a record from before "file_sha1"/"notebook" lacks them
            _expect(
                isinstance(found, dict) and all(isinstance(v, str) for v in found.values()),
                _(what).format(kata=kata_id, key=key),
            )
            maps[key] = dict(found)
        sha = raw.get("stub_sha1")
        _expect(sha is None or isinstance(sha, str),
                _("kata {kata!r}: bad stub_sha1").format(kata=kata_id))
        if "file_sha1" not in raw and sha is not None:  # written before verdicts had one each
            maps["file_sha1"] = dict.fromkeys(maps["functions"], sha)
        updated = raw.get("updated", "")
        _expect(isinstance(updated, str), _("kata {kata!r}: bad 'updated'").format(kata=kata_id))
        katas[kata_id] = KataRecord(
            maps["functions"], updated, sha, maps["file_sha1"], maps["notebook"]
        )
    hints: dict[str, dict[str, int]] = {}
    raw_hints = data.get("hints", {})
    _expect(isinstance(raw_hints, dict), _("'hints' is not an object"))
    for kata_id, per_function in raw_hints.items():
        _expect(
            isinstance(per_function, dict)
            and all(isinstance(n, int) and not isinstance(n, bool) and n >= 0
                    for n in per_function.values()),
            _("hints of {kata!r} must map names to counts").format(kata=kata_id),
        )
        hints[kata_id] = dict(per_function)
    return Record(katas, hints)


# --- the lock: one read-modify-write at a time --------------------------------------------

LOCK_NAME = "progress.lock"
LOCK_TIMEOUT = 15.0  # seconds: a write takes milliseconds; a writer stuck longer is a bug
_held = threading.local()  # the locks this thread holds

if sys.platform == "win32":
    import msvcrt

    def _try_lock(fd: int) -> bool:
        os.lseek(fd, 0, os.SEEK_SET)
        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True

    def _unlock(fd: int) -> None:
        os.lseek(fd, 0, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)

    def _alive(pid: int) -> bool:
        return True  # os.kill would end the process: stale files go by their age only

else:
    import fcntl

    def _try_lock(fd: int) -> bool:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        except OSError:
            return True  # a file system without locks: go on, as before there were any
        return True

    def _unlock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_UN)

    def _alive(pid: int) -> bool:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        except OSError:
            return True  # it exists, under another user
        return True


@contextlib.contextmanager
def locked(root: Path) -> Iterator[None]:
    """Hold the record's lock (a file beside it): other dojo processes wait, so that no
    read-modify-write loses another's update. The OS drops it if the process dies."""
    folder = state_dir(root)
    folder.mkdir(parents=True, exist_ok=True)
    lock = folder / LOCK_NAME
    held: set[str] = _held.__dict__.setdefault("locks", set())
    key = os.path.normcase(os.path.abspath(lock))
    if key in held:  # this thread holds it already: a second flock would wait for itself
        yield
        return
    fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o644)
    held.add(key)
    try:
        deadline = time.monotonic() + LOCK_TIMEOUT
        pause = 0.001
        while not _try_lock(fd):
            if time.monotonic() > deadline:
                raise TimeoutError(
                    _("another dojo process has held {path} for {seconds:g} s").format(
                        path=_shown(lock), seconds=LOCK_TIMEOUT
                    )
                )
            time.sleep(pause)
            pause = min(pause * 2, 0.05)
        try:
            yield
        finally:
            with contextlib.suppress(OSError):
                _unlock(fd)
    finally:
        held.discard(key)
        os.close(fd)


# --- reading and writing the file -------------------------------------------------------


def _aside_path(path: Path) -> Path:
    """`progress.json.corrupted-YYYYmmdd-HHMMSS`, never one that exists already."""
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    candidate = path.with_name(f"{path.name}.corrupted-{stamp}")
    n = 1
    while candidate.exists():
        n += 1
        candidate = path.with_name(f"{path.name}.corrupted-{stamp}-{n}")
    return candidate


def _read(root: Path, held: bool) -> Record:
    """The record; a corrupted file is moved aside, under the lock (`held`: already ours).
    Raises OSError only when `held` and the corrupted file cannot be moved."""
    path = record_path(root)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return Record(problem="missing")
    except IsADirectoryError:
        reason = _("a folder, not a file")
    except OSError as exc:
        why = str(exc.strerror or exc)
        return Record(problem=f"unreadable ({why})", reason=why)
    else:
        try:
            return _parse(_load(data))
        except _Corrupt as exc:
            reason = " ".join(str(exc).split())  # one line, whatever the JSON error said
    aside = None
    if held:
        aside = _aside_path(path)
        os.replace(path, aside)  # the bytes as they were: nothing the record held is lost
    else:
        try:
            with locked(root):  # another process may have rebuilt it meanwhile
                return _read(root, held=True)
        except OSError:
            pass  # a read-only folder: report it, move nothing
    return Record(problem=f"corrupted ({reason})", aside=aside, reason=reason)


def read(root: Path) -> Record:
    """The record, or an empty one whose `problem` says why (never raises). A corrupted
    record is moved aside (see `notice`), so only the first read reports it."""
    return _read(root, held=False)


def notice(root: Path, record: Record, then: str) -> str | None:
    """The one line that tells the learner their record was corrupted (None: it was not).
    `then`: what happens next, a clause in the learner's language ("it is rebuilt
    from this run")."""
    if not record.corrupted:
        return None
    kept = (
        _("the old file is kept as {path}").format(path=_shown(record.aside))
        if record.aside is not None
        else _("it could not be moved aside")
    )
    where = _shown(record_path(root))
    return _("dojo: your progress record {path} is {problem}: {kept}; {then}").format(
        path=where, problem=record.problem_text(), kept=kept, then=then
    )


def _tell(line: str | None) -> None:
    """Say `line` on stderr, on a line of its own: pytest has not ended its progress line
    (`....F  [100%]`) when the plugin records the run."""
    if line:
        with contextlib.suppress(Exception):
            print("\n" + line, file=sys.stderr, flush=True)


STALE_AFTER = 60.0  # seconds: a temporary file this old was left by a writer that died
_TMP_PREFIX = ".progress-"
_TMP_PID = re.compile(r"^\.progress-(\d+)-")


def _clean_stale(folder: Path) -> None:
    """Remove the temporary files of writers killed mid-write (`kill -9`): those whose
    process is gone, or older than STALE_AFTER. Called with the lock held."""
    now = time.time()
    for tmp in folder.glob(f"{_TMP_PREFIX}*.tmp"):
        found = _TMP_PID.match(tmp.name)
        pid = int(found.group(1)) if found else None
        try:
            age = now - tmp.stat().st_mtime
        except OSError:
            continue
        gone = pid is not None and pid != os.getpid() and not _alive(pid)
        if gone or age > STALE_AFTER:
            with contextlib.suppress(OSError):
                tmp.unlink()


def _write(root: Path, record: Record) -> Path:
    path = record_path(root)
    path.parent.mkdir(parents=True, exist_ok=True)
    _clean_stale(path.parent)
    text = json.dumps(record.to_json(), indent=2, ensure_ascii=False) + "\n"
    fd, tmp = tempfile.mkstemp(
        prefix=f"{_TMP_PREFIX}{os.getpid()}-", suffix=".tmp", dir=path.parent
    )
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


def write(root: Path, record: Record) -> Path:
    """Replace the record atomically: a reader sees the old file or the new one."""
    with locked(root):
        return _write(root, record)


@contextlib.contextmanager
def updating(root: Path, then: str) -> Iterator[Record]:
    """Read the record, let the caller change it, write it back: all under the lock. A
    corrupted record is moved aside and rebuilt, and the learner told in one line."""
    with locked(root):
        record = _read(root, held=True)
        yield record
        _write(root, record)
    _tell(notice(root, record, then))


def record_run(
    root: Path,
    verdicts: Mapping[str, Mapping[str, str]],
    stubs: Mapping[str, Path | None],
    *,
    source: str = FILE,
    digests: Mapping[str, str | None] | None = None,
) -> Path:
    """Merge one run's verdicts (kata -> function -> verdict) into the record.

    Functions that did not run keep their earlier verdict. A run of the learner's
    file (`source` FILE) stores, for each kata, the digest of the file its verdicts
    came from: `digests[kata]` (taken when the run read the file), else that of the
    file `stubs[kata]` now, so a later edit can be noticed. A NOTEBOOK run records
    its verdicts apart and leaves the file's alone.
    """
    with updating(root, _("it is rebuilt from this run")) as record:
        for kata_id, functions in verdicts.items():
            entry = record.katas.setdefault(kata_id, KataRecord())
            entry.updated = _now()
            if source == NOTEBOOK:
                entry.notebook.update(functions)
                continue
            entry.functions.update(functions)
            stub = stubs.get(kata_id)
            digest = (digests or {}).get(kata_id)
            if digest is None and stub is not None:
                digest = file_digest(stub)
            if digest is not None or stub is not None:
                entry.stub_sha1 = digest
            for name in functions:
                if digest is None:
                    entry.file_sha1.pop(name, None)  # unknown: never another verdict's
                else:
                    entry.file_sha1[name] = digest
    return record_path(root)


# --- what a run saw, for the record ------------------------------------------------------


class RunLog:
    """The graded tests of one pytest run, grouped by kata and function.

    A function is recorded as passed only when every one of its collected tests
    ran and passed: a run that deselected some of them (`-k`) or stopped early
    (`-x`) cannot upgrade it, though a failure always counts.

    The verdicts are recorded as coming from where the run's code came from: the
    learner's file, or a notebook (a run started inside `recording_from(NOTEBOOK)`).
    """

    def __init__(self) -> None:
        self.source = _source.get()
        self.collected: dict[tuple[str, str], set[str]] = {}
        self.deselected: set[tuple[str, str]] = set()
        self.finished: set[str] = set()
        self.verdicts: dict[tuple[str, str], list[str]] = {}
        self.test_files: dict[str, Path] = {}  # kata -> one of its graded test files
        self.nodeids: dict[str, str] = {}  # kata -> one of its reported node ids
        self.digests: dict[str, str | None] = {}  # kata -> its learner file when collected

    def collect(self, kata_id: str, function: str, nodeid: str, path: Path) -> None:
        self.collected.setdefault((kata_id, function), set()).add(nodeid)
        if kata_id not in self.test_files:
            self.test_files[kata_id] = path
            # the file as the run is about to read it: an edit saved during the run
            # makes the verdicts "before your latest changes"
            found = _kata_of(path, kata_id) if self.source == FILE else None
            self.digests[kata_id] = file_digest(stub_path(*found)) if found else None

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
            found = _kata_of(test_file, kata_id)
            if found is None:
                continue
            root, kata = found
            stubs[kata_id] = stub_path(root, kata)
            by_root.setdefault(root, {})[kata_id] = functions
        return [
            record_run(root, per_kata, stubs, source=self.source, digests=self.digests)
            for root, per_kata in by_root.items()
        ]


def _kata_of(test_file: Path, kata_id: str) -> tuple[Path, Kata] | None:
    """The project root and registry entry of the kata whose graded test file this is."""
    root = find_root(test_file.resolve().parent)
    if root is None:
        return None
    try:
        course = load_cached(root / "katas" / REGISTRY_NAME)
        return root, course.kata(kata_id)
    except (RegistryError, KeyError, OSError):
        return None


# --- reading progress for the learner ------------------------------------------------------


@dataclass(frozen=True)
class KataStatus:
    """One kata as the learner sees it: each function's verdict (None: never run), the
    furthest it got in the learner's file or in a notebook (see `merged`)."""

    kata: Kata
    verdicts: dict[str, str | None]
    # functions whose verdict is the file's, given before the file's latest changes
    changed: frozenset[str] = frozenset()
    # functions whose verdict comes from a notebook run rather than the file
    in_notebook: frozenset[str] = frozenset()

    @property
    def edited(self) -> bool:
        """The file changed since the run some of these verdicts come from."""
        return bool(self.changed)

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


def _progress_rank(verdict: str | None) -> int:
    """How far a verdict got: never run, not started, started (any failure), passed."""
    if verdict is None:
        return 0
    if verdict == outcomes.NOT_STARTED:
        return 1
    return 3 if verdict == outcomes.PASSED else 2


def merged(
    in_file: str | None, file_changed: bool, in_notebook: str | None
) -> tuple[str | None, str]:
    """One function's verdict and where it comes from (FILE or NOTEBOOK): the one that
    got further, so a pass in either place counts and a notebook run never takes away
    what the file passed. Equal ones: the file's, unless it predates the file's latest
    changes (`file_changed`) and the notebook's does not."""
    file_rank, notebook_rank = _progress_rank(in_file), _progress_rank(in_notebook)
    if notebook_rank > file_rank or (notebook_rank == file_rank and file_changed
                                     and in_notebook is not None):
        return in_notebook, NOTEBOOK
    return in_file, FILE


def statuses(course: Curriculum, record: Record) -> list[KataStatus]:
    root = course.katas_dir.parent
    found = []
    for kata in course.katas:
        entry = record.katas.get(kata.id) or KataRecord()
        now = file_digest(stub_path(root, kata)) if entry.file_sha1 else None
        verdicts: dict[str, str | None] = {}
        changed, in_notebook = set(), set()
        for fn in kata.functions:
            version = entry.file_sha1.get(fn.name)
            file_changed = bool(version and now is not None and now != version)
            verdict, source = merged(
                entry.functions.get(fn.name), file_changed, entry.notebook.get(fn.name)
            )
            verdicts[fn.name] = verdict
            if source == NOTEBOOK:
                in_notebook.add(fn.name)
            elif file_changed:
                changed.add(fn.name)
        found.append(KataStatus(kata, verdicts, frozenset(changed), frozenset(in_notebook)))
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
    with updating(root, _("it is rebuilt from now on")) as record:
        record.hints.setdefault(kata_id, {})[function] = count


def forget(root: Path, kata_id: str) -> None:
    """Drop the recorded verdicts of one kata (after `dojo reset`); its hints stay."""
    if not record_path(root).exists():
        return
    with updating(root, _("it is rebuilt from now on")) as record:
        record.katas.pop(kata_id, None)
