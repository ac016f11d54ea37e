"""Every Hypothesis strategy the graded tests draw from: shapes, operands, tensors.

Tensors are built on the CPU from a drawn seed, kind and layout with a local
`torch.Generator` (never torch's global RNG), so examples are reproducible,
give the same values on every device, and shrink to small integers. Move them
with `to_device` / `on`, which copy and keep their layout. Arguments follow Hypothesis' style:
keyword-only, bounds named `min_*`/`max_*`.
"""

from __future__ import annotations

import functools
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


_FLOAT_DTYPES = st.sampled_from(FLOAT_DTYPES)


def float_dtypes() -> st.SearchStrategy[torch.dtype]:
    """float32 or float64 (shrinks to float32)."""
    return _FLOAT_DTYPES


# Hypothesis validates each strategy object on its first draw, and a composite that
# draws `tensors(shape)` builds a new one for every example: the validation cost a
# third of the drawing. The strategies other composites draw from are built once per
# argument set instead (they hold no state, so sharing them changes no example).
_reused = functools.lru_cache(maxsize=4096)


@_reused
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


@_reused
def broadcastable_shapes(
    *, min_dims: int = 0, max_dims: int = MAX_DIMS, min_side: int = 0, max_side: int = MAX_SIDE
) -> st.SearchStrategy[tuple[Shape, Shape]]:
    """Two mutually broadcastable shapes (zero-size dimensions included)."""
    _check_bounds("dims", min_dims, max_dims)
    _check_bounds("side", min_side, max_side)
    return hnp.mutually_broadcastable_shapes(
        num_shapes=2, min_dims=min_dims, max_dims=max_dims, min_side=min_side, max_side=max_side
    ).map(_two_shapes)


def _two_shapes(shapes: Any) -> tuple[Shape, Shape]:
    return tuple(shapes.input_shapes[0]), tuple(shapes.input_shapes[1])


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


def tensors(
    shape: Sequence[int],
    *,
    dtype: torch.dtype = torch.float32,
    kinds: Sequence[str] = KINDS,
    layouts: Sequence[str] = LAYOUTS,
) -> st.SearchStrategy[torch.Tensor]:
    """A CPU tensor of `shape` and `dtype`, values within +-MAX_MAGNITUDE.

    `kinds` picks the values: "ints" (whole numbers in [-4, 4]: ties and exact
    products), "normal", "uniform". `layouts` picks the memory layout:
    "contiguous", "transposed" (a permuted view) or "strided" (every other element).
    """
    return _tensors(tuple(shape), dtype, tuple(kinds), tuple(layouts))


@_reused
def _tensors(
    shape: Shape, dtype: torch.dtype, kinds: tuple[str, ...], layouts: tuple[str, ...]
) -> st.SearchStrategy[torch.Tensor]:
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
    return _drawn_tensors(shape, dtype, st.sampled_from(kinds), st.sampled_from(layouts))


_SEEDS = st.integers(0, 2**32 - 1)


@st.composite
def _drawn_tensors(
    draw: st.DrawFn,
    shape: Shape,
    dtype: torch.dtype,
    kinds: st.SearchStrategy[str],
    layouts: st.SearchStrategy[str],
) -> torch.Tensor:
    kind = draw(kinds, label="kind")
    seed = draw(_SEEDS, label="seed")
    layout = draw(layouts, label="layout") if len(shape) else "contiguous"
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
def expand_cases(
    draw: st.DrawFn,
) -> tuple[torch.Tensor, int | None, Shape]:
    """(base, index, target shape) for `expand_like` (katas 03 and 13): v is base, or
    base[index], a view that starts partway into base's memory (a storage offset), and
    v's shape broadcasts to the target (see `expandable_shapes`)."""
    v_shape, target = draw(expandable_shapes(), label="shapes")
    dtype = draw(float_dtypes(), label="dtype")
    index = draw(st.sampled_from((None, 1)), label="index")
    shape = v_shape if index is None else (2, *v_shape)
    return draw(tensors(shape, dtype=dtype), label="base"), index, target


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


