"""Device readiness: find, on any machine, code that would break on a GPU.

A learner who writes `torch.zeros(ar, bc, dtype=a.dtype)` (no `device=`) passes every
test on a laptop and meets the bug only on a GPU. So when a graded function has run
on CPU tensors, the guard runs it once more with every input tensor replaced by a
`meta` tensor: same shape, strides, dtype and `.g`, no data, on a device that is not
the CPU. Code that keeps to its inputs' device returns meta tensors; code that makes
a tensor on the CPU returns it (or sets a `.g` to it), or mixes it with the inputs,
which torch refuses ("Tensor on device cpu is not on the expected device meta!"), as
CUDA would. Code that needs values (`.item()`, `if x > 0`, `.tolist()`) cannot run
on meta tensors: it is not checked this way, and nothing is said.

The twins are made when the call starts (before it can change a `.g`), for the
first `CHECKS_PER_TEST` calls of each function in a test, and run once the test has
passed: a wrong value is the first thing to fix, and the check costs at most three
calls per test.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import torch
from torch.overrides import TorchFunctionMode

from dojo.rules import Location, learner_location

META = torch.device("meta")
CHECKS_PER_TEST = 3  # inputs a passing function is checked on, per test

# What torch says when one operation gets tensors on two devices.
_MIXED = (
    "is not on the expected device",
    "Expected all tensors to be on the same device",
    "found at least two devices",
)
_NO_DATA = "Cannot copy out of meta tensor"

FIX = (
    "a tensor you create lives on the CPU unless you say otherwise: make it on the "
    "inputs' device with device=a.device (torch.zeros(n, m, dtype=a.dtype, "
    "device=a.device)), or with a.new_zeros(n, m) or torch.zeros_like(a), which "
    "take the device and dtype from a."
)
WHY = (
    "(Checked without a GPU: the dojo ran your code once more on tensors of PyTorch's "
    "'meta' device, which stand for a GPU's. See \"Device readiness\" in the README.)"
)


@dataclass
class Pending:
    """A call to run again on meta twins once the test has passed."""

    name: str
    fn: Callable[..., Any]
    args: tuple[Any, ...]
    kwargs: dict[str, Any]
    files: tuple[str, ...]
    time_limit: float
    call: Any  # the guard's record of the call: the input a failure shows


@dataclass
class Tally:
    """The calls of the current test to check, at most `CHECKS_PER_TEST` per function."""

    pending: list[Pending] = field(default_factory=list)
    counted: dict[str, int] = field(default_factory=dict)

    def wanted(self, name: str) -> bool:
        return self.counted.get(name, 0) < CHECKS_PER_TEST

    def add(self, pending: Pending) -> None:
        self.counted[pending.name] = self.counted.get(pending.name, 0) + 1
        self.pending.append(pending)


def _tensors(value: Any, path: str) -> Iterator[tuple[str, torch.Tensor]]:
    if isinstance(value, torch.Tensor):
        yield path, value
    elif isinstance(value, (list, tuple)):
        for i, item in enumerate(value):
            yield from _tensors(item, f"{path}[{i}]")
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _tensors(item, f"{path}[{key!r}]")


def _meta(t: torch.Tensor) -> torch.Tensor:
    """A data-free twin of `t` on the meta device, its `.g` included."""
    twin = torch.empty_strided(t.shape, t.stride(), dtype=t.dtype, device=META)
    if t.requires_grad and (t.is_floating_point() or t.is_complex()):
        twin.requires_grad_(True)
    g = getattr(t, "g", None)
    if isinstance(g, torch.Tensor):
        twin.g = _meta(g)  # type: ignore[attr-defined]
    return twin


def _to_meta(value: Any) -> Any:
    if isinstance(value, torch.Tensor):
        return _meta(value)
    if isinstance(value, list):
        return [_to_meta(v) for v in value]
    if isinstance(value, tuple) and not hasattr(value, "_fields"):
        return tuple(_to_meta(v) for v in value)
    return value


def twins(
    args: tuple[Any, ...], kwargs: dict[str, Any]
) -> tuple[tuple[Any, ...], dict[str, Any]] | None:
    """Meta twins of the arguments (tensors in lists and tuples too); None when a
    tensor has no meta twin (a sparse one, say)."""
    try:
        return tuple(_to_meta(a) for a in args), {k: _to_meta(v) for k, v in kwargs.items()}
    except Exception:
        return None


def on_cpu_only(args: tuple[Any, ...], kwargs: dict[str, Any]) -> bool:
    """True when the call got some tensor, and every tensor is on the CPU."""
    found = [t for i, a in enumerate(args) for _, t in _tensors(a, str(i))]
    found += [t for k, v in kwargs.items() for _, t in _tensors(v, k)]
    return bool(found) and all(t.device.type == "cpu" for t in found)


class _Watch(TorchFunctionMode):
    """Notes where the learner's code made a tensor on the CPU, and where it wrote
    meta data into one."""

    def __init__(self, files: tuple[str, ...]) -> None:
        super().__init__()
        self.files = files
        self.made: list[Location] = []
        self.written: list[Location] = []

    def __torch_function__(
        self, func: Any, types: Any, args: tuple[Any, ...] = (), kwargs: Any = None
    ) -> Any:
        kwargs = kwargs or {}
        inputs = [t for i, a in enumerate(args) for _, t in _tensors(a, str(i))]
        inputs += [t for k, v in kwargs.items() for _, t in _tensors(v, k)]
        if (
            inputs
            and inputs[0].device.type == "cpu"
            and inputs[0].dim() > 0
            and any(t.device == META for t in inputs[1:])
        ):
            where = learner_location(self.files)
            if where is not None:
                self.written.append(where)
        result = func(*args, **kwargs)
        if (
            isinstance(result, torch.Tensor)
            and result.device.type == "cpu"
            and not any(t.device.type == "cpu" for t in inputs)
        ):
            where = learner_location(self.files)
            if where is not None:
                self.made.append(where)
        return result


def _location_in(exc: BaseException, files: tuple[str, ...]) -> Location | None:
    """The learner's innermost line in `exc`'s traceback."""
    found = None
    tb = exc.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code.co_filename in files:
            found = Location(tb.tb_frame.f_code.co_filename, tb.tb_lineno)
        tb = tb.tb_next
    return found


def check(
    fn: Callable[..., Any],
    margs: tuple[Any, ...],
    mkwargs: dict[str, Any],
    *,
    name: str,
    files: tuple[str, ...],
) -> str | None:
    """Run `fn` on the meta twins of its inputs: a message when its result, a `.g` or
    one of its operations would leave the inputs' device; None when it keeps to it,
    or when meta tensors cannot run it."""
    watch = _Watch(files)
    failure: BaseException | None = None
    result = None
    try:
        with watch:
            result = fn(*margs, **mkwargs)
    except Exception as exc:  # anything else (a verdict, Ctrl-C) is the caller's
        failure = exc
    made = f"\n  made at {watch.made[0]}" if watch.made else ""
    if failure is not None:
        text = str(failure)
        if any(marker in text for marker in _MIXED):
            where = _location_in(failure, files)
            at = f"\n  at {where}" if where else ""
            return (
                f"{name} mixes a tensor on the CPU with its inputs: on a GPU this line "
                f"fails with \"Expected all tensors to be on the same device\"{at}{made}"
            )
        if _NO_DATA in text and watch.written:
            return (
                f"{name} writes its results into a tensor on the CPU: on a GPU, the "
                f"result would stay on the CPU (and every write would cross devices)\n"
                f"  at {watch.written[0]}{made}"
            )
        return None  # needs values (.item(), if x > 0, ...): not checked this way
    for path, t in _tensors(result, "result"):
        if t.device.type == "cpu":
            what = "returns a tensor" if path == "result" else f"returns {path} as a tensor"
            return (
                f"{name} {what} on the CPU when its inputs are on another device: on a "
                f"GPU the result would not be where the caller's tensors are{made}"
            )
    twins = [*margs, *mkwargs.values()]
    for _, t in (found for twin in twins for found in _tensors(twin, "")):
        g = getattr(t, "g", None)
        if isinstance(g, torch.Tensor) and g.device.type == "cpu":
            return (
                f"{name} sets a .g on the CPU when its inputs are on another device: "
                f"on a GPU the gradient would not be where its tensor is{made}"
            )
    return None


def wrong(found: str) -> str:
    """The failure a learner reads: what would happen on a GPU, why the dojo knows,
    and the fix."""
    return f"{found}\n{WHY}\nLook at: {FIX}"


@contextlib.contextmanager
def quiet_records(calls: list[Any]) -> Iterator[None]:
    """Keep calls that the meta run makes out of the test's record."""
    kept = len(calls)
    try:
        yield
    finally:
        del calls[kept:]
