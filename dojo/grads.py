"""The gradient oracle: what `torch.autograd` says every `.g` should be.

The backward-pass katas (07 to 10) compute gradients by hand. Their tests run
the same computation with autograd, in float64 on the CPU, on the same inputs
and with a random upstream gradient (never only `out.sum()`: a bug that
cancels under an all-ones upstream must show), then compare every `.g` the
learner set: present, a tensor, shape, dtype, device, values.

    out, expected = grads.autograd(lambda x, w, b: x @ w + b, inp=x, w=w, b=b, upstream=up)
    grads.assert_grads({"inp": x, "w": w, "b": b}, expected, bounds=..., function="lin_grad")
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable, Iterator, Mapping, Sequence
from types import FrameType

import torch
from hypothesis import strategies as st

from dojo import guard, show
from dojo.checks import SHOW_BOTH_UP_TO, assert_values, fail, hinting, type_name
from dojo.i18n import N_, _
from dojo.outcomes import WrongAnswer
from dojo.strategies import tensors

Expected = Mapping[str, torch.Tensor]


def autograd(
    fn: Callable[..., torch.Tensor],
    upstream: torch.Tensor | None = None,
    **inputs: torch.Tensor,
) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
    """Run `fn(**inputs)` with autograd on float64 CPU copies of the inputs.

    Returns the output and, for every floating-point input, the gradient of
    `(output * upstream).sum()` with respect to it (zeros where the output does
    not depend on it). `upstream` defaults to ones, which only fits a 0-dim
    output such as a loss.
    """
    leaves = {
        name: (
            t.detach().cpu().double().requires_grad_()
            if t.is_floating_point()
            else t.detach().cpu()
        )
        for name, t in inputs.items()
    }
    with torch.enable_grad():
        out = fn(**leaves)
    differentiable = {name: t for name, t in leaves.items() if t.requires_grad}
    up = torch.ones_like(out) if upstream is None else upstream.detach().cpu().double()
    # (out * up).sum() rather than grad_outputs=up: the same gradients, and passing
    # grad_outputs makes torch import torch.fx's shape machinery (1.3 s) on first use.
    found = torch.autograd.grad(
        (out * up).sum(), list(differentiable.values()), allow_unused=True
    ) if differentiable and out.requires_grad else [None] * len(differentiable)
    return out.detach(), {
        name: torch.zeros_like(t) if g is None else g.detach()
        for (name, t), g in zip(differentiable.items(), found, strict=True)
    }


@st.composite
def upstream_gradients(
    draw: st.DrawFn, shape: Sequence[int], *, dtype: torch.dtype = torch.float32
) -> torch.Tensor:
    """A random upstream gradient (`out.g`) of `shape`: never all one value when it has
    two elements or more, so a gradient that ignores it, or sums it away, shows."""
    return draw(_varied_tensors(tuple(shape), dtype), label="upstream")


@functools.lru_cache(maxsize=4096)  # built once per shape: see dojo.strategies._reused
def _varied_tensors(shape: tuple[int, ...], dtype: torch.dtype) -> st.SearchStrategy[torch.Tensor]:
    return tensors(shape, dtype=dtype).filter(_varied)


def _varied(t: torch.Tensor) -> bool:
    return t.numel() < 2 or not bool((t == t.flatten()[0]).all())


def _tensor_block(name: str, t: torch.Tensor) -> str:
    return f"  {name} = {show.tensor_code(t)}"


def assert_grads(
    tensors: Mapping[str, torch.Tensor],
    expected: Expected | Sequence[Expected],
    *,
    bounds: Mapping[str, torch.Tensor | float] | None = None,
    function: str = N_("your code"),
    hints: Mapping[str, str] | None = None,
    inputs: Mapping[str, torch.Tensor] | None = None,
) -> None:
    """Check the `.g` that `function` set on each of `tensors` against `expected`.

    `tensors` maps a name the learner knows ("inp", "w", "b") to the tensor that
    should carry `.g`; `expected` maps the same names to float64 gradients (from
    `autograd`). Where more than one answer is right (ReLU's derivative at exactly
    0), pass a sequence of such mappings: all gradients must match one of them.
    `bounds` gives the rounding error allowed per name (exact by default).
    `inputs`, when given, are shown on a value mismatch if they are small.
    """
    __tracebackhide__ = True
    function = _(function) if function else function
    answers = [expected] if isinstance(expected, Mapping) else list(expected)
    bounds = bounds or {}
    hints = hints or {}
    for name, t in tensors.items():  # presence, type, shape, dtype, device: all answers agree
        want = answers[0][name]
        hint = hints.get(name, "")
        if not hasattr(t, "g"):
            raise fail(
                _("{function} did not set `{name}.g`").format(function=function, name=name),
                hint or _(
                    "store the gradient on the tensor itself: `{name}.g = ...`, a tensor of "
                    "{name}'s shape {shape}."
                ).format(name=name, shape=tuple(t.shape)),
            )
        g = t.g
        if not isinstance(g, torch.Tensor):
            raise fail(
                _("`{name}.g` is {what}, but should be a torch.Tensor of shape {shape}").format(
                    name=name, what=type_name(g), shape=tuple(want.shape)
                ),
                hint,
            )
        if g.shape != want.shape:
            raise fail(
                _("`{name}.g` differs: expected shape {want}, got {got}").format(
                    name=name, want=tuple(want.shape), got=tuple(g.shape)
                ),
                hint or _grad_shape_hint(name, tuple(g.shape), tuple(want.shape)),
            )
        if g.dtype != t.dtype:
            raise fail(
                _("`{name}.g` differs: expected dtype {want} (the dtype of {name}), "
                  "got {got}").format(name=name, want=t.dtype, got=g.dtype),
                _("a gradient has the dtype of its tensor: build it from the tensors you "
                  "were given, not with torch.zeros(...) or .float()."),
            )
        if g.device != t.device:
            raise fail(
                _("`{name}.g` differs: expected device {want} (the device of {name}), "
                  "got {got}").format(name=name, want=t.device, got=g.device),
                _("a gradient lives on its tensor's device: build it from the tensors you "
                  "were given (torch.zeros_like(x), x.new_zeros(...))."),
            )
    first_failure: tuple[str, AssertionError] | None = None
    for answer in answers:
        try:
            for name, t in tensors.items():
                failing = name
                assert_values(
                    t.g, answer[name], bound=bounds.get(name), name=f"{name}.g",  # type: ignore[attr-defined]
                    hint=hints.get(name, ""),
                )
        except AssertionError as exc:
            first_failure = first_failure or (failing, exc)
        else:
            return
    assert first_failure is not None
    message = _("`{name}.g` differs: {failure}").format(
        name=first_failure[0], failure=first_failure[1]
    )
    small = {k: v for k, v in (inputs or {}).items() if v.numel() <= SHOW_BOTH_UP_TO}
    if small:
        message += "\n" + _("{label}:").format(label=_("On these inputs")) + "\n" + "\n".join(
            _tensor_block(k, v) for k, v in small.items()
        )
    raise WrongAnswer(message) from None


def _grad_shape_hint(name: str, got: tuple[int, ...], want: tuple[int, ...]) -> str:
    if len(want) == 2 and got == tuple(reversed(want)):
        return _(
            "`{name}.g` looks transposed. A gradient has exactly the shape of its tensor: "
            "{name} is {shape}, so {name}.g is too. Work out which product of the upstream "
            "gradient and the other input gives that shape."
        ).format(name=name, shape=want)
    if len(got) > len(want):
        return _(
            "`{name}.g` has more dimensions than {name}: a dimension that {name} was "
            "broadcast along (the batch, for a bias) must be summed away."
        ).format(name=name)
    if len(got) < len(want):
        return _(
            "`{name}.g` has fewer dimensions than {name}: check which dimension you summed "
            "over, or a squeeze that went too far."
        ).format(name=name)
    return _(
        "a gradient has exactly the shape of its tensor: {name} is {shape}. If you summed "
        "the upstream gradient, sum over the dimension that was broadcast (the batch)."
    ).format(name=name, shape=want)


# --- a .g read before it was set ------------------------------------------------------


def missing_g(exc: BaseException, files: Sequence[str] | None = None) -> list[tuple[str, str]]:
    """Where the learner's code read a `.g` that nothing had set.

    For `AttributeError: 'Tensor' object has no attribute 'g'`, the frames of
    `files` (by default the learner's files the guard knows; every frame when it
    knows none) that hold the tensor in a local variable, innermost first, as
    (function, variable) pairs: [("relu_grad", "out"), ("forward_and_backward",
    "l2")] means relu_grad read out.g, which forward_and_backward calls l2. Empty
    for any other exception.
    """
    if not isinstance(exc, AttributeError) or getattr(exc, "name", None) != "g":
        return []
    obj = getattr(exc, "obj", None)
    if not isinstance(obj, torch.Tensor):
        return []
    own = tuple(guard.current().files if files is None else files)
    frames: list[FrameType] = []
    tb = exc.__traceback__
    while tb is not None:
        frames.append(tb.tb_frame)
        tb = tb.tb_next
    found = []
    for frame in reversed(frames):
        if own and frame.f_code.co_filename not in own:
            continue
        names = [name for name, value in frame.f_locals.items() if value is obj]
        if names:
            found.append((frame.f_code.co_name, names[0]))
    return found


def where_g_was_read(found: Sequence[tuple[str, str]]) -> str:
    """"relu_grad read `out.g` (`l2.g` in forward_and_backward)", from `missing_g`."""
    function, name = found[0]
    also = ", ".join(
        _("`{name}.g` in {function}").format(name=n, function=f)
        for f, n in found[1:] if n != name
    )
    if also:
        return _("{function} read `{name}.g` ({also})").format(
            function=function, name=name, also=also
        )
    return _("{function} read `{name}.g`").format(function=function, name=name)


@contextlib.contextmanager
def explaining_missing_g(explain: Callable[[str], str]) -> Iterator[None]:
    """A `.g` read before it was set, in the block, gets a "Look at:" note:
    `explain(where)`, with `where` as `where_g_was_read` says it. The exception, the
    learner's, goes on: the test reports a crash, with what to look at."""
    def hint(exc: BaseException) -> str:
        found = missing_g(exc)
        return explain(where_g_was_read(found)) if found else ""

    with hinting(hint):
        yield
