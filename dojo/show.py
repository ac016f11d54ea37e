"""Render inputs as code a learner can paste into a Python prompt, and keep what a
failure shows to a readable size.

Only honest code is printed: a tensor is shown as code only when that code builds
exactly its values. A tensor too large to print is described between angle
brackets, Python's convention for a value its text cannot rebuild (pasting it is a
syntax error, never different data): shape, dtype, device, a few values, min, max
and mean, and, for a test's fixed data set, how the test builds it (see
`fixed_data`).
"""

from __future__ import annotations

import math
from collections import deque
from typing import Any

import numpy as np
import torch

from dojo.i18n import N_, _

MAX_PRINTED = 200  # elements; larger tensors are described, not printed
MAX_CODE = 2500  # characters of code for one tensor; longer code is a description
FIRST_VALUES = 5  # values a description of a large tensor starts with
MAX_REPR = 500  # characters of a value's repr shown in a failure
MAX_LINE = 3000  # characters of one line of a failure (more than MAX_CODE: code is never cut)
MAX_LINES = 300  # lines of a failure message

# Tensors a test declared as fixed data, with how the test builds them (see fixed_data).
_fixed: deque[tuple[torch.Tensor, str]] = deque(maxlen=8)


def fixed_data(t: torch.Tensor, how: str) -> torch.Tensor:
    """Declare `t` a test's fixed data set, built as `how` says; return `t`.

    A failure then describes any argument equal to `t` (same shape, dtype and values,
    on any device, copied or not) as "<tensor of shape ...; `how`>" instead of
    printing its values. `how` tells the learner how to get the data, e.g.
    "the training images of digits() in test_unfold_conv.py: scikit-learn's
    load_digits()". Tensors small enough to print are still printed as code.

    Matching goes by value, so a copy that the harness made of an argument still
    matches, and a description is only ever shown for data that really is equal.
    """
    key = t.detach()
    if key.device.type != "meta":
        key = key.cpu()
        if not any(_equal(key, known) and text == how for known, text in _fixed):
            _fixed.append((key.clone(), how))
    return t


def _equal(a: torch.Tensor, b: torch.Tensor) -> bool:
    return a.shape == b.shape and a.dtype == b.dtype and bool(torch.equal(a, b))


def _how(t: torch.Tensor) -> str | None:
    """How the test builds `t`, when `t` equals a declared fixed data set."""
    if t.device.type == "meta" or not _fixed:
        return None
    values = t.detach().cpu()
    for known, how in reversed(_fixed):
        if _equal(values, known):
            return how
    return None


def _number(value: float | int | bool, dtype: torch.dtype) -> str:
    if dtype == torch.bool:
        return repr(bool(value))
    if not dtype.is_floating_point:
        return repr(int(value))
    if math.isnan(value):
        return "float('nan')"
    if math.isinf(value):
        return "float('inf')" if value > 0 else "-float('inf')"
    # Shortest text that reads back as the same number of that dtype.
    return str(np.float32(value)) if dtype == torch.float32 else repr(float(value))


def _nested(values: Any, dtype: torch.dtype) -> str:
    if isinstance(values, list):
        return "[" + ", ".join(_nested(v, dtype) for v in values) + "]"
    return _number(values, dtype)


def _short(value: float) -> str:
    """A number for a description: four significant digits."""
    return f"{value:.4g}"


def _statistics(t: torch.Tensor) -> str:
    """min, max and mean of a tensor's values, and how many are not finite."""
    if t.dtype == torch.bool:
        return _("{count} True").format(count=int(t.sum()))
    if t.is_complex():
        return ""
    values = t.double().flatten()
    parts = []
    finite = values[values.isfinite()]
    if finite.numel():
        parts.append(
            _("min {min}, max {max}, mean {mean}").format(
                min=_short(float(finite.min())), max=_short(float(finite.max())),
                mean=_short(float(finite.mean())),
            )
        )
    nan = int(values.isnan().sum())
    inf = int(values.isinf().sum())
    if nan:
        parts.append(_("{count} NaN").format(count=nan))
    if inf:
        parts.append(_("{count} infinite").format(count=inf))
    return ", ".join(parts)


