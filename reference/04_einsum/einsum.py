"""Reference solutions for kata 04_einsum."""

import torch

LETTERS = "abcdefghijklmnopqrstuvwxyz"


def matmul_einsum(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """`a @ b` as an einsum."""
    return torch.einsum("ik,kj->ij", a, b)


def transpose_einsum(a: torch.Tensor) -> torch.Tensor:
    """`a.t()` as an einsum."""
    return torch.einsum("ij->ji", a)


def batch_matmul_einsum(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """One matrix product per batch entry, as an einsum."""
    return torch.einsum("bik,bkj->bij", a, b)


def bilinear_einsum(a: torch.Tensor, w: torch.Tensor, c: torch.Tensor) -> torch.Tensor:
    """out[b] = sum over i and j of a[b, i] * w[i, j] * c[b, j], as one einsum."""
    return torch.einsum("bi,ij,bj->b", a, w, c)


def _parse(equation: str, x: torch.Tensor, y: torch.Tensor) -> tuple[str, str, str]:
    """The subscripts of x, y and the output; ValueError quoting the equation if malformed."""

    def bad(why: str) -> ValueError:
        return ValueError(f"bad einsum equation {equation!r}: {why}")

    if equation.count("->") != 1:
        raise bad("write it as 'x,y->output', with exactly one '->'")
    inputs, output = equation.split("->")
    operands = inputs.split(",")
    if len(operands) != 2:
        raise bad(f"einsum2 takes two operands, this names {len(operands)}")
    for subscripts in (*operands, output):
        for c in subscripts:
            if c not in LETTERS:
                raise bad(f"{c!r} is not a lower-case letter a-z")
            if subscripts.count(c) > 1:
                raise bad(f"{c!r} appears twice in {subscripts!r}")
    xs, ys = operands
    for c in output:
        if c not in xs and c not in ys:
            raise bad(f"the output letter {c!r} is in neither input")
    for name, subscripts, t in (("x", xs, x), ("y", ys, y)):
        if t.dim() != len(subscripts):
            raise bad(
                f"{name} has {t.dim()} dimensions (shape {tuple(t.shape)}), "
                f"but {subscripts!r} names {len(subscripts)}"
            )
    return xs, ys, output


def einsum2(equation: str, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """A two-operand einsum by broadcasting and a sum."""
    xs, ys, output = _parse(equation, x, y)
    sizes = dict(zip(xs, x.shape, strict=True))
    for c, size in zip(ys, y.shape, strict=True):
        seen = sizes.setdefault(c, size)
        if seen != size and 1 not in (seen, size):
            raise ValueError(
                f"letter {c!r} has size {seen} in x and {size} in y in {equation!r}: "
                "sizes of one letter must match, or one of them must be 1"
            )
    letters = list(dict.fromkeys(xs + ys))  # every letter gets its own axis, in this order

    def aligned(t: torch.Tensor, subscripts: str) -> torch.Tensor:
        order = [subscripts.index(c) for c in letters if c in subscripts]
        shape = [t.shape[subscripts.index(c)] if c in subscripts else 1 for c in letters]
        return t.permute(order).reshape(shape)

    product = aligned(x, xs) * aligned(y, ys)  # broadcasts a size-1 axis against the other
    summed = [axis for axis, c in enumerate(letters) if c not in output]
    if summed:  # .sum(dim=[]) would sum every axis
        product = product.sum(dim=summed)
    kept = [c for c in letters if c in output]
    return product.permute([kept.index(c) for c in output])
