"""The pytest plugin: options, Hypothesis profiles, devices, the `kata` fixture,
verdicts for learners and a summary per kata and function."""

from __future__ import annotations

import contextlib
import functools
import linecache
import os
import traceback
import types
import warnings
from collections.abc import Generator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dojo import startup
from dojo.i18n import N_, _

with startup.imports_without_gc():
    import pytest
    from hypothesis import HealthCheck, Phase, settings

    from dojo import curriculum, guard, loader, outcomes, progress, rules, sentry, show, workspace

# --- Hypothesis profiles: registered once, here -----------------------------

_PHASES = (Phase.explicit, Phase.reuse, Phase.generate, Phase.target, Phase.shrink)
_COMMON: dict[str, Any] = {
    "deadline": None,  # torch warms up for ~0.5 s on the first call
    "report_multiple_bugs": False,  # one failure, not an exception group
    "phases": _PHASES,  # no "explain" phase: it points into torch internals
    "suppress_health_check": [HealthCheck.too_slow, HealthCheck.data_too_large],
}
_default = settings.get_profile("default")
settings.register_profile("learner", parent=_default, max_examples=50, **_COMMON)
settings.register_profile(
    "ci", parent=_default, max_examples=100, derandomize=True, database=None,
    print_blob=False, **_COMMON,
)
settings.register_profile("thorough", parent=_default, max_examples=1000, **_COMMON)
PROFILES = ("learner", "ci", "thorough")

HELP_IMPL = N_(
    "implementation to grade: 'learner' (katas/, the default), 'reference' "
    "(reference/), or a directory laid out like katas/. Environment: DOJO_IMPL."
)
HELP_DEVICE = N_(
    "device to test on: cpu or cuda; repeat or separate with commas. Default: cpu, and "
    "cuda when available. A requested device that is missing stops the run. "
    "Environment: DOJO_DEVICES."
)
HELP_FUNCTION = N_("grade only the tests of this function or class (repeatable).")
DEVICES = ("cpu", "cuda")


@dataclass(frozen=True)
class Options:
    """The run's validated dojo options."""

    impl: loader.ImplChoice
    devices: tuple[str, ...]
    requested: bool  # devices were asked for explicitly
    functions: tuple[str, ...]
    profile: str


_options_key = pytest.StashKey[Options]()
_recorder_key = pytest.StashKey["Recorder"]()
_previous_profile_key = pytest.StashKey[str]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("dojo", "foundations katas")
    group.addoption("--impl", dest="dojo_impl", metavar="IMPL", help=_(HELP_IMPL))
    group.addoption(
        "--device", dest="dojo_devices", action="append", metavar="DEVICE", help=_(HELP_DEVICE)
    )
    group.addoption(
        "--function", dest="dojo_functions", action="append", default=[], metavar="NAME",
        help=_(HELP_FUNCTION),
    )


def _devices(config: pytest.Config) -> tuple[tuple[str, ...], bool]:
    raw: list[str] | None = config.getoption("dojo_devices")
    source = "--device"
    if not raw and os.environ.get("DOJO_DEVICES"):
        raw = [os.environ["DOJO_DEVICES"]]
        source = _("{variable} environment variable").format(variable="DOJO_DEVICES")
    if not raw:
        return DEVICES, False
    devices: list[str] = []
    for item in raw:
        for name in item.split(","):
            name = name.strip().lower()
            if name not in DEVICES:
                raise pytest.UsageError(
                    _("invalid device {device!r} from {source}: expected cpu or cuda").format(
                        device=name, source=source
                    )
                )
            if name not in devices:
                devices.append(name)
    if "cuda" in devices:
        import torch

        if not torch.cuda.is_available():
            raise pytest.UsageError(
                _("CUDA was requested ({source}) but is not available: this PyTorch "
                  "({version}) sees no GPU. Install a CUDA build of PyTorch on a machine with "
                  "an NVIDIA GPU, or run on the CPU only (--device cpu).").format(
                    source=source, version=torch.__version__
                )
            )
    return tuple(devices), True


