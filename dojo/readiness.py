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
import copy
import io
import sys
import types
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import torch
from torch.overrides import TorchFunctionMode

from dojo.i18n import N_, _
from dojo.rules import Location, at_line, learner_location

META = torch.device("meta")
CHECKS_PER_TEST = 3  # inputs a passing function is checked on, per test
MAX_OPS = 3000  # operations of one meta run: a training loop is judged on its start

# What torch says when one operation gets tensors on two devices.
_MIXED = (
    "expected device",  # "... is not on the expected device meta!", and autograd's
    # "expected device meta but got cpu" for a gradient returned on another device
    "Expected all tensors to be on the same device",
    "found at least two devices",
)
_NO_DATA = "Cannot copy out of meta tensor"

FIX = N_(
    "a tensor you create lives on the CPU unless you say otherwise: make it on the "
    "inputs' device with device=a.device (torch.zeros(n, m, dtype=a.dtype, "
    "device=a.device)), or with a.new_zeros(n, m) or torch.zeros_like(a), which "
    "take the device and dtype from a."
)
WHY = N_(
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


def tensors_in(value: Any, path: str) -> Iterator[tuple[str, torch.Tensor]]:
    """(path, tensor) for each tensor in `value`: itself, or in its lists, tuples and
    dicts ("b[0]", "kw['x']")."""
    if isinstance(value, torch.Tensor):
        yield path, value
    elif isinstance(value, (list, tuple)):
        for i, item in enumerate(value):
            yield from tensors_in(item, f"{path}[{i}]")
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from tensors_in(item, f"{path}[{key!r}]")


class _NoTwin(Exception):
    """Something in the call has no meta twin: the call is not checked this way."""


class _Twins:
    """Meta twins of a call's arguments, built as one graph: a tensor reached twice
    (a layer's output that is the next layer's input) has one twin, `.g` included.
    Objects of the learner's own classes get twins whose tensors are meta (a layer
    built with GPU weights); an `nn.Module` is copied and moved with `.to("meta")`,
    as a learner moves a model, so that a tensor kept outside its parameters and
    buffers stays behind on the CPU, as it would on a GPU."""

    def __init__(self, files: tuple[str, ...]) -> None:
        self.files = set(files)
        self.memo: dict[int, Any] = {}
        self.keep: list[Any] = []  # the originals, alive while their ids are keys

    def _learners(self, value: Any) -> bool:
        module = sys.modules.get(type(value).__module__)
        return getattr(module, "__file__", None) in self.files

    def __call__(self, value: Any) -> Any:
        key = id(value)
        if key in self.memo:
            return self.memo[key]
        if isinstance(value, torch.Tensor):
            if value.layout != torch.strided:
                raise _NoTwin("not a strided tensor")
            twin: Any = torch.empty_strided(
                value.shape, value.stride(), dtype=value.dtype, device=META
            )
            if value.requires_grad and (value.is_floating_point() or value.is_complex()):
                twin.requires_grad_(True)
            self.memo[key] = twin
            g = getattr(value, "g", None)
            if isinstance(g, torch.Tensor):
                twin.g = self(g)
        elif isinstance(value, list):
            twin = self.memo[key] = []
            twin.extend(self(v) for v in value)
        elif isinstance(value, tuple) and not hasattr(value, "_fields"):
            twin = self.memo[key] = tuple(self(v) for v in value)
        elif isinstance(value, dict):
            twin = self.memo[key] = {}
            twin.update((k, self(v)) for k, v in value.items())
        elif isinstance(value, torch.nn.Module):
            try:
                twin = copy.deepcopy(value).to(META)
            except Exception as exc:
                raise _NoTwin(str(exc)) from None
            self.memo[key] = twin
        elif self._learners(value) and hasattr(value, "__dict__"):
            twin = self.memo[key] = object.__new__(type(value))
            twin.__dict__.update((k, self(v)) for k, v in vars(value).items())
        else:
            return value
        self.keep.append(value)
        return twin


def twins(
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
    files: tuple[str, ...] = (),
    method: bool = False,
) -> tuple[tuple[Any, ...], dict[str, Any]] | None:
    """Meta twins of the arguments (see `_Twins`); None when something has none, or
    when a method's `self` has no twin of its own (an object of the tests' classes):
    the meta run must never change the real objects."""
    make = _Twins(files)
    try:
        margs, mkwargs = tuple(make(a) for a in args), {k: make(v) for k, v in kwargs.items()}
    except (_NoTwin, RuntimeError, TypeError):
        return None
    if method and (not args or margs[0] is args[0]):
        return None
    return margs, mkwargs


def _reachable(values: list[Any]) -> Iterator[tuple[str, torch.Tensor]]:
    """(name, tensor) for every tensor reachable from `values`: items of lists, tuples
    and dicts, attributes of objects (a layer's `self.inp`), `.g` of tensors."""
    seen: set[int] = set()
    stack: list[tuple[str, Any]] = [(f"argument {i}", v) for i, v in enumerate(values)]
    while stack:
        name, value = stack.pop()
        if id(value) in seen:
            continue
        seen.add(id(value))
        if isinstance(value, torch.Tensor):
            yield name, value
            g = getattr(value, "g", None)
            if isinstance(g, torch.Tensor):
                stack.append((f"{name}.g", g))
        elif isinstance(value, (list, tuple)):
            stack.extend((f"{name}[{i}]", v) for i, v in enumerate(value))
        elif isinstance(value, dict):
            stack.extend((f"{name}[{k!r}]", v) for k, v in value.items())
        elif isinstance(value, torch.nn.Module):
            stack.extend((f"{name}.{k}", v) for k, v in vars(value).items()
                         if isinstance(v, torch.Tensor) and not k.startswith("_"))
            stack.extend((f"{name}.{k}", v) for k, v in value.named_parameters())
            stack.extend((f"{name}.{k}", v) for k, v in value.named_buffers())
        elif hasattr(value, "__dict__") and not isinstance(value, type):
            stack.extend((f"{name}.{k}", v) for k, v in vars(value).items()
                         if not callable(v))


def on_cpu_only(args: tuple[Any, ...], kwargs: dict[str, Any]) -> bool:
    """True when the call reaches some tensor (a method: through `self` too), and every
    one is on the CPU. The `ctx` of an autograd Function's forward does not count."""
    if args and isinstance(args[0], torch.autograd.function.FunctionCtx):
        args = args[1:]
    devices = {t.device.type for _path, t in _reachable([*args, *kwargs.values()])}
    return devices == {"cpu"}


def _function_class(fn: Callable[..., Any], ctx: Any) -> type[torch.autograd.Function] | None:
    """The autograd Function being applied when `fn` is its `forward`: autograd's ctx
    knows it (`_forward_cls`), whichever class defined the method."""
    owner = getattr(ctx, "_forward_cls", None)
    if getattr(fn, "__name__", "") == "forward" and isinstance(owner, type) and issubclass(
        owner, torch.autograd.Function
    ):
        return owner
    return None


def plan(
    fn: Callable[..., Any],
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
    files: tuple[str, ...],
    method: bool,
) -> tuple[Callable[..., Any], tuple[Any, ...], dict[str, Any]] | None:
    """What to run on meta tensors for this call, and its meta arguments; None when it
    cannot be run there. An autograd Function's `forward(ctx, ...)` is run as autograd
    runs it: `apply` on the meta inputs, then its backward on a meta gradient, so that
    both the output and the gradients must land on the inputs' device. Its `backward`
    call is checked that way too, so it is not planned on its own."""
    if args and isinstance(args[0], torch.autograd.function.FunctionCtx):
        owner = _function_class(fn, args[0])
        made = twins(args[1:], kwargs, files) if owner is not None else None
        if owner is None or made is None:
            return None
        return _apply_and_backward(owner), *made
    made = twins(args, kwargs, files, method)
    return None if made is None else (fn, *made)


def _apply_and_backward(owner: type[torch.autograd.Function]) -> Callable[..., Any]:
    def run(*inputs: Any, **kwargs: Any) -> Any:
        out = owner.apply(*inputs, **kwargs)  # type: ignore[no-untyped-call]
        outs = [o for o in (out if isinstance(out, tuple) else (out,))
                if isinstance(o, torch.Tensor) and o.requires_grad]
        wanted = [t for t in inputs if isinstance(t, torch.Tensor) and t.requires_grad]
        if not outs or not wanted:
            return out
        # (o * 1).sum() rather than grad_outputs: see dojo.grads
        total = torch.stack([(o * torch.ones_like(o)).sum() for o in outs]).sum()
        grads = torch.autograd.grad(total, wanted, allow_unused=True)
        return out, tuple(g for g in grads if g is not None)

    return run


class _Enough(Exception):
    """The meta run did MAX_OPS operations without leaving the device: enough."""


class _Watch(TorchFunctionMode):
    """Notes where the learner's code made a tensor on the CPU, and where it wrote
    meta data into one."""

    def __init__(self, files: tuple[str, ...]) -> None:
        super().__init__()
        self.files = files
        self.made: list[Location] = []
        self.written: list[Location] = []
        self.ops = 0

    def __torch_function__(
        self, func: Any, types: Any, args: tuple[Any, ...] = (), kwargs: Any = None
    ) -> Any:
        kwargs = kwargs or {}
        self.ops += 1
        if self.ops > MAX_OPS and sys._getframe(1).f_code.co_filename in self.files:
            # stopped at an operation of the learner's own: never inside torch's code,
            # which may be half-way through a change of state (torch.no_grad())
            raise _Enough
        inputs = [t for i, a in enumerate(args) for _path, t in tensors_in(a, str(i))]
        inputs += [t for k, v in kwargs.items() for _path, t in tensors_in(v, k)]
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


@contextlib.contextmanager
def _without_importing_dynamo() -> Iterator[None]:
    """Meta kernels of elementwise operations are torch._refs functions wrapped by
    `torch._disable_dynamo`, which imports torch._dynamo on first use: 1 to 1.5 s, the
    whole cost of a meta run otherwise. While torch._dynamo is not loaded, that import
    gets a stand-in whose `disable(fn)` is `fn` (what disabling means outside
    torch.compile), and afterwards every trace of it is removed: the stand-in, and
    the cache each wrapper kept of it. A later real import works as ever."""
    if "torch._dynamo" in sys.modules:
        yield
        return
    touched: list[Any] = []

    def disable(fn: Any, recursive: bool = True, wrapping: bool = True) -> Any:
        touched.append(fn)
        return fn

    stand_in = types.ModuleType("torch._dynamo", "a stand-in during a meta run")
    stand_in.disable = disable  # type: ignore[attr-defined]
    sys.modules["torch._dynamo"] = stand_in
    try:
        yield
    finally:
        if sys.modules.get("torch._dynamo") is stand_in:
            del sys.modules["torch._dynamo"]
        if torch.__dict__.get("_dynamo") is stand_in:
            del torch.__dict__["_dynamo"]
        for fn in touched:
            with contextlib.suppress(AttributeError, TypeError):
                vars(fn).pop("__dynamo_disable", None)


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
    grad_enabled = torch.is_grad_enabled()
    try:
        # the learner's prints and warnings were seen on the real run already
        with watch, _without_importing_dynamo(), warnings.catch_warnings(), \
                contextlib.redirect_stdout(io.StringIO()):
            warnings.simplefilter("ignore")
            result = fn(*margs, **mkwargs)
    except _Enough:
        return None  # a long loop (training) that kept to its device this far
    except Exception as exc:  # anything else (a verdict, Ctrl-C) is the caller's
        failure = exc
    finally:
        torch.set_grad_enabled(grad_enabled)
    made = (
        "\n  " + _("made at {location}").format(location=watch.made[0]) if watch.made else ""
    )
    if failure is not None:
        text = str(failure)
        if any(marker in text for marker in _MIXED):
            return _(
                "{function} mixes a tensor on the CPU with its inputs: on a GPU this line "
                "fails with \"Expected all tensors to be on the same device\""
            ).format(function=name) + at_line(_location_in(failure, files)) + made
        if _NO_DATA in text and watch.written:
            return _(
                "{function} writes its results into a tensor on the CPU: on a GPU, the "
                "result would stay on the CPU (and every write would cross devices)"
            ).format(function=name) + at_line(watch.written[0]) + made
        return None  # needs values (.item(), if x > 0, ...): not checked this way
    if isinstance(result, torch.nn.Module):
        for path, t in _reachable([result]):
            if t.device.type == "cpu" and t.dim() > 0:
                shown = path.replace("argument 0", _("the model"), 1)
                return _(
                    "{function} returns a model whose {attribute} is on the CPU when its "
                    "inputs are on another device: on a GPU, calling it would mix devices"
                ).format(function=name, attribute=shown) + made
        return None
    for path, t in tensors_in(result, "result"):
        if t.device.type == "cpu":
            if path == "result":
                return _(
                    "{function} returns a tensor on the CPU when its inputs are on another "
                    "device: on a GPU the result would not be where the caller's tensors are"
                ).format(function=name) + made
            return _(
                "{function} returns {part} as a tensor on the CPU when its inputs are on "
                "another device: on a GPU the result would not be where the caller's "
                "tensors are"
            ).format(function=name, part=path) + made
    for path, t in _reachable([*margs, *mkwargs.values()]):
        if t.device.type != "cpu" or (t.dim() == 0 and not path.endswith(".g")):
            continue
        if path.endswith(".g"):
            return _(
                "{function} sets a .g on the CPU when its inputs are on another device: "
                "on a GPU the gradient would not be where its tensor is"
            ).format(function=name) + made
        if "." in path:  # an attribute: a layer's self.out, a module's plain tensor
            shown = "self" + path[path.index("."):] if path.startswith("argument 0") else (
                _shown_argument(path)
            )
            return _(
                "{function} keeps {attribute} on the CPU when its inputs are on another "
                "device: on a GPU it would not be where the layer's tensors are (a plain "
                "tensor attribute of an nn.Module is not moved by .to(device): make it an "
                "nn.Parameter, or register_buffer it)"
            ).format(function=name, attribute=shown) + made
    return None


def _shown_argument(path: str) -> str:
    """A path of `_reachable` as a learner reads it: "argument 2.w", in their language."""
    head, _sep, rest = path.partition(" ")
    number = rest[: len(rest) - len(rest.lstrip("0123456789"))]
    if head != "argument" or not number:
        return path
    return _("argument {number}").format(number=number) + rest[len(number):]


def wrong(found: str) -> str:
    """The failure a learner reads: what would happen on a GPU, why the dojo knows,
    and the fix."""
    return f"{found}\n{_(WHY)}\n" + _("Look at: {hint}").format(hint=_(FIX))


@contextlib.contextmanager
def quiet_records(calls: list[Any]) -> Iterator[None]:
    """Keep calls that the meta run makes out of the test's record."""
    kept = len(calls)
    try:
        yield
    finally:
        del calls[kept:]
