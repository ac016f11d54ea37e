"""What keeps broken learner code from taking the run down with it.

Around the outermost learner call (see dojo.guard), and while a learner's module
is imported (see dojo.loader):

- `time_limit`: a CPU-time and a wall-clock limit, ticking on one wall-clock timer,
  time spent importing not counted; a loop that swallows the stop is stopped again,
  line by line;
- `protections`: `os._exit` and `sys.exit` end the call, not the process; threads
  cannot be started from the learner's code (the rules watch one thread);
  `torch._C.DisableTorchFunction` (which hides operations from the rules) is a
  broken rule; the recursion limit cannot be raised; a real Ctrl-C still stops
  the run while a `KeyboardInterrupt` the code raises is its own crash; memory is
  capped where the platform allows it, so a huge allocation fails at once;
- `Integrity`: torch, numpy, builtins and dojo's own modules are compared after
  each call with how they were before any learner code ran; a replaced function
  (`torch.matmul = ...`) is a broken rule and is put back, so nothing leaks into
  later tests or katas.

A guard for honest learners and copied snippets, not a security sandbox.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
import time
import types
from collections.abc import Callable, Iterator
from typing import Any, NoReturn

from dojo.i18n import _
from dojo.outcomes import TooSlow

TICK = 0.05  # seconds of wall-clock time between two checks of the limits
WALL_FACTOR = 3.0  # wall-clock limit: this many times the CPU-time limit...
WALL_SLACK = 2.0  # ...plus this many seconds (a busy machine, a first torch call)
ESCALATE_AFTER = 3  # stops swallowed before the limit stops the code line by line
MEMORY_HEADROOM = 4 * 1024**3  # bytes of address space a call may add (where capped)
_STACK_LOOK = 200  # frames looked at for an import in progress (imports sit on top)


class LearnerInterrupt(Exception):
    """The learner's code raised KeyboardInterrupt itself (not a real Ctrl-C)."""


try:  # the C function: signal.signal wraps every handler in enums, 4x the cost
    from _signal import signal as _raw_signal  # type: ignore[import-not-found]
except ImportError:  # pragma: no cover - other Pythons
    _raw_signal = signal.signal


def _importing(frame: Any, files: tuple[str, ...] = ()) -> bool:
    """True when an `import` is running near the top of the stack, above the learner's
    own code (the import of the learner's module itself counts as running their code)."""
    for _step in range(_STACK_LOOK):
        if frame is None:
            return False
        filename = frame.f_code.co_filename
        if filename in files:
            return False
        if filename.startswith("<frozen importlib"):
            return True
        frame = frame.f_back
    return False


def _main_thread() -> bool:
    return threading.current_thread() is threading.main_thread()


def _escalate(files: tuple[str, ...], stop: Callable[[], BaseException]) -> None:
    """Raise `stop()` at the next line the learner's code runs: a stop swallowed by an
    `except BaseException` is then raised inside that handler, which it cannot catch."""
    wanted = set(files)

    def local(frame: types.FrameType, event: str, arg: Any) -> Any:
        if event == "line" and frame.f_code.co_filename in wanted:
            raise stop()
        return local

    def global_(frame: types.FrameType, event: str, arg: Any) -> Any:
        return local if frame.f_code.co_filename in wanted else None

    frame: types.FrameType | None = sys._getframe(2)
    for _step in range(1000):
        if frame is None:
            break
        if frame.f_code.co_filename in wanted:
            frame.f_trace = local
            frame.f_trace_lines = True
        frame = frame.f_back
    sys.settrace(global_)