def _profile(config: pytest.Config) -> str:
    name = config.getoption("hypothesis_profile", None)
    source = "--hypothesis-profile"
    if not name:
        name = os.environ.get("HYPOTHESIS_PROFILE")
        source = _("{variable} environment variable").format(variable="HYPOTHESIS_PROFILE")
    if not name:
        # Like Hypothesis itself: derandomized "ci" settings when CI is set.
        return "ci" if os.environ.get("CI") else "learner"
    if name not in PROFILES:
        try:
            settings.get_profile(name)
            # Hypothesis' own profiles ("default") keep a 200 ms deadline that fails
            # correct code on torch's first call: only the dojo's are safe.
            message = _("invalid Hypothesis profile {name!r} from {source}: expected one of "
                        "{profiles} ({name!r} is Hypothesis' own: its deadline fails correct "
                        "code)")
        except Exception:
            message = _("invalid Hypothesis profile {name!r} from {source}: expected one of "
                        "{profiles}")
        raise pytest.UsageError(
            message.format(name=name, source=source, profiles=", ".join(PROFILES))
        )
    return str(name)


@pytest.hookimpl(tryfirst=True)  # before Hypothesis' own plugin loads --hypothesis-profile
def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "graded(function): a graded test of one function or class of its kata"
    )
    impl_value = config.getoption("dojo_impl")
    source = "--impl"
    if impl_value is None and os.environ.get("DOJO_IMPL"):
        impl_value = os.environ["DOJO_IMPL"]
        source = _("{variable} environment variable").format(variable="DOJO_IMPL")
    try:
        impl = loader.choose(impl_value, source)
    except loader.ImplError as exc:
        raise pytest.UsageError(str(exc)) from None
    devices, requested = _devices(config)
    profile = _profile(config)
    config.stash[_previous_profile_key] = settings.get_current_profile_name()
    settings.load_profile(profile)
    config.stash[_options_key] = Options(
        impl, devices, requested, tuple(config.getoption("dojo_functions")), profile
    )
    config.stash[_recorder_key] = recorder = Recorder()
    config.pluginmanager.register(recorder, "dojo-recorder")

    import torch

    # Full precision on GPUs: TF32 would change matmul results by ~1e-3.
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    # One thread: the katas' tensors are small, so a second thread only adds
    # overhead (and with xdist, two workers on two cores ran 3x slower); the
    # per-call CPU-time limit counts every thread, and idle OpenMP threads spinning
    # on a busy machine once made a 1 s training run cost 38 s of CPU time.
    torch.set_num_threads(1)


def pytest_unconfigure(config: pytest.Config) -> None:
    previous = config.stash.get(_previous_profile_key, None)
    if previous is not None:
        settings.load_profile(previous)


def options(config: pytest.Config) -> Options:
    return config.stash[_options_key]


def pytest_report_header(config: pytest.Config) -> list[str]:
    import torch

    opts = options(config)
    devices = []
    for device in opts.devices:
        if device == "cuda" and not torch.cuda.is_available():
            devices.append(_("cuda (not available: skipped)"))
        else:
            devices.append(device)
    return [
        f"dojo: impl={opts.impl.describe()}, devices={', '.join(devices)}, "
        f"hypothesis profile={opts.profile}, torch {torch.__version__}"
    ]


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "device" not in metafunc.fixturenames:
        return
    import torch

    opts = options(metafunc.config)
    params = []
    for device in opts.devices:
        marks = []
        if device == "cuda" and not torch.cuda.is_available():
            marks.append(pytest.mark.skip(reason=_("CUDA is not available")))
        params.append(pytest.param(device, marks=marks, id=device))
    metafunc.parametrize("device", params)


def pytest_collection_finish(session: pytest.Session) -> None:
    startup.freeze_after_collection()  # the test modules live for the whole run


def pytest_itemcollected(item: pytest.Item) -> None:
    if _function_of(item) is not None:
        item.repr_failure = functools.partial(  # type: ignore[method-assign]
            _repr_failure, item.repr_failure
        )


def _repr_failure(
    formatted_by_pytest: Any, excinfo: pytest.ExceptionInfo[BaseException]
) -> Any:
    """A graded test's failure as pytest and Hypothesis ask for it (Hypothesis twice,
    pytest once). The dojo replaces the report of every failure it explains, so those
    get Python's own traceback: pytest's parses the source of every frame, about 80 ms
    for a failure that passes through Hypothesis and torch. (Hypothesis formats a crash
    found while shrinking after later examples ran: it is no longer the test's last
    crash, but its traceback still runs through the learner's code.)"""
    state = guard.current()
    if classify(excinfo.value, state) != outcomes.ERROR or _raised_in(state.files, excinfo):
        return excinfo.getrepr(style="native")
    return formatted_by_pytest(excinfo)


