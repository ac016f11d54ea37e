"""`dojo watch`: re-grade a kata every time its stub is saved, in one process.

torch, pytest, Hypothesis and the harness are imported once; each save runs the
kata's graded tests in this process (`dojo.runner`), first only those of the
function being worked on, then, once it passes, the whole kata. File events come
from watchfiles; where they are unavailable (no watchfiles, a file system without
change notification, `--poll`) the file is polled instead. Keys: `h` shows the next
hint of the current function, `q` quits; Ctrl-C stops it too, mid-run included (exit
code 130, and nothing shown of the interrupted run). Keys are read from stdin, one at a time
on a terminal and line by line from a pipe, so scripts can drive it too.
"""

from __future__ import annotations

import contextlib
import importlib
import importlib.util
import os
import queue
import sys
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.text import Text

from dojo import outcomes, progress, term
from dojo.curriculum import Function, Kata
from dojo.i18n import N_, _

if TYPE_CHECKING:
    from dojo.runner import Run

POLL_INTERVAL = 0.2  # seconds between two looks at the file when polling
WAKE = 0.25  # seconds: how long the main thread waits for an event before it looks again

Event = tuple[str, str]  # ("save", ""), ("key", "h"), ("note", text)

STOPPED = N_("stopped: the run was interrupted; only the tests it finished are recorded")


class RunInterrupted(Exception):
    """Ctrl-C stopped a run: pytest caught it, so the watch loop is told this way."""


class Keys:
    """Read keys from stdin in a background thread and queue them as events."""

    def __init__(self, events: queue.Queue[Event]) -> None:
        self.events = events
        self._restore: Any = None

    def start(self) -> None:
        stdin = sys.stdin
        try:
            fd = stdin.fileno() if stdin is not None else -1
        except (OSError, ValueError):
            fd = -1
        if fd < 0:
            return
        target = self._read_lines
        if os.isatty(fd):
            try:
                import termios
                import tty

                saved = termios.tcgetattr(fd)
                tty.setcbreak(fd)  # one key at a time, no echo; Ctrl-C still interrupts
                self._restore = lambda: termios.tcsetattr(fd, termios.TCSADRAIN, saved)
                target = self._read_keys
            except (ImportError, OSError):
                pass  # no termios (Windows): keys arrive when Enter is pressed
        threading.Thread(target=target, args=(fd,), daemon=True, name="dojo-keys").start()

    def _read_keys(self, fd: int) -> None:
        while True:
            try:
                data = os.read(fd, 1)
            except OSError:
                return
            if not data:
                return
            self.events.put(("key", data.decode(errors="replace").lower()))

    def _read_lines(self, fd: int) -> None:
        for line in sys.stdin:  # ends at EOF: watching goes on, without keys
            for char in line.strip().lower():
                self.events.put(("key", char))

    def restore(self) -> None:
        if self._restore is not None:
            with contextlib.suppress(Exception):
                self._restore()
            self._restore = None


def _signature(path: Path) -> tuple[int, int, int] | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return st.st_mtime_ns, st.st_size, st.st_ino


class FileWatch:
    """Queue a "save" event whenever `path` changes: file events, else polling."""

    def __init__(self, path: Path, events: queue.Queue[Event], poll: bool) -> None:
        self.path = path
        self.events = events
        self.poll = poll
        self.stop = threading.Event()
        self.how = ""

    def start(self) -> None:
        missing = False
        if not self.poll:
            try:
                import watchfiles  # noqa: F401
            except ImportError:
                self.poll = missing = True
        if missing:
            self.how = _("watchfiles is not installed: checking for saves every {seconds:g} s")
        elif self.poll:
            self.how = _("checking for saves every {seconds:g} s")
        else:
            self.how = _("file events")
        self.how = self.how.format(seconds=POLL_INTERVAL)
        target = self._poll if self.poll else self._native
        threading.Thread(target=target, daemon=True, name="dojo-watch").start()

    def _native(self) -> None:
        import watchfiles

        name = self.path.name

        def wanted(change: Any, path: str) -> bool:
            return Path(path).name == name

        try:
            for _changes in watchfiles.watch(
                self.path.parent, watch_filter=wanted, stop_event=self.stop, step=30,
                recursive=False, raise_interrupt=False,
            ):
                self.events.put(("save", ""))
        except Exception as exc:  # no change notification here: poll instead
            if self.stop.is_set():
                return
            self.events.put((
                "note", _("file events failed ({error}); checking for saves every {seconds:g} s "
                          "instead").format(error=f"{type(exc).__name__}: {exc}",
                                            seconds=POLL_INTERVAL),
            ))
            self._poll()

    def _poll(self) -> None:
        last = _signature(self.path)
        while not self.stop.wait(POLL_INTERVAL):
            now = _signature(self.path)
            if now is not None and now != last:
                self.events.put(("save", ""))
            last = now if now is not None else last


