"""Strategies and checks for the NumPy track: arrays drawn like the PyTorch katas'
tensors, learner results graded against PyTorch itself (through `torch.from_numpy`).

Values come from `dojo.strategies` (same kinds, layouts and pitfalls), so the NumPy
katas meet the same zero-size, non-contiguous and float64 inputs as the PyTorch
ones. Messages speak NumPy: `np.zeros(..., dtype=a.dtype)`, `.T`, arrays printed
as `np.array(...)`.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import torch

from dojo import checks
from dojo import strategies as ds
from dojo.i18n import _
from dojo.outcomes import WrongAnswer

NP_DTYPES = {torch.float32: np.dtype(np.float32), torch.float64: np.dtype(np.float64)}


def from_tensor(t: torch.Tensor) -> np.ndarray:
    """A fresh NumPy array equal to `t`, with its shape, strides and offset (a view of
    new memory when `t` is a view): never `t`'s own memory, so a pinned example
    stays unchanged whatever the learner's code does."""
    return ds.to_device(t, "cpu").numpy()


def arrays(
    shape: ds.Shape,
    *,
    dtype: torch.dtype = torch.float32,
    kinds: Sequence[str] = ds.KINDS,
    layouts: Sequence[str] = ds.LAYOUTS,
) -> Any:
    """An array of `shape` drawn like `dojo.strategies.tensors` (kinds, layouts)."""
    return _arrays(tuple(shape), dtype, tuple(kinds), tuple(layouts))


@functools.lru_cache(maxsize=4096)  # built once per shape: see dojo.strategies._reused
def _arrays(
    shape: ds.Shape, dtype: torch.dtype, kinds: tuple[str, ...], layouts: tuple[str, ...]
) -> Any:
    return ds.tensors(shape, dtype=dtype, kinds=kinds, layouts=layouts).map(from_tensor)


def tensor(a: Any) -> torch.Tensor:
    """A learner's array (or NumPy scalar) as a CPU tensor, for PyTorch to check."""
    return torch.from_numpy(np.array(a, copy=True))


def _dtype_hint(want: np.dtype) -> str:
    return _(
        "the inputs are {want}, so the result must be too. An array you create "
        "(np.zeros((n, m)), np.array(...)) is float64 unless you pass dtype=: write "
        "np.zeros((n, m), dtype=a.dtype) or np.zeros_like(...)."
    ).format(want=want)


def assert_array(
    got: Any,
    expected: torch.Tensor,
    *,
    dtype: np.dtype,
    bound: torch.Tensor | float | None = None,
    name: str = "result",
    hint: str | Callable[[], str] = "",
    scalar: bool = False,
    dtype_hint: str = "",
) -> None:
    """`got` is a NumPy array of `expected`'s shape and of `dtype` (`assert_like`), with
    values within `bound` of `expected` (a tensor, computed in float64 by PyTorch)."""
    __tracebackhide__ = True
    got = assert_like(
        got, tuple(expected.shape), dtype=dtype, name=name,
        hint=hint if isinstance(hint, str) else "", scalar=scalar, dtype_hint=dtype_hint,
    )
    assert_values(got, expected, bound=bound, name=name, hint=hint)


def assert_like(
    got: Any,
    shape: tuple[int, ...],
    *,
    dtype: np.dtype,
    name: str = "result",
    hint: str = "",
    scalar: bool = False,
    dtype_hint: str = "",
) -> np.ndarray:
    """The first half of `assert_array`: `got` is a NumPy array of `shape` and `dtype`
    (values are not compared); returns it as an array.

    With `scalar`, a NumPy scalar of `dtype` (what `a @ b` of two vectors gives) or a
    0-d array passes too; where the shape is (), a NumPy scalar always does (a ufunc on
    a 0-d array returns one). `dtype_hint` replaces the general advice on a wrong dtype.
    """
    __tracebackhide__ = True
    if (scalar or shape == ()) and isinstance(got, np.generic):
        got = np.asarray(got)
    if not isinstance(got, np.ndarray):
        what = _("a NumPy scalar") if scalar else _("a numpy.ndarray of shape {shape}").format(
            shape=shape
        )
        raise checks.fail(
            _("{name} is {what}, but should be {expected}").format(
                name=name, what=checks.type_name(got, returned=True), expected=what
            ),
            hint,
        )
    if got.shape != shape:
        raise checks.fail(
            _("{name}.shape={got}, but should be {want}").format(
                name=name, got=got.shape, want=shape
            ),
            hint or checks.shape_hint(got.shape, shape, arrays=True),
        )
    if got.dtype != dtype:
        raise checks.fail(
            _("{name}.dtype={got}, but should be {want}").format(
                name=name, got=got.dtype, want=dtype
            ),
            dtype_hint or _dtype_hint(dtype),
        )
    return got