def _raised_in(files: tuple[str, ...], excinfo: pytest.ExceptionInfo[BaseException]) -> bool:
    tb: types.TracebackType | None = excinfo.tb
    while tb is not None:
        if tb.tb_frame.f_code.co_filename in files:
            return True
        tb = tb.tb_next
    return False


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    wanted = options(config).functions
    if not wanted:
        return
    known: dict[str, list[str]] = {}  # kata -> its functions, for the katas collected
    for item in items:
        found = kata_of(item.path) if item.get_closest_marker("graded") else None
        if found is not None:
            known.setdefault(found[1].id, [fn.name for fn in found[1].functions])
    names = {name for functions in known.values() for name in functions}
    unknown = [name for name in wanted if name not in names]
    if unknown and known:
        listed = "; ".join(f"{kata}: {', '.join(fns)}" for kata, fns in known.items())
        message = (
            _("invalid --function {name!r}: no such function or class in the katas collected "
              "({functions})") if len(known) > 1
            else _("invalid --function {name!r}: no such function or class in the kata "
                   "collected ({functions})")
        )
        raise pytest.UsageError(message.format(name=unknown[0], functions=listed))
    keep: list[pytest.Item] = []
    drop: list[pytest.Item] = []
    for item in items:
        marker = item.get_closest_marker("graded")
        (keep if marker and marker.args[0] in wanted else drop).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


# --- the kata under test ----------------------------------------------------


def kata_of(path: Path) -> tuple[curriculum.Curriculum, curriculum.Kata] | None:
    """The registry and kata of a graded test file `katas/<id>/test_*.py`."""
    registry = path.parent.parent / curriculum.REGISTRY_NAME
    if not registry.is_file():
        return None
    course = curriculum.load_cached(registry)
    try:
        return course, course.kata(path.parent.name)
    except KeyError:
        return None


@pytest.fixture(scope="module")
def kata(request: pytest.FixtureRequest) -> loader.Implementation:
    """The implementation under test of this test file's kata (see `--impl`)."""
    found = kata_of(Path(str(request.module.__file__)))
    if found is None:
        raise pytest.UsageError(
            _("{file} is not in a kata folder listed in curriculum.toml").format(
                file=request.module.__file__
            )
        )
    course, entry = found
    return loader.load(entry, options(request.config).impl, course.katas_dir)


# --- verdicts ---------------------------------------------------------------


class DojoRepr:
    """A failure shown to a learner: a verdict line and what to look at."""

    def __init__(self, verdict: str, text: str) -> None:
        self.verdict = verdict
        self.text = text
        first = text.splitlines()[0] if text else verdict
        shown = outcomes.label(verdict)
        self.reprcrash = _Crash(said(shown, first) if not first.startswith(shown) else first)

    def toterminal(self, tw: Any) -> None:
        for line in self.text.splitlines():
            tw.line(line)

    def __str__(self) -> str:
        return self.text


@dataclass
class _Crash:
    message: str


def said(verdict: str, message: str) -> str:
    """"wrong: result[0] is 3.0, ...": a verdict as the learner reads it (see
    `outcomes.label`), then what happened."""
    return _("{verdict}: {message}").format(verdict=verdict, message=message)


def _relative(filename: str) -> str:
    """`filename` relative to the current folder when it lies inside it."""
    path = Path(filename)
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return filename


def _with_relative_paths(exc: BaseException, state: guard.TestState) -> str:
    """`exc`'s message with the learner's files named relative to the current folder."""
    text = str(exc)
    for path in state.files:
        text = text.replace(path, _relative(path))
    return text


def _call_block(state: guard.TestState, label: str) -> str:
    call = state.last_call
    if call is None:
        return ""
    body = "\n".join("    " + line for line in call.code().splitlines())
    return "\n" + _("{label}:").format(label=label) + f"\n{body}"


_SHOWN_REPEATS = 3  # like Python: a frame repeated more often is shown 3 times, then counted
_LONGEST_CYCLE = 4  # frames in a cycle of mutual recursion that is collapsed too


def _collapse(entries: list[str]) -> list[str]:
    """Traceback entries with runs of repeats collapsed, as Python does for endless
    recursion: a frame repeated more than 3 times is shown 3 times, then "[Previous
    line repeated 996 more times]"; a cycle of up to 4 frames (f calls g calls f)
    repeated 3 times or more is shown once, then "[Previous 2 frames repeated ...]"."""
    out: list[str] = []
    i = 0
    while i < len(entries):
        for size in range(1, _LONGEST_CYCLE + 1):
            block = entries[i : i + size]
            repeats = 1
            start = i + size
            while len(block) == size and entries[start : start + size] == block:
                repeats, start = repeats + 1, start + size
            shown = _SHOWN_REPEATS if size == 1 else 1
            if repeats > max(shown, 2):
                out.extend(block * shown)
                what = (
                    _("[Previous line repeated {count} more times]") if size == 1
                    else _("[Previous {frames} frames repeated {count} more times]")
                )
                out.append("  " + what.format(frames=size, count=repeats - shown))
                i += repeats * size
                break
        else:
            out.append(entries[i])
            i += 1
    return out