# --- einsum (04_einsum) -------------------------------------------------------

EINSUM_LETTERS = "abcdefghijklmnopqrstuvwxyz"
EINSUM_MAX_LETTERS = 2 * MAX_DIMS  # distinct letters in one equation: keeps products small

# What can be wrong with a two-operand einsum call other than a size (see
# `malformed_einsum_cases`); each kind is one defect in an otherwise valid call.
EINSUM_DEFECTS = (
    "arrow",  # no '->', or more than one
    "character",  # something other than a-z, ',' and '->': 'I', '1', '.', '...'
    "repeated letter",  # a letter twice in one operand
    "unknown output letter",  # an output letter in neither input
    "repeated output letter",  # an output letter twice
    "dimensions",  # an operand's number of dimensions differs from its letters
    "operands",  # one or three operands in the equation, for two tensors
)


def einsum_parts(equation: str) -> tuple[str, str, str]:
    """The subscripts of a valid two-operand equation: 'ij,jk->ik' gives ('ij', 'jk', 'ik')."""
    inputs, arrow, output = equation.partition("->")
    x, comma, y = inputs.partition(",")
    if not arrow or not comma:
        raise InvalidArgument(f"equation={equation!r} is not of the form 'x,y->output'")
    return x, y, output


@st.composite
def einsum_equations(
    draw: st.DrawFn,
    *,
    min_dims: int = 0,
    max_dims: int = MAX_DIMS,
    max_letters: int = EINSUM_MAX_LETTERS,
) -> str:
    """A valid explicit two-operand einsum equation, such as 'ij,jk->ik'.

    Each operand has `min_dims` to `max_dims` distinct lower-case letters (0 is
    a 0-dim operand), the two may share letters, and the output is some of the
    letters (none to all, each once) in any order: a letter left out is
    summed, whether it is in one operand or in both. At most `max_letters`
    distinct letters, taken from the whole alphabet.
    """
    _check_bounds("dims", min_dims, max_dims)
    if min_dims < 0:
        raise InvalidArgument(f"min_dims={min_dims} is negative")
    if max_letters < min_dims or max_letters > len(EINSUM_LETTERS):
        raise InvalidArgument(
            f"max_letters={max_letters}: an operand needs min_dims={min_dims} distinct "
            f"letters, and there are {len(EINSUM_LETTERS)} letters"
        )
    dims = st.integers(min_dims, min(max_dims, max_letters))
    x_dims, y_dims = draw(dims, label="x dims"), draw(dims, label="y dims")
    count = draw(
        st.integers(max(x_dims, y_dims), min(x_dims + y_dims, max_letters)), label="letters"
    )
    pool = draw(
        st.lists(st.sampled_from(EINSUM_LETTERS), min_size=count, max_size=count, unique=True),
        label="pool",
    )
    x = draw(st.permutations(pool), label="x letters")[:x_dims]
    y = draw(st.permutations(pool), label="y letters")[:y_dims]
    used = [c for c in pool if c in x or c in y]
    kept = draw(st.integers(0, len(used)), label="kept")
    output = draw(st.permutations(used), label="output letters")[:kept]
    return f"{''.join(x)},{''.join(y)}->{''.join(output)}"


@st.composite
def einsum_shapes(
    draw: st.DrawFn,
    equation: str,
    *,
    min_side: int = 0,
    max_side: int = MAX_SIDE,
    broadcast: bool = True,
) -> tuple[Shape, Shape]:
    """Shapes of the two operands of the valid `equation` that torch.einsum accepts.

    Each letter gets a size from `min_side` to `max_side` (0 included unless
    `min_side` > 0). With `broadcast`, a letter of both operands may have size
    1 in one of them, which torch.einsum broadcasts against the other's size.
    """
    _check_bounds("side", min_side, max_side)
    x, y, _ = einsum_parts(equation)
    sizes = {c: draw(st.integers(min_side, max_side), label=f"size of {c}") for c in x + y}
    x_shape, y_shape = [sizes[c] for c in x], [sizes[c] for c in y]
    if broadcast:
        for c in x:
            if c in y:
                where = draw(st.sampled_from(("neither", "x", "y")), label=f"{c} of size 1 in")
                if where == "x":
                    x_shape[x.index(c)] = 1
                elif where == "y":
                    y_shape[y.index(c)] = 1
    return tuple(x_shape), tuple(y_shape)


