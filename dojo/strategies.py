"""Every Hypothesis strategy the graded tests draw from: shapes, operands, tensors.

Tensors are built on the CPU from a drawn seed, kind and layout with a local
`torch.Generator` (never torch's global RNG), so examples are reproducible,
give the same values on every device, and shrink to small integers. Move them
with `to_device` / `on`, which copy and keep their layout. Arguments follow Hypothesis' style:
keyword-only, bounds named `min_*`/`max_*`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import torch
from hypothesis import example
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument
from hypothesis.extra import numpy as hnp

MAX_SIDE = 6  # largest drawn dimension: keeps loop katas fast and examples readable
MAX_DIMS = 4
MAX_MAGNITUDE = 10.0  # values stay within +-10, so tolerances stay meaningful

FLOAT_DTYPES = (torch.float32, torch.float64)
KINDS = ("ints", "normal", "uniform")  # shrinks towards "ints": small whole numbers
LAYOUTS = ("contiguous", "transposed", "strided")

Shape = tuple[int, ...]


def _check_bounds(name: str, low: int, high: int) -> None:
    if low > high:
        raise InvalidArgument(f"min_{name}={low} is larger than max_{name}={high}")


def float_dtypes() -> st.SearchStrategy[torch.dtype]:
    """float32 or float64 (shrinks to float32)."""
    return st.sampled_from(FLOAT_DTYPES)


def shapes(
    *, min_dims: int = 0, max_dims: int = MAX_DIMS, min_side: int = 0, max_side: int = MAX_SIDE
) -> st.SearchStrategy[Shape]:
    """Tensor shapes, zero-size dimensions included unless `min_side` > 0."""
    _check_bounds("dims", min_dims, max_dims)
    _check_bounds("side", min_side, max_side)
    return hnp.array_shapes(
        min_dims=min_dims, max_dims=max_dims, min_side=min_side, max_side=max_side
    )


@st.composite
def matmul_shapes(
    draw: st.DrawFn, *, min_side: int = 0, max_side: int = MAX_SIDE
) -> tuple[Shape, Shape]:
    """Shapes `(n, k)` and `(k, m)` of two matrices that can be multiplied."""
    _check_bounds("side", min_side, max_side)
    side = st.integers(min_side, max_side)
    n, k, m = draw(side), draw(side), draw(side)
    return (n, k), (k, m)


@st.composite
def incompatible_matmul_shapes(
    draw: st.DrawFn, *, max_side: int = MAX_SIDE
) -> tuple[Shape, Shape]:
    """Shapes `(n, k)` and `(j, m)` with `k != j`: `a @ b` must fail."""
    if max_side < 1:
        raise InvalidArgument(f"max_side={max_side}: two different inner sizes need max_side >= 1")
    side = st.integers(0, max_side)
    n, k, m = draw(side), draw(side), draw(side)
    j = (k + draw(st.integers(1, max_side))) % (max_side + 1)  # any size but k
    return (n, k), (j, m)


def broadcastable_shapes(
    *, min_dims: int = 0, max_dims: int = MAX_DIMS, min_side: int = 0, max_side: int = MAX_SIDE
) -> st.SearchStrategy[tuple[Shape, Shape]]:
    """Two mutually broadcastable shapes (zero-size dimensions included)."""
    _check_bounds("dims", min_dims, max_dims)
    _check_bounds("side", min_side, max_side)
    return hnp.mutually_broadcastable_shapes(
        num_shapes=2, min_dims=min_dims, max_dims=max_dims, min_side=min_side, max_side=max_side
    ).map(lambda bs: (tuple(bs.input_shapes[0]), tuple(bs.input_shapes[1])))


@st.composite
def incompatible_shapes(
    draw: st.DrawFn, *, max_dims: int = MAX_DIMS, max_side: int = MAX_SIDE
) -> tuple[Shape, Shape]:
    """Two shapes that do not broadcast: at least one aligned pair of sizes
    differs with neither size equal to 1."""
    if max_dims < 1:
        raise InvalidArgument(f"max_dims={max_dims}: incompatible shapes need a dimension")
    if max_side < 2:
        raise InvalidArgument(
            f"max_side={max_side}: a clash needs two sizes other than 1 (0 and 2 at least)"
        )
    a, b = draw(broadcastable_shapes(min_dims=1, max_dims=max_dims, max_side=max_side))
    a_list, b_list = list(a), list(b)
    # Pick an aligned position (from the right) present in both and make it clash.
    common = min(len(a_list), len(b_list))
    pos = draw(st.integers(1, common))
    sizes = [s for s in range(max_side + 1) if s != 1]
    x = draw(st.sampled_from(sizes))
    y = draw(st.sampled_from([s for s in sizes if s != x]))
    a_list[-pos], b_list[-pos] = x, y
    return tuple(a_list), tuple(b_list)


def _values(shape: Shape, kind: str, seed: int, dtype: torch.dtype) -> torch.Tensor:
    gen = torch.Generator().manual_seed(seed)
    if kind == "ints":
        base = torch.randint(-4, 5, shape, generator=gen).double()
    elif kind == "normal":
        base = torch.randn(shape, generator=gen, dtype=torch.float64).clamp(-4, 4)
    elif kind == "uniform":
        base = (torch.rand(shape, generator=gen, dtype=torch.float64) * 2 - 1) * MAX_MAGNITUDE
    else:  # pragma: no cover - guarded by KINDS
        raise InvalidArgument(f"unknown kind {kind!r}; expected one of {KINDS}")
    return base.to(dtype)


@st.composite
def tensors(
    draw: st.DrawFn,
    shape: Shape,
    *,
    dtype: torch.dtype = torch.float32,
    kinds: Sequence[str] = KINDS,
    layouts: Sequence[str] = LAYOUTS,
) -> torch.Tensor:
    """A CPU tensor of `shape` and `dtype`, values within +-MAX_MAGNITUDE.

    `kinds` picks the values: "ints" (whole numbers in [-4, 4]: ties and exact
    products), "normal", "uniform". `layouts` picks the memory layout:
    "contiguous", "transposed" (a permuted view) or "strided" (every other element).
    """
    if not kinds:
        raise InvalidArgument(f"kinds={list(kinds)!r} is empty; expected some of {KINDS}")
    if not layouts:
        raise InvalidArgument(f"layouts={list(layouts)!r} is empty; expected some of {LAYOUTS}")
    for kind in kinds:
        if kind not in KINDS:
            raise InvalidArgument(f"kinds contains {kind!r}; expected some of {KINDS}")
    for layout in layouts:
        if layout not in LAYOUTS:
            raise InvalidArgument(f"layouts contains {layout!r}; expected some of {LAYOUTS}")
    kind = draw(st.sampled_from(tuple(kinds)), label="kind")
    seed = draw(st.integers(0, 2**32 - 1), label="seed")
    layout = draw(st.sampled_from(tuple(layouts)), label="layout") if len(shape) else "contiguous"
    if layout == "transposed" and len(shape) >= 2:
        base = _values(tuple(reversed(shape)), kind, seed, dtype)
        return base.permute(*reversed(range(len(shape))))
    if layout == "strided" and len(shape) >= 1:
        wide = (*shape[:-1], 2 * shape[-1])
        return _values(wide, kind, seed, dtype)[..., ::2]
    return _values(shape, kind, seed, dtype)


@st.composite
def matmul_operands(
    draw: st.DrawFn, *, min_side: int = 0, max_side: int = MAX_SIDE
) -> tuple[torch.Tensor, torch.Tensor]:
    """Two matrices `(n, k)` and `(k, m)` of one float dtype."""
    a_shape, b_shape = draw(matmul_shapes(min_side=min_side, max_side=max_side), label="shapes")
    dtype = draw(float_dtypes(), label="dtype")
    a = draw(tensors(a_shape, dtype=dtype), label="a")
    return a, draw(tensors(b_shape, dtype=dtype), label="b")


@st.composite
def expandable_shapes(
    draw: st.DrawFn,
    *,
    min_dims: int = 0,
    max_dims: int = MAX_DIMS,
    min_side: int = 0,
    max_side: int = MAX_SIDE,
) -> tuple[Shape, Shape]:
    """A shape and a target it broadcasts to (`broadcast_shapes(shape, target) == target`).

    The shape keeps some trailing dimensions of the target, each with the
    target's size or 1: what `expand`, `expand_as` and `broadcast_to` accept.
    `min_dims`, `max_dims`, `min_side` and `max_side` bound the target.
    """
    target = draw(
        shapes(min_dims=min_dims, max_dims=max_dims, min_side=min_side, max_side=max_side),
        label="target",
    )
    kept = draw(st.integers(0, len(target)), label="kept dims")
    ones = draw(st.lists(st.booleans(), min_size=kept, max_size=kept), label="size-1 dims")
    tail = target[len(target) - kept :]
    source = tuple(1 if one else size for one, size in zip(ones, tail, strict=True))
    return source, target


@st.composite
def broadcastable_operands(
    draw: st.DrawFn,
    *,
    min_dims: int = 0,
    max_dims: int = MAX_DIMS,
    min_side: int = 0,
    max_side: int = MAX_SIDE,
    kinds: Sequence[str] = KINDS,
    layouts: Sequence[str] = LAYOUTS,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Two tensors of one float dtype whose shapes broadcast together."""
    a_shape, b_shape = draw(
        broadcastable_shapes(
            min_dims=min_dims, max_dims=max_dims, min_side=min_side, max_side=max_side
        ),
        label="shapes",
    )
    dtype = draw(float_dtypes(), label="dtype")
    return (
        draw(tensors(a_shape, dtype=dtype, kinds=kinds, layouts=layouts), label="a"),
        draw(tensors(b_shape, dtype=dtype, kinds=kinds, layouts=layouts), label="b"),
    )