def _learner_traceback(exc: BaseException, files: tuple[str, ...]) -> str:
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename in files]
    lines = _collapse(
        [f"  {_relative(f.filename)}:{f.lineno}, in {f.name}\n    {f.line}" for f in frames]
    )
    # Hypothesis' notes ("Failing test case: ...") are not for learners; a test's own
    # "Look at: ..." notes (see checks.hint_note) are, in English or translated.
    notes = exc.__dict__.pop("__notes__", None)
    look_at = ("Look at:", _("Look at: {hint}").split("{hint}")[0].strip() or "Look at:")
    kept = [n for n in notes or () if isinstance(n, str) and n.startswith(look_at)]
    if kept:
        exc.__dict__["__notes__"] = kept
    try:
        detail = "".join(traceback.format_exception_only(type(exc), exc)).strip()
    finally:
        exc.__dict__.pop("__notes__", None)
        if notes is not None:
            exc.__dict__["__notes__"] = notes
    where = "\n".join(lines) if lines else "  " + _(
        "(not in your file: check the arguments you pass on)"
    )
    return _("Traceback (your code only):") + f"\n{where}\n{detail}"


def classify(exc: BaseException, state: guard.TestState) -> str:
    if isinstance(exc, outcomes.Verdict):
        return exc.verdict
    if outcomes.is_placeholder(exc):
        return outcomes.NOT_STARTED
    if state.crash is not None and exc is state.crash:
        return outcomes.CRASHED
    if isinstance(exc, loader.ImplError):
        return outcomes.CRASHED
    if isinstance(exc, AssertionError):
        return outcomes.WRONG
    return outcomes.ERROR


def _explain(
    verdict: str, exc: BaseException, function: str, state: guard.TestState, item: pytest.Item
) -> str:
    if verdict == outcomes.NOT_STARTED:
        text = str(exc)
        if not isinstance(exc, outcomes.NotStarted):
            text = _("{function} still raises NotImplementedError").format(function=function)
        for path in state.files:
            text = text.replace(path, _relative(path))
        return said(outcomes.label(verdict), text)
    if isinstance(exc, loader.ImplError) and verdict == outcomes.CRASHED:
        return said(outcomes.label(verdict), str(exc))
    wrong = outcomes.label(outcomes.WRONG)
    if isinstance(exc, outcomes.Blocked):
        return said(wrong, str(exc))  # the other function's tests show the input
    if isinstance(exc, outcomes.NotDeviceReady):
        return said(wrong, _with_relative_paths(exc, state)) + _call_block(
            state, _("On this input")
        )
    if verdict == outcomes.WRONG:
        return said(wrong, str(exc)) + _call_block(state, _input_label(exc, item))
    if verdict == outcomes.CRASHED:
        crashed = outcomes.label(outcomes.CRASHED)
        head = said(crashed, _("{function} raised {exception}").format(
            function=function, exception=type(exc).__name__
        ))
        if isinstance(exc, SystemExit):
            code = exc.code
            if isinstance(code, str) and code.startswith("os._exit"):  # see dojo.sentry
                called = _("{call} was called").format(call=code.removesuffix(" was called"))
            else:
                called = _("sys.exit({code!r}) (or exit(), raise SystemExit) was called").format(
                    code=code
                )
            head = said(crashed, _(
                "your code ended the program: {called} in {function}, which would stop "
                "the whole test run. A function returns its result instead."
            ).format(called=called, function=function))
        elif isinstance(exc, sentry.LearnerInterrupt):
            head = said(crashed, _("{problem}. Raise another exception, or return.").format(
                problem=exc
            ))
        return (
            head
            + _call_block(state, _("On this input"))
            + "\n"
            + _learner_traceback(exc, state.files)
        )
    if verdict in (outcomes.RULE_BROKEN, outcomes.TOO_SLOW):
        return said(outcomes.label(verdict), _with_relative_paths(exc, state)) + _call_block(
            state, _("On this input")
        )
    return str(exc)