def assert_values(
    got: np.ndarray,
    expected: torch.Tensor,
    *,
    bound: torch.Tensor | float | None = None,
    name: str = "result",
    hint: str | Callable[[], str] = "",
) -> None:
    """Values only (shape and dtype checked): `checks.assert_values`, showing arrays."""
    __tracebackhide__ = True
    checks.assert_values(
        tensor(got), expected, bound=bound, name=name, hint=hint,
        show=lambda t: repr(t.detach().cpu().numpy()),
    )


def matmul_hint(got: np.ndarray, a: np.ndarray, b: np.ndarray) -> str:
    """`checks.matmul_hint` (what a wrong product looks like), in NumPy's words."""
    try:
        text = checks.matmul_hint(tensor(got), tensor(a), tensor(b))
    except Exception:
        return _(checks.MATMUL_RULE)
    return text.replace(".t()", ".T")


def assert_matmul(got: Any, a: np.ndarray, b: np.ndarray) -> None:
    """`got` is `a @ b`: an array of the right shape, of a's dtype, values within
    `checks.matmul_bound`; a mismatch ends with what it looks like."""
    __tracebackhide__ = True
    ta, tb = tensor(a), tensor(b)
    expected = torch.matmul(ta.double(), tb.double())
    assert_array(
        got, expected, dtype=a.dtype, bound=checks.matmul_bound(ta, tb),
        hint=lambda: matmul_hint(got, a, b),
    )


def assert_matmul_rejects(
    fn: Any, shapes: tuple[Sequence[int], Sequence[int]], *, dtype: torch.dtype
) -> None:
    """`fn` called on zero arrays of `shapes` (which do not fit) must raise an exception
    that names both shapes."""
    __tracebackhide__ = True
    a, b = (np.zeros(tuple(shape), dtype=NP_DTYPES[dtype]) for shape in shapes)
    call = _("{function}(a, b) with a.shape={a_shape}, b.shape={b_shape}").format(
        function=fn.__name__, a_shape=a.shape, b_shape=b.shape
    )
    why = _("a's columns must match b's rows")
    with checks.raises(call, shapes=(a.shape, b.shape), why=why):
        fn(a, b)


def assert_gradients(
    got: Mapping[str, Any],
    expected: Mapping[str, torch.Tensor] | Sequence[Mapping[str, torch.Tensor]],
    *,
    dtype: np.dtype,
    bounds: Mapping[str, torch.Tensor | float] | None = None,
    hints: Mapping[str, str] | None = None,
) -> None:
    """Each array of `got` ("inp_g": the learner's gradient) against the float64
    gradient `expected` has under the same name, within `bounds`. Where more than one
    answer is right (ReLU's derivative at exactly 0), pass a sequence of mappings: all
    gradients must match one of them; a failure shows the first answer's mismatch."""
    __tracebackhide__ = True
    answers = [expected] if isinstance(expected, Mapping) else list(expected)
    bounds, hints = bounds or {}, hints or {}
    first: WrongAnswer | None = None
    for answer in answers:
        try:
            for name, want in answer.items():
                assert_array(
                    got[name], want, dtype=dtype, bound=bounds.get(name), name=name,
                    hint=hints.get(name, ""),
                )
        except WrongAnswer as exc:
            first = first or exc
            continue
        return
    assert first is not None
    raise first