def _next_event(events: queue.Queue[Event]) -> Event:
    """The next event, waking up every `WAKE` seconds meanwhile: the kernel may deliver
    a Ctrl-C to one of the helper threads, and a main thread blocked for good in
    `Queue.get()` would then never run Python's handler (the watch hung until the
    next save)."""
    while True:
        with contextlib.suppress(queue.Empty):
            return events.get(timeout=WAKE)


class Watcher:
    """The watch loop of one kata."""

    def __init__(self, root: Path, kata: Kata, stub: Path, con: Console, poll: bool = False):
        self.root = root
        self.kata = kata
        self.stub = stub
        self.con = con
        self.poll = poll
        self.kata_dir = root / "katas" / kata.id
        self.verdicts: dict[str, str | None] = {}

    # --- state -------------------------------------------------------------------------

    def _recorded(self) -> dict[str, str | None]:
        record = progress.read(self.root)
        line = progress.notice(self.root, record, _("this watch rebuilds it"))
        if line:
            self.con.print(Text(line, style="yellow"), soft_wrap=True)
        entry = record.katas.get(self.kata.id)
        recorded = entry.functions if entry else {}
        return {fn.name: recorded.get(fn.name) for fn in self.kata.functions}

    def current(self) -> Function | None:
        for fn in self.kata.functions:
            if self.verdicts.get(fn.name) != outcomes.PASSED:
                return fn
        return None

    # --- running the tests --------------------------------------------------------------

    def _prepare(self) -> None:
        """Import once what every run needs, and never reuse a stale bytecode cache."""
        for name in ("torch", "pytest", "hypothesis", "dojo.plugin", "dojo.checks",
                     "dojo.strategies"):
            importlib.import_module(name)
        sys.dont_write_bytecode = True  # a .pyc is valid per second: two quick saves...

    def _forget_bytecode(self) -> None:
        with contextlib.suppress(OSError, NotImplementedError, ValueError):
            Path(importlib.util.cache_from_source(str(self.stub))).unlink(missing_ok=True)

    def _run(self, *args: str) -> Run:
        from dojo import runner

        self._forget_bytecode()
        run = runner.run_kata(self.kata_dir, args)
        if run.interrupted:  # its verdicts are partial: none of them is shown
            raise RunInterrupted
        for fn in self.kata.functions:
            verdict = run.verdict(fn.name)
            if verdict is not None:
                self.verdicts[fn.name] = verdict
        return run

    def grade(self, first: bool = False) -> None:
        """One round: the current function's tests, then the whole kata once it passes
        (which also finds the next function, and any function the edit broke)."""
        started = time.time()
        self._header()
        working_on = None if first else self.current()
        if working_on is not None:
            # -x: the first failing test is the verdict to show; the rest can wait
            run = self._run("--function", working_on.name, "-x")
            if run.verdict(working_on.name) != outcomes.PASSED:
                self._outcome(run)
                self._summary(started, first)
                return
            self.con.print(Text.assemble(
                (f"{working_on.name}: {outcomes.label(outcomes.PASSED)}", "green"),
                ("  " + _("({seconds:.2f} s after the save; now the whole kata)").format(
                    seconds=self._since_save(started)
                ), "dim"),
            ))
            sys.stdout.flush()
        self._outcome(self._run())
        self._summary(started, first)

    def _since_save(self, started: float) -> float:
        saved = _signature(self.stub)
        return time.time() - (saved[0] / 1e9 if saved else started)

    def _header(self) -> None:
        if self.con.is_terminal:
            self.con.clear()
        self.con.print(Text.assemble(
            ("dojo watch ", "bold"), f"{self.kata.id}: {self._shown(self.stub)}  ",
            (_("(h: next hint, q: quit)"), "dim"),
        ))

    def _outcome(self, run: Run) -> None:
        """The current function's verdict, with its message when it fails."""
        if run.exit_code not in (0, 1, 5) or not run.verdicts:
            # a collection, usage or internal error: nothing was graded, pytest says why
            self.con.print(Text(run.output.rstrip()))
        current = self.current()
        if current is None:
            return
        # the failure text starts with the verdict ("wrong: ..."), as pytest shows it
        failure = run.failure(current.name)
        self.con.print(Text.assemble(
            (f"{current.name}: ", "bold"),
            Text(failure.rstrip()) if failure
            else term.verdict_text(self.verdicts.get(current.name)),
        ))

    def _summary(self, started: float, first: bool) -> None:
        """The kata's summary line, as pytest's run ends it, and how long it took."""
        names = [fn.name for fn in self.kata.functions]
        passed = sum(self.verdicts.get(n) == outcomes.PASSED for n in names)
        rest = [f"{n}: {term.verdict_text(self.verdicts.get(n)).plain}" for n in names
                if self.verdicts.get(n) != outcomes.PASSED]
        # every function of the kata counts, as in pytest's summary of a whole-kata run
        line = f"{self.kata.id}  {passed}/{len(names)}  {', '.join(rest) or _('all passed')}"
        timing = (
            _("(first run: {seconds:.2f} s)").format(seconds=time.time() - started) if first
            else _("(verdict {seconds:.2f} s after the save)").format(
                seconds=self._since_save(started)
            )
        )
        self.con.print(Text.assemble((line, "bold"), ("  " + timing, "dim")))
        sys.stdout.flush()

    def hint(self) -> None:
        from dojo.cli import CliError, Project, next_hint

        fn = self.current()
        if fn is None:
            self.con.print(_("{kata} passes: no hint needed.").format(kata=self.kata.id))
            return
        project = Project.find(self.root)
        try:
            text, _number = next_hint(project, self.kata, fn, None)
        except CliError as exc:
            text = Text(str(exc))
        self.con.print(text)
        sys.stdout.flush()

    def _shown(self, path: Path) -> str:
        try:
            return os.path.relpath(path)
        except ValueError:
            return str(path)

    # --- the loop --------------------------------------------------------------------------

    def run(self, max_runs: int | None = None) -> int:
        """Watch until `q`, Ctrl-C (exit code 130) or `max_runs` rounds."""
        self.con.print(_("dojo watch: loading torch and the tests of {kata}...").format(
            kata=self.kata.id
        ))
        sys.stdout.flush()
        self._prepare()
        self.verdicts = self._recorded()
        events: queue.Queue[Event] = queue.Queue()
        files = FileWatch(self.stub, events, self.poll)
        keys = Keys(events)
        runs = 0
        try:
            files.start()
            keys.start()
            self.grade(first=True)
            runs += 1
            self.con.print(Text(_("Watching {path} ({how}).").format(
                path=self._shown(self.stub), how=files.how
            ), style="dim"))
            sys.stdout.flush()
            while max_runs is None or runs < max_runs:
                kind, value = _next_event(events)
                pending = [(kind, value)]
                with contextlib.suppress(queue.Empty):
                    while True:  # saves in a burst make one run
                        pending.append(events.get_nowait())
                if ("key", "q") in pending:
                    break
                for kind, value in pending:
                    if kind == "key" and value == "h":
                        self.hint()
                    elif kind == "note":
                        self.con.print(Text(value, style="yellow"))
                if any(kind == "save" for kind, _value in pending):
                    self.grade()
                    runs += 1
        except RunInterrupted:
            self.con.print(Text(_(STOPPED), style="yellow"))
            return 130
        except KeyboardInterrupt:
            self.con.print(Text(_("stopped"), style="dim"))
            return 130
        finally:
            files.stop.set()
            keys.restore()
        return 0