def _input_label(exc: BaseException, item: pytest.Item) -> str:
    """Name the failing input: a pinned pitfall (`@example`), a shrunk draw, or the fixed
    input of a test that Hypothesis does not drive."""
    notes = getattr(exc, "__notes__", None) or []
    if any(str(note).startswith("Failing explicit example") for note in notes):
        return _("A known pitfall the tests always try")
    if getattr(getattr(item, "obj", None), "is_hypothesis_test", False):
        return _("The smallest failing input Hypothesis found")
    return _("The test's fixed input (the same on every run)")


def _function_of(item: pytest.Item) -> tuple[str, str] | None:
    marker = item.get_closest_marker("graded")
    if marker is None or not marker.args:
        return None
    return item.path.parent.name, str(marker.args[0])


@contextlib.contextmanager
def _warnings_at_the_learners_line() -> Iterator[None]:
    """Point a warning raised while the learner's code runs at the learner's line.

    A warning from torch's C++ code (`torch.tensor(a_tensor)`: "To copy construct from
    a tensor, ...") names the innermost Python frame, which is the harness's line
    that forwards each torch call to torch (dojo/rules.py); one raised by torch's
    Python code names torch's own file or the harness's. Each warning that pytest
    records while the learner's code is on the stack is given, instead, the
    innermost line of the learner's files, and that line's source. A warning whose
    filters make it an error, or hide it, is left alone (`warnings.showwarning` is
    only asked to show what the filters let through).
    """
    previous = warnings.showwarning

    def show(
        message: Warning | str, category: type[Warning], filename: str, lineno: int,
        file: Any = None, line: str | None = None,
    ) -> None:
        files = guard.current().files
        if files and filename not in files:
            where = rules.learner_location(files, depth=1)
            if where is not None:
                filename, lineno = _relative(where.filename), where.lineno
                line = linecache.getline(where.filename, where.lineno)
        previous(message, category, filename, lineno, file, line)

    warnings.showwarning = show
    try:
        yield
    finally:
        if warnings.showwarning is show:
            warnings.showwarning = previous


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, object, object]:
    guard.reset()
    found = _function_of(item)
    with _warnings_at_the_learners_line():
        try:
            result = yield
        except BaseException:
            guard.current().devices.pending.clear()  # a failed test is not checked again
            # Learner code that replaced part of torch or the dojo: reported, and undone
            # so that nothing leaks into later tests.
            if found is not None and (broken := guard.integrity_broken(found[1])):
                raise broken from None
            raise
        if found is not None and (broken := guard.integrity_broken(found[1])):
            raise broken
        if found is not None:
            guard.check_devices()
        return result


# Printed output of a graded test (pytest's "Captured stdout call"): a learner's debug
# print runs for every example Hypothesis tries, and the last lines are those of the
# smallest failing example.
OUTPUT_LINES = 200
OUTPUT_TAIL = 0.75  # the share of OUTPUT_LINES kept from the end


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    found = _function_of(item)
    if found is None:
        return report
    kata_id, function = found
    verdict = None
    if report.when == "call" and report.passed:
        verdict = outcomes.PASSED
    elif report.failed and call.excinfo is not None:
        state = guard.current() if report.when == "call" else guard.TestState()
        exc = call.excinfo.value
        verdict = classify(exc, state)
        if verdict != outcomes.ERROR:
            text = show.clip(_explain(verdict, exc, function, state, item))
            report.longrepr = DojoRepr(verdict, text)  # type: ignore[assignment]
    report.sections = [
        (title, show.clip(content, max_lines=OUTPUT_LINES, keep_tail=OUTPUT_TAIL,
                          what=N_("the output")))
        for title, content in report.sections
    ]
    if verdict is not None:
        report.user_properties.extend(
            [("dojo_kata", kata_id), ("dojo_function", function), ("dojo_verdict", verdict)]
        )
    return report


