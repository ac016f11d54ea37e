"""Assertions for graded tests: type, shape, dtype and device first, values last.

Every helper hides its own frame and raises `WrongAnswer` with one format:
`result.shape=(3, 5), but should be (3, 4)`, followed by what to look at.
Tolerances come from rounding-error bounds, so a correct implementation passes
whatever order it sums in. The learner's output is never broadcast, squeezed
or cast to make it comparable.
"""

from __future__ import annotations

import contextlib
import math
import re
from collections.abc import Iterator, Sequence
from typing import Any

import torch

from dojo.outcomes import WrongAnswer

SHOW_BOTH_UP_TO = 36  # elements: small tensors are printed in full on a mismatch

_UNIT_ROUNDOFF = {
    torch.float16: 2.0**-11,
    torch.bfloat16: 2.0**-8,
    torch.float32: 2.0**-24,
    torch.float64: 2.0**-53,
}


def unit_roundoff(dtype: torch.dtype) -> float:
    """Half the distance from 1.0 to the next number of `dtype`."""
    return _UNIT_ROUNDOFF[dtype]


def sum_bound(dtype: torch.dtype, terms: int, magnitude: torch.Tensor | float) -> Any:
    """Largest error of a correct sum of `terms` products in `dtype`, in any order.

    `magnitude` is the sum of the absolute values of the terms (elementwise for a
    tensor). Higham's bound for recursive summation, (n u) / (1 - n u), holds for
    any order and any blocking, plus a product rounding and the final rounding,
    times a safety factor of 2.
    """
    u = unit_roundoff(dtype)
    n = max(terms, 1) + 2
    return 2 * n * u / (1 - n * u) * magnitude