def to_device(t: torch.Tensor, device: str | torch.device) -> torch.Tensor:
    """A copy of `t` on `device` with the same shape, strides, storage offset and dtype.

    Always a copy, never `t` itself: code that writes into its inputs cannot
    change the caller's tensors (pinned `@example` tensors are module constants
    shared by every example), and views stay views, offset included.
    """
    size = t.untyped_storage().nbytes() // t.element_size()
    memory = torch.as_strided(t.detach(), (size,), (1,), 0).to(device, copy=True)
    return torch.as_strided(memory, t.shape, t.stride(), t.storage_offset())


def on(device: str | torch.device, *values: Any) -> Any:
    """`to_device` for several values at once; non-tensors pass through."""
    moved = tuple(to_device(v, device) if isinstance(v, torch.Tensor) else v for v in values)
    return moved[0] if len(moved) == 1 else moved


def pinned(name: str, *cases: Any, **fixed: Any) -> Callable[[Any], Any]:
    """Apply `@example(name=case, **fixed)` for each case, in order."""

    def decorate(test: Any) -> Any:
        for case in reversed(cases):
            test = example(**{name: case}, **fixed)(test)
        return test

    return decorate


SQUARE = torch.tensor([[1.0, 2.0], [3.0, 4.0]])  # not symmetric: a transpose shows

