"""Run a kata's graded tests inside this process and keep what a learner needs to see.

Used by `dojo watch` (one process that keeps torch imported) and by notebooks. The
run is an ordinary pytest run with the dojo plugin, so verdicts, messages and the
progress record are those of `pytest katas/NN_name`; only pytest's own output is
kept aside.
"""

from __future__ import annotations

import contextlib
import io
import linecache
import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from dojo import outcomes

# pytest plugins a kata run does without. Together they cost ~0.3 s a run, most of it
# the garbage collections unraisableexception forces at exit (with torch loaded).
SKIPPED_PLUGINS = (
    "unraisableexception", "threadexception", "faulthandler", "pastebin", "junitxml",
    "doctest", "stepwise", "setuponly", "setupplan", "cacheprovider",
)


@dataclass
class Run:
    """What one in-process run of a kata's graded tests found."""

    exit_code: int
    verdicts: dict[str, list[str]] = field(default_factory=dict)  # function -> its tests'
    failures: dict[str, list[str]] = field(default_factory=dict)  # function -> texts shown
    output: str = ""  # pytest's own terminal output
    interrupted: bool = False  # Ctrl-C stopped it: its verdicts are partial

    def verdict(self, function: str) -> str | None:
        """The function's verdict in this run: the worst of its tests (None: not run)."""
        from dojo.plugin import function_verdict

        found = self.verdicts.get(function)
        return function_verdict(found) if found else None

    def failure(self, function: str) -> str | None:
        """The message of the function's first failing test, as pytest shows it."""
        texts = self.failures.get(function)
        return texts[0] if texts else None


class _Collector:
    """A pytest plugin that keeps each graded test's verdict and failure text."""

    def __init__(self, run: Run) -> None:
        self.run = run

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        props = dict(report.user_properties)
        if "dojo_verdict" not in props:
            return
        function, verdict = str(props["dojo_function"]), str(props["dojo_verdict"])
        self.run.verdicts.setdefault(function, []).append(verdict)
        if verdict != outcomes.PASSED and report.failed:
            self.run.failures.setdefault(function, []).append(_text(report))

    def pytest_keyboard_interrupt(self, excinfo: pytest.ExceptionInfo[BaseException]) -> None:
        self.run.interrupted |= is_ctrl_c(excinfo.value)


def is_ctrl_c(exc: BaseException) -> bool:
    """True for Ctrl-C, not pytest's own `Interrupted` (errors during collection) nor
    `pytest.exit`, which pytest reports through the same hook and exit code."""
    return isinstance(exc, KeyboardInterrupt) and not isinstance(exc, pytest.Session.Interrupted)


class CtrlC:
    """A pytest plugin that notices when Ctrl-C stopped the run (pytest catches it)."""

    def __init__(self) -> None:
        self.seen = False

    def pytest_keyboard_interrupt(self, excinfo: pytest.ExceptionInfo[BaseException]) -> None:
        self.seen |= is_ctrl_c(excinfo.value)


def _text(report: pytest.TestReport) -> str:
    longrepr = report.longrepr
    if longrepr is not None and hasattr(longrepr, "verdict"):  # the plugin's DojoRepr
        return str(longrepr)
    return report.longreprtext


_STAMP = "__dojo_mtime_ns__"


def _kata_test_modules() -> list[tuple[str, Any, Path, int | None]]:
    """(name, module, file, its mtime now) of every imported graded test module."""
    found = []
    for name, module in list(sys.modules.items()):
        file = getattr(module, "__file__", None)
        # string checks first: this looks at every imported module, thousands with torch
        if not isinstance(file, str) or not os.path.basename(file).startswith("test_"):
            continue
        path = Path(file).resolve()
        if path.parent.parent.name != "katas":
            continue
        try:
            mtime: int | None = path.stat().st_mtime_ns
        except OSError:
            mtime = None
        found.append((name, module, path, mtime))
    return found


def forget_stale_test_modules(katas_dir: Path) -> None:
    """pytest reuses an imported test module by its name (`katas.01_toy.test_toy`): drop
    the graded test modules of another project, or whose file changed since they were
    imported, so that the next run imports the graded tests as they are now."""
    katas_dir = katas_dir.resolve()
    for name, module, path, mtime in _kata_test_modules():
        stamp = module.__dict__.get(_STAMP, mtime)
        if path.parent.parent != katas_dir or stamp != mtime:
            del sys.modules[name]


def _stamp_test_modules() -> None:
    for _, module, _, mtime in _kata_test_modules():
        module.__dict__.setdefault(_STAMP, mtime)


def run_kata(
    kata_dir: Path,
    args: Sequence[str] = (),
    plugins: Sequence[object] = (),
) -> Run:
    """Run the graded tests in `kata_dir` (extra pytest `args`), output kept aside."""
    linecache.checkcache()  # failure messages quote the learner's lines as saved now
    forget_stale_test_modules(kata_dir.parent)
    run = Run(exit_code=0)
    # --tb=native: pytest's own traceback formatting parses source files (~80 ms a
    # failure); the plugin spares the failures it explains, this spares the rest
    argv = [str(kata_dir), "-p", "dojo.plugin", "-q", "--tb=native",
            "--disable-plugin-autoload", "-p", "hypothesispytest", "-p", "timeout"]
    for name in SKIPPED_PLUGINS:
        argv += ["-p", f"no:{name}"]
    argv += args
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer), contextlib.redirect_stderr(buffer):
        run.exit_code = int(pytest.main(argv, plugins=[_Collector(run), *plugins]))
    _stamp_test_modules()
    run.output = buffer.getvalue()
    return run