@contextlib.contextmanager
def time_limit(
    seconds: float, function: str, files: tuple[str, ...] = ()
) -> Iterator[None]:
    """Raise `TooSlow` once the block used `seconds` of CPU time (user and system, so a
    huge allocation counts) or `WALL_FACTOR * seconds + WALL_SLACK` of wall-clock time
    (so a `time.sleep` loop counts), time spent importing not counted.

    One ITIMER_REAL timer ticks every `TICK` seconds; a timer already running (such
    as pytest-timeout's) is put back afterwards. A tick inside an import neither
    counts nor interrupts it. Once a limit is passed every tick raises, and after
    `ESCALATE_AFTER` swallowed stops the learner's code (`files`) is stopped at its
    next line. A no-op where the timer is unavailable (Windows, non-main threads):
    pytest-timeout stays the backstop there.
    """
    if not hasattr(signal, "setitimer") or not _main_thread() or seconds <= 0:
        yield
        return
    wall_limit = WALL_FACTOR * seconds + WALL_SLACK
    start_cpu, start_wall = time.process_time(), time.monotonic()
    last_cpu, last_wall = start_cpu, start_wall
    skipped_cpu = skipped_wall = 0.0
    stops = 0
    busy = False

    def stop() -> TooSlow:
        cpu = time.process_time() - start_cpu - skipped_cpu
        if cpu >= seconds:
            return TooSlow(
                _("{function} used more than {seconds:g} s of CPU time on one input and was "
                  "stopped.\nLook for a loop that never ends: a `while` whose condition "
                  "never changes, or an index that never moves.").format(
                    function=function, seconds=seconds
                )
            )
        return TooSlow(
            _("{function} ran for more than {seconds:g} s on one input, mostly waiting "
              "rather than computing, and was stopped.\nLook for time.sleep, input() or "
              "anything else that waits, inside a loop.").format(
                function=function, seconds=wall_limit
            )
        )

    def on_tick(signum: int, frame: Any) -> None:
        nonlocal last_cpu, last_wall, skipped_cpu, skipped_wall, stops, busy
        if busy:
            return  # a tick inside this handler (a deep stack): never re-enter
        busy = True
        try:
            now_cpu, now_wall = time.process_time(), time.monotonic()
            importing = _importing(frame, files)
            if importing:  # never break an import half-way, and do not count it
                skipped_cpu += now_cpu - last_cpu
                skipped_wall += now_wall - last_wall
            last_cpu, last_wall = now_cpu, now_wall
            if importing:
                return
            cpu = now_cpu - start_cpu - skipped_cpu
            wall = now_wall - start_wall - skipped_wall
            if cpu < seconds and wall < wall_limit:
                return
            stops += 1
            if stops > ESCALATE_AFTER:
                _escalate(files, stop)
        finally:
            busy = False
        raise stop()

    previous_unraisable = sys.unraisablehook

    def unraisable(info: Any) -> None:
        # A tick that lands in a garbage-collector or weakref callback raises where
        # Python cannot propagate it, and would only print "Exception ignored in ...".
        # It counts as a swallowed stop: the next tick raises again, and the escalation
        # stops the learner's code at its next line if ticks keep landing there.
        if not isinstance(info.exc_value, TooSlow):
            previous_unraisable(info)

    previous_handler = _raw_signal(signal.SIGALRM, on_tick)
    previous_delay, previous_interval = signal.setitimer(signal.ITIMER_REAL, TICK, TICK)
    previous_trace = sys.gettrace()
    sys.unraisablehook = unraisable
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0, 0)
        _raw_signal(signal.SIGALRM, previous_handler)
        sys.unraisablehook = previous_unraisable
        if stops > ESCALATE_AFTER:
            sys.settrace(previous_trace)
        if previous_delay > 0:  # someone else's timer: give it back what is left
            left = previous_delay - (time.monotonic() - start_wall)
            signal.setitimer(signal.ITIMER_REAL, max(left, 0.001), previous_interval)


# --- protections around a call -------------------------------------------------------