class Recorder:
    """Collects each graded test's verdict, prints the summary (one per run) and, for
    runs of the learner's own code, records each function's verdict (dojo.progress)."""

    def __init__(self) -> None:
        self.results: dict[str, dict[str, list[str]]] = {}
        self.log = progress.RunLog()
        self.collection_known = False
        self.collected: dict[str, dict[str, int]] = {}  # kata -> function -> its tests
        self.workspaces: dict[Path, curriculum.Curriculum] = {}  # root -> its katas
        self.interrupted = False

    @pytest.hookimpl(trylast=True)  # after -k, -m and --function have deselected
    def pytest_collection_modifyitems(self, items: list[pytest.Item]) -> None:
        self.collection_known = True
        for item in items:
            found = _function_of(item)
            if found is not None:
                self.log.collect(*found, item.nodeid, item.path)
                functions = self.collected.setdefault(found[0], {})
                functions[found[1]] = functions.get(found[1], 0) + 1
                if (known := kata_of(item.path)) is not None:
                    self.workspaces.setdefault(known[0].katas_dir.parent, known[0])

    def pytest_keyboard_interrupt(self) -> None:
        self.interrupted = True

    def pytest_deselected(self, items: list[pytest.Item]) -> None:
        for item in items:
            found = _function_of(item)
            if found is not None:
                self.log.deselect(*found)

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        props = dict(report.user_properties)
        if "dojo_verdict" in props:
            kata_id, function = str(props["dojo_kata"]), str(props["dojo_function"])
            verdict = str(props["dojo_verdict"])
            self.results.setdefault(kata_id, {}).setdefault(function, []).append(verdict)
            self.log.report(kata_id, function, verdict, report.nodeid)
        if report.when == "teardown":
            self.log.finish(report.nodeid)

    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        config = session.config
        if hasattr(config, "workerinput") or options(config).impl.value != loader.LEARNER:
            return  # xdist workers report to the controller; only the learner's code counts
        filtered = bool(config.getoption("keyword", "") or config.getoption("markexpr", ""))
        finished = exitstatus in (pytest.ExitCode.OK, pytest.ExitCode.TESTS_FAILED)
        trust = finished and not filtered and not session.shouldstop
        try:
            self.log.save(config.rootpath, self.collection_known, trust)
            for root, katas in self.workspaces.items():
                for kata in katas.katas:  # every stub still as shipped, for `dojo reset`
                    workspace.keep_pristine(root, kata)
        except OSError as exc:  # a read-only clone still grades
            warnings.warn(
                _("dojo could not record your progress: {error}").format(error=exc), stacklevel=1
            )

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        if self.results or (self.interrupted and self.collected):
            terminalreporter.section(_("dojo: functions passed per kata"))
            collected = self.collected if self.interrupted else None
            only = options(terminalreporter.config).functions
            for line in summary_lines(self.results, collected=collected, only=only):
                terminalreporter.line(line)


# Worst first: the verdict a function gets when its tests disagree.
_SEVERITY = (
    outcomes.ERROR, outcomes.RULE_BROKEN, outcomes.CRASHED, outcomes.TOO_SLOW,
    outcomes.WRONG, outcomes.NOT_STARTED, outcomes.PASSED,
)


def function_verdict(verdicts: list[str]) -> str:
    """One verdict for a function from those of its tests: the worst one."""
    return min(verdicts, key=_SEVERITY.index)


def summary_lines(
    results: dict[str, dict[str, list[str]]],
    *,
    collected: dict[str, dict[str, int]] | None = None,
    only: tuple[str, ...] = (),
) -> list[str]:
    """`03_broadcasting  4/7  matmul_broadcast: wrong` for each kata that ran.

    `collected` (how many tests each function of each kata has) is given when the run
    was interrupted: a function that passed only some of its tests before the stop is
    "not graded", and no kata reads "all passed". `only` names the functions a
    `--function` run graded: the line says it graded those alone, not the whole kata.
    """
    lines = []
    katas = sorted(set(results) | set(collected or {}))
    width = max((len(k) for k in katas), default=0)
    for kata_id in katas:
        seen = results.get(kata_id, {})
        verdicts = {name: function_verdict(v) for name, v in seen.items()}
        if collected is not None:
            for name, tests in collected.get(kata_id, {}).items():
                if verdicts.get(name, outcomes.PASSED) == outcomes.PASSED and (
                    len(seen.get(name, [])) < tests
                ):
                    verdicts[name] = outcomes.NOT_GRADED
        passed = sum(v == outcomes.PASSED for v in verdicts.values())
        rest = [
            f"{name}: {outcomes.label(v)}" for name, v in verdicts.items() if v != outcomes.PASSED
        ]
        status = ", ".join(rest) if rest else _("all passed")
        if collected is not None:
            status = (status if rest else _("no failure seen")) + " " + _(
                "(the run was interrupted)"
            )
        if only:
            graded = _(" and ").join(name for name in verdicts if name in only)
            status += " " + _("(graded {functions} only: --function)").format(functions=graded)
        lines.append(f"{kata_id:<{width}}  {passed}/{len(verdicts)}  {status}")
    return lines