def describe_tensor(t: torch.Tensor, how: str | None = None, *, array: bool = False) -> str:
    """What a tensor holds, between angle brackets: `<tensor of shape (900,), torch.float32,
    900 values (too many to print): min -3, max 4, mean 0.1; first 1, 2, 0.5, ...>`,
    ending with how to get it when the test said (`how`: see `fixed_data`). With `array`,
    a NumPy array's (`<array of shape (900,), np.float32, ...`)."""
    device = "" if t.device.type == "cpu" else _(", on {device}").format(device=t.device)
    if array:
        dtype = str(t.dtype).replace("torch.", "np.")
        head = _("<array of shape {shape}, {dtype}").format(shape=tuple(t.shape), dtype=dtype)
    else:
        head = _("<tensor of shape {shape}, {dtype}").format(shape=tuple(t.shape), dtype=t.dtype)
    head += device
    if t.device.type == "meta":
        return head + _(" (no values: a meta tensor)>")
    values = t.detach().cpu()
    stats = _statistics(values)
    first = values.flatten()[:FIRST_VALUES].tolist()
    if values.dtype.is_floating_point:
        shown = ", ".join(_short(v) for v in first)
    else:
        shown = ", ".join(str(v) for v in first)
    more = ", ..." if values.numel() > FIRST_VALUES else ""
    parts = [_("first {values}").format(values=f"{shown}{more}")]
    if how:
        parts.append(how)
    if how is None:
        head += _(", {count:,} values (too many to print)").format(count=values.numel())
    return head + (f": {stats}; " if stats else "; ") + "; ".join(parts) + ">"


def tensor_code(t: torch.Tensor) -> str:
    """Code that builds a tensor equal to `t` (values, dtype, device), or, for a test's
    fixed data (see `fixed_data`) and where no code short enough exists, a description
    between angle brackets (see `describe_tensor`)."""
    return _tensor_code(t)


def _tensor_code(t: torch.Tensor, *, array: bool = False) -> str:
    """`tensor_code`; with `array`, a description speaks of a NumPy array."""
    dtype = str(t.dtype)
    device = "" if t.device.type == "cpu" else f", device={str(t.device)!r}"
    shape = tuple(t.shape)
    if t.numel() == 0 or t.device.type == "meta":
        maker = "torch.zeros" if t.numel() == 0 else "torch.empty"
        return f"{maker}({shape}, dtype={dtype}{device})"
    how = _how(t)
    if how is not None:
        return describe_tensor(t, how, array=array)
    values = t.detach().cpu()
    if t.numel() <= MAX_PRINTED:
        code = f"torch.tensor({_nested(values.tolist(), t.dtype)}, dtype={dtype}{device})"
        if len(code) <= MAX_CODE:
            if t.dim() > 0 and not t.is_contiguous():
                code += "  # " + _("in the test: a non-contiguous view, strides {strides}").format(
                    strides=tuple(t.stride())
                )
            return code
    flat = values.flatten()
    if not t.is_complex() and bool((flat == flat[0]).all()):
        return f"torch.full({shape}, {_number(flat[0].item(), t.dtype)}, dtype={dtype}{device})"
    if t.is_floating_point() and bool(flat.isnan().all()):
        return f"torch.full({shape}, float('nan'), dtype={dtype}{device})"
    return describe_tensor(t, array=array)


def array_code(a: np.ndarray) -> str:
    """Code that builds a NumPy array equal to `a`: `np.array([...], dtype=np.float32)`
    (the NumPy track's inputs), built like `tensor_code`'s."""
    dtype = f"np.{a.dtype}"
    if a.size == 0:
        return f"np.zeros({a.shape}, dtype={dtype})"
    t = torch.from_numpy(np.array(a, order="C", copy=True))  # 0-d stays 0-d
    code = _tensor_code(t, array=True).replace(f"dtype=torch.{a.dtype}", f"dtype={dtype}")
    for maker in ("tensor", "full"):
        if code.startswith(f"torch.{maker}("):
            code = ("np.array(" if maker == "tensor" else "np.full(") + code.partition("(")[2]
            if a.ndim > 0 and a.size > 1 and not a.flags.c_contiguous:
                code += "  # " + _(
                    "in the test: a non-contiguous view, strides {strides} (bytes)"
                ).format(strides=a.strides)
            return code
    return code