# Known traps of any matmul, tried first: an empty matrix, k = 0, 1x1, a square
# non-symmetric pair (a missing transpose or the wrong sum axis keeps the shape),
# float64 (the book's torch.zeros(ar, bc) loses it), a non-contiguous
# (transposed) operand, and a wide b.
MATMUL_PITFALLS: tuple[tuple[torch.Tensor, torch.Tensor], ...] = (
    (torch.zeros(0, 3), torch.zeros(3, 2)),
    (torch.zeros(2, 0), torch.zeros(0, 3)),
    (torch.tensor([[3.0]]), torch.tensor([[-2.0]])),
    (SQUARE, SQUARE + 1),
    (SQUARE.double(), torch.tensor([[0.5, -1.0], [2.0, 0.25]], dtype=torch.float64)),
    (torch.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]).t(), torch.tensor([[1.0, -1.0], [2.0, 0.0]])),
    (torch.tensor([[1.0, 2.0]]), torch.tensor([[1.0, 2.0, 3.0], [-1.0, 0.5, 2.0]])),
)

# Shapes that do not multiply, tried first: equal non-square shapes, a size-1
# mismatch, and empty matrices.
INCOMPATIBLE_MATMUL_PITFALLS: tuple[tuple[Shape, Shape], ...] = (
    ((2, 3), (2, 3)),
    ((1, 1), (2, 1)),
    ((0, 2), (0, 2)),
)