@st.composite
def einsum_operands(
    draw: st.DrawFn,
    *,
    min_dims: int = 0,
    max_dims: int = MAX_DIMS,
    max_letters: int = EINSUM_MAX_LETTERS,
    min_side: int = 0,
    max_side: int = MAX_SIDE,
    broadcast: bool = True,
    kinds: Sequence[str] = KINDS,
    layouts: Sequence[str] = LAYOUTS,
) -> tuple[str, torch.Tensor, torch.Tensor]:
    """`(equation, x, y)`: a valid equation (`einsum_equations`) and two tensors of
    one float dtype whose shapes fit it (`einsum_shapes`)."""
    equation = draw(
        einsum_equations(min_dims=min_dims, max_dims=max_dims, max_letters=max_letters),
        label="equation",
    )
    x_shape, y_shape = draw(
        einsum_shapes(equation, min_side=min_side, max_side=max_side, broadcast=broadcast),
        label="shapes",
    )
    dtype = draw(float_dtypes(), label="dtype")
    x = draw(tensors(x_shape, dtype=dtype, kinds=kinds, layouts=layouts), label="x")
    return equation, x, draw(tensors(y_shape, dtype=dtype, kinds=kinds, layouts=layouts), label="y")


def _insert_letter(draw: st.DrawFn, subscripts: str, letter: str) -> str:
    """`subscripts` with `letter` inserted at a drawn position."""
    pos = draw(st.integers(0, len(subscripts)), label=f"{letter} at")
    return subscripts[:pos] + letter + subscripts[pos:]


@st.composite
def mismatched_einsum_shapes(
    draw: st.DrawFn, *, max_dims: int = MAX_DIMS, max_side: int = MAX_SIDE
) -> tuple[str, Shape, Shape, str]:
    """`(equation, x_shape, y_shape, letter)`: a valid equation and shapes that fit
    it except for `letter`, which is in both operands with two different sizes,
    neither of them 1 (0 and 2 at least). torch.einsum refuses them."""
    if max_dims < 1:
        raise InvalidArgument(f"max_dims={max_dims}: a letter in both operands needs a dimension")
    if max_side < 2:
        raise InvalidArgument(
            f"max_side={max_side}: a clash needs two sizes other than 1 (0 and 2 at least)"
        )
    equation = draw(einsum_equations(min_dims=1, max_dims=max_dims), label="equation")
    x, y, output = einsum_parts(equation)
    shared = [c for c in x if c in y]
    if not shared:  # make one: a letter of x replaces one of y's
        letter = draw(st.sampled_from(x), label="shared letter")
        pos = draw(st.integers(0, len(y) - 1), label="replaced")
        y = y[:pos] + letter + y[pos + 1 :]
        output = "".join(c for c in output if c in x or c in y)
        equation, shared = f"{x},{y}->{output}", [letter]
    letter = draw(st.sampled_from(shared), label="letter")
    x_shape, y_shape = (list(s) for s in draw(einsum_shapes(equation, max_side=max_side)))
    sizes = [s for s in range(max_side + 1) if s != 1]
    x_size = draw(st.sampled_from(sizes), label="size in x")
    y_size = draw(st.sampled_from([s for s in sizes if s != x_size]), label="size in y")
    x_shape[x.index(letter)], y_shape[y.index(letter)] = x_size, y_size
    return equation, tuple(x_shape), tuple(y_shape), letter