def generator_code(g: torch.Generator) -> str:
    """`torch.Generator(...).manual_seed(seed)`, noting numbers already drawn from it."""
    code = f"torch.Generator(device={str(g.device)!r}).manual_seed({g.initial_seed()})"
    fresh = torch.Generator(device=g.device).manual_seed(g.initial_seed())
    if not torch.equal(fresh.get_state(), g.get_state()):
        code += "  # " + _("and some numbers drawn from it already")
    return code


def short_repr(value: Any, limit: int = MAX_REPR) -> str:
    """`repr(value)`, or when that is longer than `limit` characters, a description between
    angle brackets that says what was left out: `<list of 1,000,000 items, 6,888,890
    characters, too long to print: starts [0, 0, ...>`."""
    text = repr(value)
    if len(text) <= limit:
        return text
    kind = type(value).__qualname__
    try:
        count: int | None = len(value)
    except Exception:
        count = None
    start = text[: max(limit - 100, 40)]
    if count is None:
        message = _(
            "<{kind}, {length:,} characters of repr, too long to print: starts {start} ...>"
        )
    elif isinstance(value, str):
        message = _(
            "<{kind} of {count:,} characters, {length:,} characters of repr, too long to "
            "print: starts {start} ...>"
        )
    else:
        message = _(
            "<{kind} of {count:,} items, {length:,} characters of repr, too long to print: "
            "starts {start} ...>"
        )
    return message.format(kind=kind, count=count, length=len(text), start=start)


def value_code(value: Any) -> str:
    """Code for one argument: tensors as `torch.tensor(...)`, generators seeded, the rest
    as `repr` (a description when that is too long; see `short_repr`)."""
    if isinstance(value, torch.Tensor):
        return tensor_code(value)
    if isinstance(value, torch.Generator):
        return generator_code(value)
    if isinstance(value, np.ndarray):
        return array_code(value)
    return short_repr(value)


def call_code(function: str, arguments: dict[str, Any], kinds: dict[str, str] | None = None) -> str:
    """`name = value` lines for the arguments, then the call itself.

    `kinds` maps a name to "keyword" (passed as `name=name`), "*" or "**";
    other names are passed by position.
    """
    kinds = kinds or {}
    lines = [f"{name} = {value_code(value)}" for name, value in arguments.items()]
    passed = []
    for name in arguments:
        kind = kinds.get(name, "")
        passed.append(f"{name}={name}" if kind == "keyword" else f"{kind}{name}" if kind else name)
    lines.append(f"{function}({', '.join(passed)})")
    return "\n".join(lines)


# --- keeping a failure readable -------------------------------------------------------


def _cut_line(line: str, limit: int) -> str:
    if len(line) <= limit:
        return line
    head, tail = limit * 2 // 3, limit // 3
    cut = len(line) - head - tail
    marker = _("[... {count:,} characters cut ...]").format(count=cut)
    return f"{line[:head]} {marker} {line[len(line) - tail:]}"


def clip(
    text: str,
    *,
    max_line: int = MAX_LINE,
    max_lines: int = MAX_LINES,
    keep_tail: float = 0.25,
    what: str = N_("the message"),
) -> str:
    """`text` cut to a readable size, saying how much was cut and where.

    A line longer than `max_line` characters keeps its start and its end (where a
    message says "but should be ..."). Past `max_lines` lines, the middle lines are
    left out: `keep_tail` is the share of `max_lines` kept from the end (for printed
    output, whose end is the last, smallest failing example).
    """
    lines = text.split("\n")
    if len(lines) > max_lines:
        tail = max(1, round(max_lines * keep_tail))
        head = max_lines - tail
        dropped = lines[head : len(lines) - tail]
        size = sum(len(line) + 1 for line in dropped)
        note = _(
            "[... {count:,} lines ({size:,} characters) of {what} cut: "
            "the first {head} and the last {tail} are shown ...]"
        ).format(count=len(dropped), size=size, what=_(what) if what else what, head=head,
                 tail=tail)
        lines = [*lines[:head], note, *lines[len(lines) - tail :]]
    return "\n".join(_cut_line(line, max_line) for line in lines)