class Protections:
    """Process-wide hooks installed while learner code runs (see the module docstring).

    `violations` collects (what, where) for broken rules; the guard reports them.
    """

    def __init__(self, files: tuple[str, ...]) -> None:
        self.files = files
        self.violations: list[tuple[str, str | None]] = []
        self.real_interrupt = False

    def _learner_caller(self, depth: int = 2) -> str | None:
        """`file:line` of the learner's frame that called the hook, if one did."""
        frame: types.FrameType | None = sys._getframe(depth)
        for _step in range(50):
            if frame is None:
                return None
            if frame.f_code.co_filename in self.files:
                return f"{frame.f_code.co_filename}:{frame.f_lineno}"
            frame = frame.f_back
        return None

    @contextlib.contextmanager
    def active(self) -> Iterator[None]:
        import torch

        saved_exit = os._exit
        saved_start = threading.Thread.start
        saved_disable = torch._C.DisableTorchFunction
        saved_setrecursionlimit = sys.setrecursionlimit
        limit = sys.getrecursionlimit()
        protections = self

        def refuse_exit(code: int) -> NoReturn:
            raise SystemExit(f"os._exit({code!r}) was called")

        def refuse_start(thread: threading.Thread) -> None:
            where = protections._learner_caller()
            if where is None:
                return saved_start(thread)
            protections.violations.append(
                (_("started a thread: the katas run your code in one thread, where the "
                   "rules can see it"), where)
            )
            raise RuntimeError(_("dojo: starting a thread is not allowed in a kata"))

        def disable_torch_function() -> Any:
            where = protections._learner_caller()
            if where is not None:
                protections.violations.append(
                    (_("used torch._C.DisableTorchFunction, which hides operations from the "
                       "kata's rules"), where)
                )
            return saved_disable()

        def capped_setrecursionlimit(n: int) -> None:
            saved_setrecursionlimit(min(n, limit))  # lower is fine, higher is not

        interrupt: Any = None
        if _main_thread():

            def on_interrupt(signum: int, frame: Any) -> None:
                protections.real_interrupt = True
                raise KeyboardInterrupt

            interrupt = _raw_signal(signal.SIGINT, on_interrupt)
        memory = _cap_memory()
        os._exit = refuse_exit  # type: ignore[assignment]
        threading.Thread.start = refuse_start  # type: ignore[method-assign, assignment]
        torch._C.DisableTorchFunction = disable_torch_function
        sys.setrecursionlimit = capped_setrecursionlimit
        try:
            yield
        finally:
            os._exit = saved_exit
            threading.Thread.start = saved_start  # type: ignore[method-assign]
            torch._C.DisableTorchFunction = saved_disable
            sys.setrecursionlimit = saved_setrecursionlimit
            with contextlib.suppress(RecursionError):
                sys.setrecursionlimit(limit)
            if interrupt is not None:
                _raw_signal(signal.SIGINT, interrupt)
            _restore_memory(memory)

    def report(self) -> str | None:
        """The first broken rule, or None."""
        if not self.violations:
            return None
        what, where = self.violations[0]
        return what + ("\n  " + _("at {location}").format(location=where) if where else "")


