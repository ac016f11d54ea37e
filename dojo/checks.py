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
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import torch

from dojo.i18n import N_, _, ngettext
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
    return WrongAnswer(message + ("\n" + _("Look at: {hint}").format(hint=hint) if hint else ""))


def load_state(target: Any, source: Any, target_name: str, source_name: str, hint: str) -> None:
    """`target.load_state_dict(source.state_dict())` (a learner's module against
    PyTorch's, either way), failing with a WrongAnswer that quotes PyTorch's error."""
    __tracebackhide__ = True
    try:
        target.load_state_dict(source.state_dict())
    except Exception as exc:
        lines = str(exc).strip().splitlines()
        raise fail(
            _("{target}.load_state_dict({source}.state_dict()) raised {exception}: {message}")
            .format(
                target=target_name, source=source_name, exception=type(exc).__name__,
                message=" ".join(line.strip() for line in lines),
            ),
            hint,
        ) from None


def _dtype_hint(got: torch.dtype, want: torch.dtype) -> str:
    return _(
        "the inputs are {want}, so the result must be too. A tensor you create "
        "(torch.zeros(n, m), torch.tensor(...)) is float32 unless you pass dtype=, and "
        ".float() or .item() lose float64: write a.new_zeros(n, m), or pass "
        "dtype=a.dtype, device=a.device."
    ).format(want=want)


