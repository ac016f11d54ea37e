"""Render inputs as code a learner can paste into a Python prompt."""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

MAX_PRINTED = 200  # elements; larger tensors are described, not printed


def _number(value: float | int | bool, dtype: torch.dtype) -> str:
    if dtype == torch.bool:
        return repr(bool(value))
    if not dtype.is_floating_point:
        return repr(int(value))
    # Shortest text that reads back as the same number of that dtype.
    return str(np.float32(value)) if dtype == torch.float32 else repr(float(value))


def _nested(values: Any, dtype: torch.dtype) -> str:
    if isinstance(values, list):
        return "[" + ", ".join(_nested(v, dtype) for v in values) + "]"
    return _number(values, dtype)


def tensor_code(t: torch.Tensor) -> str:
    """Code that builds a tensor equal to `t` (values, dtype, device)."""
    dtype = str(t.dtype)
    device = "" if t.device.type == "cpu" else f", device={str(t.device)!r}"
    if t.numel() == 0 or t.numel() > MAX_PRINTED:
        code = f"torch.zeros({tuple(t.shape)}, dtype={dtype}{device})"
        if t.numel():
            code += f"  # {t.numel()} values: too many to print"
        return code
    values = t.detach().cpu().tolist()
    code = f"torch.tensor({_nested(values, t.dtype)}, dtype={dtype}{device})"
    if t.dim() > 0 and not t.is_contiguous():
        code += f"  # in the test: a non-contiguous view, strides {tuple(t.stride())}"
    return code


def generator_code(g: torch.Generator) -> str:
    """`torch.Generator(...).manual_seed(seed)`, noting numbers already drawn from it."""
    code = f"torch.Generator(device={str(g.device)!r}).manual_seed({g.initial_seed()})"
    fresh = torch.Generator(device=g.device).manual_seed(g.initial_seed())
    if not torch.equal(fresh.get_state(), g.get_state()):
        code += "  # and some numbers drawn from it already"
    return code


def value_code(value: Any) -> str:
    """Code for one argument: tensors as `torch.tensor(...)`, generators seeded, the rest
    as `repr`."""
    if isinstance(value, torch.Tensor):
        return tensor_code(value)
    if isinstance(value, torch.Generator):
        return generator_code(value)
    return repr(value)


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