def _cap_memory() -> Any:
    """Cap the address space at what is used now plus MEMORY_HEADROOM (Linux, no CUDA:
    a CUDA context reserves far more address space than it uses)."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        import resource

        import torch

        if torch.cuda.is_initialized():  # type: ignore[no-untyped-call]
            return None
        used = _address_space()
        previous = resource.getrlimit(resource.RLIMIT_AS)
        cap = used + MEMORY_HEADROOM
        if previous[0] != resource.RLIM_INFINITY and previous[0] <= cap:
            return None
        resource.setrlimit(resource.RLIMIT_AS, (cap, previous[1]))
        return previous
    except (OSError, ValueError, ImportError):
        return None


_used: tuple[float, int] = (0.0, 0)  # (when, bytes): read at most once a second


def _address_space() -> int:
    """The process's address space in bytes (Linux), read at most once a second: the
    cap leaves gigabytes of room, so a second-old reading is close enough."""
    global _used
    now = time.monotonic()
    if now - _used[0] > 1.0:
        with open("/proc/self/statm", "rb") as statm:
            _used = (now, int(statm.read().split()[0]) * os.sysconf("SC_PAGE_SIZE"))
    return _used[1]


def _restore_memory(previous: Any) -> None:
    if previous is None:
        return
    import resource

    with contextlib.suppress(OSError, ValueError):
        resource.setrlimit(resource.RLIMIT_AS, previous)


# --- integrity: torch, numpy and dojo as they were ------------------------------------


_MISSING = object()
_TORCH_DIR = os.path.dirname(os.path.abspath(str(__import__("torch").__file__))) + os.sep


class Integrity:
    """The functions, classes and modules of the namespaces learner code must not
    change, as they were before any learner code ran."""

    def __init__(self) -> None:
        self.watched: list[tuple[str, Any, dict[str, Any]]] = []
        self.sizes: dict[int, int] = {}  # a class's number of attributes
        for name, owner in _namespaces():
            self.watched.append((name, owner, _tracked(owner)))
            if not isinstance(owner, types.ModuleType):
                self.sizes[id(owner)] = len(vars(owner))

    def changes(self) -> list[str]:
        """What changed since the baseline ("torch.matmul", "Tensor.__matmul__"), after
        putting every change back. New attributes of a module are fine (torch adds its
        submodules as they are imported); a new attribute of a class overrides one of
        its bases (`Tensor.add = ...`) and is not."""
        found: list[str] = []
        for name, owner, saved in self.watched:
            now = vars(owner)
            size = self.sizes.get(id(owner))
            # The quick test runs in C: functions and classes are equal only to themselves.
            if saved.items() <= now.items() and (size is None or len(now) == size):
                continue
            for key, before in list(saved.items()):
                value = now.get(key, _MISSING)
                if value is before:
                    continue
                if _torch_wraps(value, before):
                    saved[key] = value  # torch's own doing (see _torch_wraps)
                    continue
                found.append(f"{name}.{key}")
                _put_back(owner, key, before)
            if size is not None:
                for key, value in list(now.items()):
                    if key not in saved and _kept(value):
                        found.append(f"{name}.{key}")
                        _put_back(owner, key, _MISSING)
                self.sizes[id(owner)] = len(vars(owner))
        return found


def _torch_wraps(value: Any, original: Any) -> bool:
    """Whether `value` is torch's own wrapper of `original`: torch changes itself as it
    loads parts of itself lazily (the first optimizer step imports torch._dynamo, which
    wraps `torch.manual_seed`)."""
    code = getattr(value, "__code__", None)
    if code is None or not code.co_filename.startswith(_TORCH_DIR):
        return False
    seen = 0
    while value is not None and seen < 10:
        value = getattr(value, "__wrapped__", None)
        if value is original:
            return True
        seen += 1
    return False


def _kept(value: Any) -> bool:
    """Worth watching: what code calls (functions, classes, methods), not counters,
    caches or flags, and not submodules (pytest's in-process runs import some anew)."""
    return callable(value) or isinstance(value, (staticmethod, classmethod))


def _tracked(owner: Any) -> dict[str, Any]:
    return {k: v for k, v in vars(owner).items() if _kept(v)}


def _put_back(owner: Any, key: str, value: Any) -> None:
    with contextlib.suppress(AttributeError, TypeError):
        if value is _MISSING:
            delattr(owner, key)
        else:
            setattr(owner, key, value)


def _namespaces() -> list[tuple[str, Any]]:
    import builtins

    import numpy
    import torch
    import torch.nn.functional as F

    found: list[tuple[str, Any]] = [
        ("torch", torch), ("Tensor", torch.Tensor), ("torch._C.TensorBase", torch._C.TensorBase),
        ("torch.nn.functional", F), ("torch.nn", torch.nn), ("torch.nn.Module", torch.nn.Module),
        ("torch.autograd", torch.autograd), ("torch.autograd.Function", torch.autograd.Function),
        ("torch.linalg", torch.linalg), ("numpy", numpy), ("builtins", builtins),
    ]
    for name, module in sorted(sys.modules.items()):
        if (name == "dojo" or name.startswith("dojo.")) and isinstance(module, types.ModuleType):
            found.append((name, module))
    return found


_baseline: Integrity | None = None


def baseline() -> Integrity:
    """The process's baseline, taken the first time it is asked for (before any learner
    module is imported: see dojo.loader)."""
    global _baseline
    if _baseline is None:
        _baseline = Integrity()
    return _baseline


def integrity_report(changed: list[str]) -> str:
    shown = ", ".join(changed[:3])
    if len(changed) > 3:
        shown = _("{names} and {count} more").format(names=shown, count=len(changed) - 3)
    return _(
        "replaced {names}: your code must not change PyTorch, NumPy, Python's builtins or "
        "the dojo itself. The tests compare your code with them, and the change would "
        "carry into every later test (it has been undone).\nWrite your own function "
        "under a new name instead."
    ).format(names=shown)