def _device_hint() -> str:
    return _(
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
    assert_like(got, expected, dtype=dtype, device=device, name=name, hint=hint)
    assert_values(got, expected, bound=bound, name=name, hint=hint)


def assert_like(
    got: Any,
    expected: torch.Tensor,
    *,
    dtype: torch.dtype | None = None,
    device: torch.device | str | None = None,
    name: str = "result",
    hint: str = "",
) -> None:
    """The first half of `assert_tensor`: `got` is a tensor of `expected`'s shape, and
    of `dtype` on `device` (by default those of `expected`). Values are not compared."""
    __tracebackhide__ = True
    dtype = expected.dtype if dtype is None else dtype
    device = expected.device if device is None else torch.device(device)
    if not isinstance(got, torch.Tensor):
        raise fail(
            _("{name} is {what}, but should be a torch.Tensor of shape {shape}").format(
                name=name, what=type_name(got, returned=True), shape=tuple(expected.shape)
            ),
            hint,
        )
    if got.shape != expected.shape:
        raise fail(
            _("{name}.shape={got}, but should be {want}").format(
                name=name, got=tuple(got.shape), want=tuple(expected.shape)
            ),
            hint or shape_hint(got.shape, expected.shape),
        )
    if got.dtype != dtype:
        raise fail(
            _("{name}.dtype={got}, but should be {want}").format(
                name=name, got=got.dtype, want=dtype
            ),
            _dtype_hint(got.dtype, dtype),
        )
    if got.device != device:
        raise fail(
            _("{name}.device={got}, but should be {want}").format(
                name=name, got=got.device, want=device
            ),
            _device_hint(),
        )


def shape_hint(got: Sequence[int], want: Sequence[int], *, arrays: bool = False) -> str:
    """What a wrong shape most often means; `arrays`: in NumPy's words (axis=...)."""
    if tuple(got) == tuple(reversed(want)) and len(want) == 2:
        return _(
            "the result is transposed: rows of the result come from rows of the first input."
        )
    if len(got) != len(want) and arrays:
        return _(
            "the result has {got} dimensions instead of {want}: check which axes a "
            "reduction (sum(axis=...)) removes or keeps (keepdims=True), and any broadcasting."
        ).format(got=len(got), want=len(want))
    if len(got) != len(want):
        return _(
            "the result has {got} dimensions instead of {want}: check which dimensions a "
            "reduction (sum, mean) removes or keeps, and any broadcasting."
        ).format(got=len(got), want=len(want))
    return _("work out the result's shape from the inputs' shapes before computing anything.")


def type_name(value: Any, *, returned: bool = False) -> str:
    """How a message names what a learner's code produced: "a list", "a torch.nn.Linear";
    a `returned` None asks whether the function forgot to return."""
    if value is None:
        return _("None (did the function forget to return?)") if returned else "None"
    kind = f"{type(value).__module__}.{type(value).__qualname__}".replace("builtins.", "")
    return _("a {type}").format(type=kind)


def within(
    got: torch.Tensor, expected: torch.Tensor, bound: torch.Tensor | float | None = None
) -> torch.Tensor:
    """Elementwise: `got` is within `bound` of `expected` (equal, or both nan), on the CPU."""
    g = got.detach().cpu().double()
    e = expected.detach().cpu().double()
    allowed = torch.as_tensor(0.0 if bound is None else bound, dtype=torch.float64).cpu()
    return ((g - e).abs() <= allowed) | (g == e) | (g.isnan() & e.isnan())


def assert_values(
    got: torch.Tensor,
    expected: torch.Tensor,
    *,
    bound: torch.Tensor | float | None = None,
    name: str = "result",
    hint: str | Callable[[], str] = "",
    show: Callable[[torch.Tensor], str] = lambda t: repr(t.detach().cpu()),
) -> None:
    """Compare values only (shape already checked), allowing `bound` per element.

    `hint` may be a function, called only on a mismatch, that works out from the
    values what the mistake looks like (see `matmul_hint`). `show` writes a small
    value out in full (the NumPy track shows arrays: see `dojo.nparrays`)."""
    __tracebackhide__ = True
    g = got.detach().cpu().double()
    e = expected.detach().cpu().double()
    allowed = torch.as_tensor(0.0 if bound is None else bound, dtype=torch.float64).cpu()
    ok = within(g, e, allowed)
    if bool(ok.all()):
        return
    bad = (~ok).nonzero()
    first = tuple(int(i) for i in bad[0])
    allow = allowed.expand_as(e)[first].item() if allowed.dim() else allowed.item()
    lines = [value_mismatch(
        f"{name}{list(first) if first else ''}", g[first].item(), e[first].item(), allow,
        len(bad), e.numel(),
    )]
    if e.numel() <= SHOW_BOTH_UP_TO:
        lines.append(both(_indent(show(got)), _indent(show(expected.to(got.dtype)))))
    raise fail("\n".join(lines), _work_out(hint))


def value_mismatch(at: str, got: Any, want: Any, allow: float, bad: int, total: int) -> str:
    """The first line of a wrong value: `result[0, 1]=2.0, but should be 3.0 (allowed
    error 1e-06); 1 of 4 values differ`."""
    return _(
        "{at}={got!r}, but should be {want!r} (allowed error {allow:.3g}); "
        "{bad} of {total} values differ"
    ).format(at=at, got=got, want=want, allow=allow, bad=bad, total=total)


def both(got: str, expected: str) -> str:
    """The two values side by side (already indented), under "got:" and "expected:"."""
    return _("got:\n{got}\nexpected:\n{expected}").format(got=got, expected=expected)


def _work_out(hint: str | Callable[[], str]) -> str:
    """A hint, or what a hint function says: "" if it fails (the mismatch still shows)."""
    if not callable(hint):
        return hint
    try:
        return hint()
    except Exception:
        return ""


def _indent(text: str) -> str:
    return "\n".join("    " + line for line in text.splitlines())


def assert_exact_type(
    got: Any, expected_type: type, *, name: str = "result", hint: str = ""
) -> None:
    """`type(got) is expected_type`: a numpy float or a 0-dim tensor is not a float."""
    __tracebackhide__ = True
    if type(got) is not expected_type:
        raise fail(
            _("{name} is {what}, but should be a Python {type}").format(
                name=name, what=type_name(got, returned=True), type=expected_type.__name__
            ),
            hint,
        )


def assert_number(
    got: Any, expected: float, *, bound: float = 0.0, name: str = "result", hint: str = ""
) -> None:
    """A Python int or float (not bool, not numpy, not a tensor) within `bound`."""
    __tracebackhide__ = True
    if type(got) not in (int, float):
        raise fail(
            _("{name} is {what}, but should be a Python number").format(
                name=name, what=type_name(got, returned=True)
            ),
            hint,
        )
    if not (abs(got - expected) <= bound or (math.isnan(got) and math.isnan(expected))):
        raise fail(
            _("{name}={got!r}, but should be {want!r} (allowed error {bound:.3g})").format(
                name=name, got=got, want=expected, bound=bound
            ),
            hint,
        )


def assert_equal(got: Any, expected: Any, *, name: str = "result", hint: str = "") -> None:
    """Exact equality, type included (`(2, 3)` is not `[2, 3]` or `torch.Size([2, 3])`)."""
    __tracebackhide__ = True
    if type(got) is not type(expected):
        raise fail(
            _("{name} is {what}, but should be a {type}: {want!r}").format(
                name=name, what=type_name(got, returned=True), type=type(expected).__name__,
                want=expected,
            ),
            hint,
        )
    if got != expected:
        raise fail(
            _("{name}={got!r}, but should be {want!r}").format(name=name, got=got, want=expected),
            hint,
        )


def assert_view_of(
    got: torch.Tensor,
    source: torch.Tensor,
    expected: torch.Tensor,
    *,
    name: str = "result",
    source_name: str = N_("the input"),
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
    source_name = _(source_name) if source_name else source_name
    if got.untyped_storage().data_ptr() != source.untyped_storage().data_ptr():
        raise fail(
            _("{name} does not share the memory of {source}: it is a copy, "
              "but should be a view").format(name=name, source=source_name),
            hint
            or _("build the result from the input's own memory (torch.as_strided), "
                 "without any operation that copies values."),
        )
    if got.numel() == 0:
        return
    if got.storage_offset() != expected.storage_offset():
        raise fail(
            _("{name}.storage_offset()={got}, but should be {want}").format(
                name=name, got=got.storage_offset(), want=expected.storage_offset()
            ),
            hint
            or _("{source} may start partway into its memory: its storage_offset() says "
                 "where.").format(source=source_name),
        )
    for dim, size in enumerate(got.shape):
        if size > 1 and got.stride(dim) != expected.stride(dim):
            raise fail(
                _("{name}.stride()={got}, but should be {want} (dimension {dim}, of size "
                  "{size})").format(
                    name=name, got=tuple(got.stride()), want=tuple(expected.stride()),
                    dim=dim, size=size,
                ),
                hint
                or _("a stride of 0 repeats the same memory along a dimension; "
                     "anywhere else keep the input's own stride."),
            )


def shape_forms(shape: Sequence[int]) -> tuple[str, ...]:
    """Ways a message may write a shape: (2, 3), [2, 3], torch.Size([2, 3]), 2x3."""
    dims = [str(d) for d in shape]
    forms = [str(tuple(shape)), str(list(shape))]
    if len(dims) > 1:
        forms += ["x".join(dims), " x ".join(dims), "×".join(dims), " × ".join(dims)]
    return tuple(forms)


@contextlib.contextmanager
def returns_broadcast_shape(call: str, expected: Any, oracle: str, hint: str) -> Iterator[None]:
    """Around a learner's broadcast_shape(s) call on shapes that broadcast: a ValueError
    ("they do not broadcast") is a wrong answer; anything else raised stays a crash,
    with what `oracle` returns as a note."""
    __tracebackhide__ = True
    try:
        yield
    except ValueError as exc:
        raise fail(
            _(
                "{call} raised {exception}({message!r}), but these shapes broadcast "
                "to {expected}, as {oracle} says"
            ).format(
                call=call, exception=type(exc).__name__, message=str(exc), expected=expected,
                oracle=oracle,
            ),
            hint,
        ) from None
    except Exception as exc:
        hint_note(
            exc,
            _("{call} should return {expected}, as {oracle} does: {hint}").format(
                call=call, expected=expected, oracle=oracle, hint=hint
            ),
        )
        raise


def assert_broadcast_shape(got: Any, expected: Any, call: str, oracle: str, hint: str) -> None:
    """`got` is the broadcast shape `expected`: equal, and a tuple of Python ints."""
    __tracebackhide__ = True
    assert_equal(got, expected, name=call, hint=hint)
    for i, size in enumerate(got):
        assert_exact_type(
            size, int, name=f"{call}[{i}]",
            hint=_(
                "the result is a tuple of Python ints, {expected}, as {oracle} gives: take "
                "each size from the shapes you were given."
            ).format(expected=expected, oracle=oracle),
        )


@contextlib.contextmanager
def raises(
    call: str,
    exc_type: type[BaseException] = Exception,
    *,
    shapes: Sequence[Sequence[int]] = (),
    match: str | None = None,
    names: str = "",
    why: str,
    hint: str = "",
) -> Iterator[list[Any]]:
    """The block must raise `exc_type` whose message names every shape in `shapes`
    and contains a match of the regular expression `match`.

    `call` describes the call for the message, `why` says why it must raise, and
    `names` says what a message matching `match` names ("the letter 'j'"); `hint`, what
    to look at when the call raises nothing or the wrong exception. The block
    may append what the call returned to the list it gets (`with raises(...) as
    returned: returned.append(f(x))`): a call that returns normally is then shown
    with its value.
    """
    __tracebackhide__ = True
    returned: list[Any] = []
    try:
        yield returned
    except exc_type as exc:
        message = str(exc)
        if match is not None and not re.search(match, message):
            raise fail(
                _("{call} raised {exception}({message!r}), but the message should name "
                  "{names}").format(
                    call=call, exception=type(exc).__name__, message=message,
                    names=names or repr(match),
                ),
                _("{why}; say which in the message.").format(why=why),
            ) from None
        for shape in shapes:
            if not any(form in message for form in shape_forms(shape)):
                raise fail(
                    _("{call} raised {exception}({message!r}), but the message should name "
                      "the shape {shape}").format(
                        call=call, exception=type(exc).__name__, message=message,
                        shape=tuple(shape),
                    ),
                    _("put every shape involved in the message, e.g. "
                      "f'shapes {{a.shape}} and {{b.shape}} do not fit'.").format(),
                ) from None
        return
    except Exception as exc:
        if exc_type is Exception:
            raise
        raise fail(
            _("{call} raised {exception}, but should raise {wanted}: {why}").format(
                call=call, exception=type(exc).__name__, wanted=exc_type.__name__, why=why
            ),
            hint,
        ) from None
    what = (
        _("returned {value!r}").format(value=returned[0]) if returned
        else _("returned normally")
    )
    raise fail(
        _("{call} {what}, but should raise {wanted}: {why}").format(
            call=call, what=what, wanted=exc_type.__name__, why=why
        ),
        hint,
    )


def assert_matmul(got: Any, a: torch.Tensor, b: torch.Tensor) -> None:
    """`got` is `a @ b`: shape, a's dtype and device, values within `matmul_bound`;
    wrong values end with what the mismatch looks like (`matmul_hint`)."""
    __tracebackhide__ = True
    expected = torch.matmul(a.detach().double(), b.detach().double())
    bound = matmul_bound(a, b)
    assert_like(got, expected, dtype=a.dtype, device=a.device)
    assert_values(got, expected, bound=bound, hint=lambda: matmul_hint(got, a, b))


MATMUL_RULE = N_(
    "c[i, j] is the sum over k of a[i, k] * b[k, j]: row i of a times column j of b, "
    "for every k from 0 to a.shape[1] - 1."
)


def _loop_range(over: str, n: int) -> str:
    """Why the loop over `over` ("k", "rows" or "columns") must be range(n)."""
    if over == "k":
        text = _(
            "The loop over k must be range(a.shape[1]), here range({n}): it runs from 0 to "
            "{last}, while range({n} - 1) stops one short and range(1, {n}) skips 0."
        )
    elif over == "rows":
        text = _(
            "The loop over the rows must be range(a.shape[0]), here range({n}): it runs from 0 "
            "to {last}, while range({n} - 1) stops one short and range(1, {n}) skips 0."
        )
    else:
        text = _(
            "The loop over the columns must be range(b.shape[1]), here range({n}): it runs from "
            "0 to {last}, while range({n} - 1) stops one short and range(1, {n}) skips 0."
        )
    return text.format(n=n, last=n - 1)


def _which(mask: torch.Tensor) -> tuple[str, int]:
    """("0, 2", 2) or ("1", 1): the indices of the True entries of `mask`, and how many."""
    found = [str(int(i)) for i in mask.nonzero().flatten()]
    return ", ".join(found), len(found)


def matmul_hint(got: torch.Tensor, a: torch.Tensor, b: torch.Tensor) -> str:
    """What a wrong `a @ b` (of the right shape) looks like, for the "Look at:" line.

    Compares `got` with the results of classic slips, each within `matmul_bound`:
    nothing added at all, the last or the first term of every sum missing, rows or
    columns never filled, an operand read transposed, the product the wrong way
    round; otherwise it names the rows and columns that hold wrong values. Works
    for batched operands (..., n, k) @ (..., k, m) too.
    """
    g, x, y = cpu64(got, a, b)
    bound = matmul_bound(a, b)
    expected = x @ y
    k = x.shape[-1]
    rule = _(MATMUL_RULE)

    def like(candidate: torch.Tensor) -> bool:
        return candidate.shape == g.shape and bool(within(g, candidate, bound).all())

    if like(torch.zeros_like(expected)):
        return _(
            "the result is still all 0: nothing was added into it. Check the range of "
            "each loop: range(a.shape[0]) over the rows, range(b.shape[1]) over the "
            "columns, range(a.shape[1]) over k; range(n) runs from 0 to n - 1, while "
            "range(n - 1) stops one short and range(1, n) skips 0."
        )
    if k > 1 and like(x[..., :-1] @ y[..., :-1, :]):
        return _(
            "every value misses its last term, a[i, {last}] * b[{last}, j]. {loop}"
        ).format(last=k - 1, loop=_loop_range("k", k))
    if k > 1 and like(x[..., 1:] @ y[..., 1:, :]):
        return _("every value misses its first term, a[i, 0] * b[0, j]. {loop}").format(
            loop=_loop_range("k", k)
        )
    if g.dim() != 2:
        return rule
    n, m = g.shape
    bad = ~within(g, expected, bound)
    bad_rows, bad_cols = bad.any(1), bad.any(0)
    if not bool((bad_rows & ~(g == 0).all(1)).any()):
        rows, count = _which(bad_rows)
        return ngettext(
            "row {rows} of the result is still all 0, as if the loop over the rows never "
            "got there; the other rows are right. {loop}",
            "rows {rows} of the result are still all 0, as if the loop over the rows never "
            "got there; the other rows are right. {loop}",
            count,
        ).format(rows=rows, loop=_loop_range("rows", n))
    if not bool((bad_cols & ~(g == 0).all(0)).any()):
        cols, count = _which(bad_cols)
        return ngettext(
            "column {columns} of the result is still all 0, as if the loop over the columns "
            "never got there; the other columns are right. {loop}",
            "columns {columns} of the result are still all 0, as if the loop over the columns "
            "never got there; the other columns are right. {loop}",
            count,
        ).format(columns=cols, loop=_loop_range("columns", m))
    if y.shape[0] == y.shape[1] and like(x @ y.t()):
        return _(
            "the result is a @ b.t(): b is read as b[j, k], where it should be b[k, j] "
            "(row k, column j). {rule}"
        ).format(rule=rule)
    if x.shape[0] == x.shape[1] and like(x.t() @ y):
        return _(
            "the result is a.t() @ b: a is read as a[k, i], where it should be a[i, k] "
            "(row i, column k). {rule}"
        ).format(rule=rule)
    if x.shape == y.shape and n == m and like(y @ x):
        return _("the result is b @ a: the product the wrong way round. {rule}").format(
            rule=rule
        )
    if bool(bad.all()):
        return _("every value is wrong. {rule}").format(rule=rule)
    rows, row_count = _which(bad_rows)
    cols, col_count = _which(bad_cols)
    return _("the wrong values are in {rows} and {columns}; the others are right. {rule}").format(
        rows=ngettext("row {numbers}", "rows {numbers}", row_count).format(numbers=rows),
        columns=ngettext("column {numbers}", "columns {numbers}", col_count).format(
            numbers=cols
        ),
        rule=rule,
    )


def hint_note(exc: BaseException, hint: str) -> None:
    """Add "Look at: hint" to an exception the learner's code raised, as a note: the
    test does not turn a crash into a wrong answer, but says what to look at.
    (`BaseException.add_note` of Python 3.11, by hand: the same `__notes__` list.)"""
    notes = exc.__dict__.setdefault("__notes__", [])
    notes.append(_("Look at: {hint}").format(hint=hint))


@contextlib.contextmanager
def hinting(hint: str | Callable[[BaseException], str]) -> Iterator[None]:
    """Any exception (not a verdict) raised in the block gets a "Look at:" note:
    `hint`, or `hint(exc)` when it is a function (an empty string adds none)."""
    try:
        yield
    except Exception as exc:
        raised = exc
        text = _work_out(lambda: hint(raised)) if callable(hint) else hint
        if text:
            hint_note(exc, text)
        raise


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
    call = _("{function}(a, b) with a.shape={a_shape}, b.shape={b_shape}").format(
        function=fn.__name__, a_shape=tuple(a.shape), b_shape=tuple(b.shape)
    )
    why = _("a's columns must match b's rows")
    with raises(call, shapes=(a.shape, b.shape), why=why):
        fn(a, b)