@st.composite
def malformed_einsum_cases(
    draw: st.DrawFn,
    *,
    defects: Sequence[str] = EINSUM_DEFECTS,
    max_dims: int = MAX_DIMS,
    max_side: int = MAX_SIDE,
) -> tuple[str, Shape, Shape, str]:
    """`(equation, x_shape, y_shape, defect)`: a two-operand einsum call with one
    defect from `defects` (see EINSUM_DEFECTS), in an otherwise valid call whose
    shapes fit. Several are calls torch.einsum accepts (its implicit form,
    upper case, '...', a repeated letter for a diagonal): the contract here is
    stricter."""
    if not defects:
        raise InvalidArgument(
            f"defects={list(defects)!r} is empty; expected some of {EINSUM_DEFECTS}"
        )
    for defect in defects:
        if defect not in EINSUM_DEFECTS:
            raise InvalidArgument(
                f"defects contains {defect!r}; expected some of {EINSUM_DEFECTS}"
            )
    if max_dims < 1:
        raise InvalidArgument(f"max_dims={max_dims}: a malformed equation needs a letter")
    defect = draw(st.sampled_from(tuple(defects)), label="defect")
    equation = draw(einsum_equations(min_dims=1, max_dims=max_dims), label="equation")
    x_shape, y_shape = draw(einsum_shapes(equation, max_side=max_side), label="shapes")
    x, y, output = einsum_parts(equation)
    letters = "".join(dict.fromkeys(x + y))
    if defect == "arrow":
        arrow = draw(st.sampled_from(("", "-", ">", "=>", "->->")), label="arrow")
        equation = f"{x},{y}{arrow}{output}" if arrow else f"{x},{y}"
    elif defect == "character":
        letter = draw(st.sampled_from(letters), label="replaced letter")
        bad = draw(st.sampled_from((letter.upper(), "1", "_", "...")), label="character")
        # "..." is torch's ellipsis, here covering no dimension.
        ellipsis = f"...{x},{y}->...{output}"
        equation = ellipsis if bad == "..." else equation.replace(letter, bad)
    elif defect == "repeated letter":  # torch would take a diagonal
        in_x = not y or draw(st.booleans(), label="in x")
        sub, shape = (x, x_shape) if in_x else (y, y_shape)
        letter = draw(st.sampled_from(sub), label="repeated")
        pos = draw(st.integers(0, len(sub)), label="at")
        size = shape[sub.index(letter)]  # the same size twice: a diagonal torch can take
        sub, shape = sub[:pos] + letter + sub[pos:], (*shape[:pos], size, *shape[pos:])
        x, x_shape, y, y_shape = (sub, shape, y, y_shape) if in_x else (x, x_shape, sub, shape)
        equation = f"{x},{y}->{output}"
    elif defect == "unknown output letter":
        others = [c for c in EINSUM_LETTERS if c not in letters]
        unknown = draw(st.sampled_from(others), label="unknown")
        equation = f"{x},{y}->{_insert_letter(draw, output, unknown)}"
    elif defect == "repeated output letter":
        if not output:
            output = draw(st.sampled_from(letters), label="kept")
        twice = draw(st.sampled_from(output), label="twice")
        equation = f"{x},{y}->{_insert_letter(draw, output, twice)}"
    elif defect == "dimensions":
        in_x = draw(st.booleans(), label="in x")
        shape = x_shape if in_x else y_shape
        if len(shape) > 0 and draw(st.booleans(), label="one fewer"):
            pos = draw(st.integers(0, len(shape) - 1), label="dropped")
            shape = shape[:pos] + shape[pos + 1 :]
        else:
            pos = draw(st.integers(0, len(shape)), label="added")
            shape = (*shape[:pos], draw(st.integers(0, max_side), label="size"), *shape[pos:])
        x_shape, y_shape = (shape, y_shape) if in_x else (x_shape, shape)
    else:  # "operands"
        if draw(st.booleans(), label="one operand"):
            equation = f"{x}->{''.join(c for c in output if c in x)}"
        else:
            z = draw(st.permutations(letters), label="z letters")
            z = z[: draw(st.integers(0, len(z)), label="z dims")]
            equation = f"{x},{y},{''.join(z)}->{output}"
    return equation, tuple(x_shape), tuple(y_shape), defect