def matmul_bound(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """Elementwise error bound for a correct `a @ b` in `a.dtype` (float64, on CPU)."""
    magnitude = a.detach().double().cpu().abs() @ b.detach().double().cpu().abs()
    return sum_bound(a.dtype, a.shape[-1], magnitude)  # type: ignore[no-any-return]


def cpu64(*tensors: torch.Tensor | None) -> tuple[Any, ...]:
    """float64 copies on the CPU, where expected values and bounds are computed
    (a `None`, such as a missing bias, stays `None`)."""
    return tuple(None if t is None else t.detach().cpu().double() for t in tensors)


def fail(message: str, hint: str = "") -> WrongAnswer:
    """A wrong answer in the one message format: what differs, then "Look at: hint"."""
    return WrongAnswer(message + (f"\nLook at: {hint}" if hint else ""))


def _dtype_hint(got: torch.dtype, want: torch.dtype) -> str:
    return (
        f"the inputs are {want}, so the result must be too. A tensor you create "
        "(torch.zeros(n, m), torch.tensor(...)) is float32 unless you pass dtype=, and "
        ".float() or .item() lose float64: write a.new_zeros(n, m), or pass "
        "dtype=a.dtype, device=a.device."
    )


def _device_hint() -> str:
    return (
        "the result must stay on the inputs' device. A tensor made with torch.zeros(n, m) "
        "lives on the CPU: pass device=a.device (or write a.new_zeros(n, m))."
    )


def assert_tensor(
    got: Any,
    expected: torch.Tensor,
    *,
    dtype: torch.dtype | None = None,
    device: torch.device | str | None = None,
    bound: torch.Tensor | float | None = None,
    name: str = "result",
    hint: str = "",
) -> None:
    """Check `got` is a tensor like `expected`: shape, dtype, device, then values.

    `expected` may be computed in float64; `dtype` and `device` say what `got`
    must have (by default those of `expected`). `bound` is the largest error
    allowed per element (a tensor that broadcasts to the shape, or a number);
    by default the result must be exact.
    """
    __tracebackhide__ = True
    dtype = expected.dtype if dtype is None else dtype
    device = expected.device if device is None else torch.device(device)
    if not isinstance(got, torch.Tensor):
        raise fail(
            f"{name} is {type_name(got, returned=True)}, but should be a torch.Tensor of shape "
            f"{tuple(expected.shape)}",
            hint,
        )
    if got.shape != expected.shape:
        raise fail(
            f"{name}.shape={tuple(got.shape)}, but should be {tuple(expected.shape)}",
            hint or _shape_hint(got.shape, expected.shape),
        )
    if got.dtype != dtype:
        raise fail(
            f"{name}.dtype={got.dtype}, but should be {dtype}", _dtype_hint(got.dtype, dtype)
        )
    if got.device != device:
        raise fail(f"{name}.device={got.device}, but should be {device}", _device_hint())
    assert_values(got, expected, bound=bound, name=name, hint=hint)


def _shape_hint(got: Sequence[int], want: Sequence[int]) -> str:
    if tuple(got) == tuple(reversed(want)) and len(want) == 2:
        return "the result is transposed: rows of the result come from rows of the first input."
    if len(got) != len(want):
        return (
            f"the result has {len(got)} dimensions instead of {len(want)}: "
            "check which dimensions a reduction (sum, mean) removes or keeps, and any broadcasting."
        )
    return "work out the result's shape from the inputs' shapes before computing anything."


def type_name(value: Any, *, returned: bool = False) -> str:
    """How a message names what a learner's code produced: "a list", "a torch.nn.Linear";
    a `returned` None asks whether the function forgot to return."""
    if value is None:
        return "None (did the function forget to return?)" if returned else "None"
    return f"a {type(value).__module__}.{type(value).__qualname__}".replace("builtins.", "")


def assert_values(
    got: torch.Tensor,
    expected: torch.Tensor,
    *,
    bound: torch.Tensor | float | None = None,
    name: str = "result",
    hint: str = "",
) -> None:
    """Compare values only (shape already checked), allowing `bound` per element."""
    __tracebackhide__ = True
    g = got.detach().cpu().double()
    e = expected.detach().cpu().double()
    allowed = torch.as_tensor(0.0 if bound is None else bound, dtype=torch.float64).cpu()
    err = (g - e).abs()
    ok = (err <= allowed) | (g == e) | (g.isnan() & e.isnan())
    if bool(ok.all()):
        return
    bad = (~ok).nonzero()
    first = tuple(int(i) for i in bad[0])
    allow = allowed.expand_as(e)[first].item() if allowed.dim() else allowed.item()
    lines = [
        f"{name}{list(first) if first else ''}={g[first].item()!r}, but should be "
        f"{e[first].item()!r} (allowed error {allow:.3g}); "
        f"{len(bad)} of {e.numel()} values differ",
    ]
    if e.numel() <= SHOW_BOTH_UP_TO:
        lines.append(f"got:\n{_indent(got)}\nexpected:\n{_indent(expected.to(got.dtype))}")
    raise fail("\n".join(lines), hint)


def _indent(t: torch.Tensor) -> str:
    return "\n".join("    " + line for line in repr(t.detach().cpu()).splitlines())


def assert_exact_type(
    got: Any, expected_type: type, *, name: str = "result", hint: str = ""
) -> None:
    """`type(got) is expected_type`: a numpy float or a 0-dim tensor is not a float."""
    __tracebackhide__ = True
    if type(got) is not expected_type:
        raise fail(
            f"{name} is {type_name(got, returned=True)}, "
            f"but should be a Python {expected_type.__name__}",
            hint,
        )


def assert_number(
    got: Any, expected: float, *, bound: float = 0.0, name: str = "result", hint: str = ""
) -> None:
    """A Python int or float (not bool, not numpy, not a tensor) within `bound`."""
    __tracebackhide__ = True
    if type(got) not in (int, float):
        raise fail(
            f"{name} is {type_name(got, returned=True)}, but should be a Python number", hint
        )
    if not (abs(got - expected) <= bound or (math.isnan(got) and math.isnan(expected))):
        raise fail(f"{name}={got!r}, but should be {expected!r} (allowed error {bound:.3g})", hint)


def assert_equal(got: Any, expected: Any, *, name: str = "result", hint: str = "") -> None:
    """Exact equality, type included (`(2, 3)` is not `[2, 3]` or `torch.Size([2, 3])`)."""
    __tracebackhide__ = True
    if type(got) is not type(expected):
        raise fail(
            f"{name} is {type_name(got, returned=True)}, "
            f"but should be a {type(expected).__name__}: {expected!r}",
            hint,
        )
    if got != expected:
        raise fail(f"{name}={got!r}, but should be {expected!r}", hint)


def assert_view_of(
    got: torch.Tensor,
    source: torch.Tensor,
    expected: torch.Tensor,
    *,
    name: str = "result",
    source_name: str = "the input",
    hint: str = "",
) -> None:
    """`got` reads `source`'s memory (no copy) laid out like the view `expected`.

    Checks, in order: the storage is `source`'s, the storage offset is
    `expected`'s, and the stride of every dimension of size > 1 is `expected`'s
    (the stride of a dimension of size 0 or 1 is never used, so any is fine).
    Offsets and strides matter only when there are elements. Check shape,
    dtype, device and values first (`assert_tensor`).
    """
    __tracebackhide__ = True
    if got.untyped_storage().data_ptr() != source.untyped_storage().data_ptr():
        raise fail(
            f"{name} does not share the memory of {source_name}: it is a copy, "
            "but should be a view",
            hint
            or "build the result from the input's own memory (torch.as_strided), "
            "without any operation that copies values.",
        )
    if got.numel() == 0:
        return
    if got.storage_offset() != expected.storage_offset():
        raise fail(
            f"{name}.storage_offset()={got.storage_offset()}, but should be "
            f"{expected.storage_offset()}",
            hint
            or f"{source_name} may start partway into its memory: its storage_offset() says where.",
        )
    for dim, size in enumerate(got.shape):
        if size > 1 and got.stride(dim) != expected.stride(dim):
            raise fail(
                f"{name}.stride()={tuple(got.stride())}, but should be "
                f"{tuple(expected.stride())} (dimension {dim}, of size {size})",
                hint
                or "a stride of 0 repeats the same memory along a dimension; "
                "anywhere else keep the input's own stride.",
            )


def shape_forms(shape: Sequence[int]) -> tuple[str, ...]:
    """Ways a message may write a shape: (2, 3), [2, 3], torch.Size([2, 3]), 2x3."""
    dims = [str(d) for d in shape]
    forms = [str(tuple(shape)), str(list(shape))]
    if len(dims) > 1:
        forms += ["x".join(dims), " x ".join(dims), "×".join(dims), " × ".join(dims)]
    return tuple(forms)


@contextlib.contextmanager
def raises(
    call: str,
    exc_type: type[BaseException] = Exception,
    *,
    shapes: Sequence[Sequence[int]] = (),
    match: str | None = None,
    names: str = "",
    why: str,
) -> Iterator[None]:
    """The block must raise `exc_type` whose message names every shape in `shapes`
    and contains a match of the regular expression `match`.

    `call` describes the call for the message, `why` says why it must raise, and
    `names` says what a message matching `match` names ("the letter 'j'").
    """
    __tracebackhide__ = True
    try:
        yield
    except exc_type as exc:
        message = str(exc)
        if match is not None and not re.search(match, message):
            raise fail(
                f"{call} raised {type(exc).__name__}({message!r}), but the message should "
                f"name {names or repr(match)}",
                f"{why}; say which in the message.",
            ) from None
        for shape in shapes:
            if not any(form in message for form in shape_forms(shape)):
                raise fail(
                    f"{call} raised {type(exc).__name__}({message!r}), but the message should "
                    f"name the shape {tuple(shape)}",
                    "put every shape involved in the message, e.g. "
                    "f'shapes {a.shape} and {b.shape} do not fit'.",
                ) from None
        return
    except Exception as exc:
        if exc_type is Exception:
            raise
        raise fail(
            f"{call} raised {type(exc).__name__}, but should raise {exc_type.__name__}: {why}",
        ) from None
    raise fail(f"{call} returned normally, but should raise {exc_type.__name__}: {why}")


def assert_matmul(got: Any, a: torch.Tensor, b: torch.Tensor) -> None:
    """`got` is `a @ b`: shape, a's dtype and device, values within `matmul_bound`."""
    __tracebackhide__ = True
    expected = torch.matmul(a.detach().double(), b.detach().double())
    assert_tensor(got, expected, dtype=a.dtype, device=a.device, bound=matmul_bound(a, b))


def assert_matmul_rejects(
    fn: Any,
    shapes: tuple[Sequence[int], Sequence[int]],
    *,
    dtype: torch.dtype,
    device: torch.device | str,
) -> None:
    """Matmul `fn` called on zero matrices of `shapes` (which do not fit) must raise
    an exception naming both shapes. The values do not matter, only the shapes."""
    __tracebackhide__ = True
    a, b = (torch.zeros(tuple(shape), dtype=dtype, device=device) for shape in shapes)
    call = f"{fn.__name__}(a, b) with a.shape={tuple(a.shape)}, b.shape={tuple(b.shape)}"
    with raises(call, shapes=(a.shape, b.shape), why="a's columns must match b's rows"):
        fn(a, b)
