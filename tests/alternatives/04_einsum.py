"""Correct solutions of kata 04_einsum written differently; each must pass.

A definition named `<function>__<what>` replaces `<function>` of the reference.
"""

import re
import string

import torch

# --- matmul_einsum ------------------------------------------------------------


def matmul_einsum__other_letters(a, b):
    """The letters are only names: 'xy,yz->xz'."""
    return torch.einsum("xy,yz->xz", a, b)


def matmul_einsum__implicit_output(a, b):
    """torch's implicit form: without '->', the output is the letters seen once, sorted."""
    return torch.einsum("ik,kj", a, b)


def matmul_einsum__sublist_form(a, b):
    """torch.einsum's sublist form: integers instead of letters."""
    return torch.einsum(a, [0, 1], b, [1, 2], [0, 2])


def matmul_einsum__operands_as_a_list(a, b):
    """The operands passed as one list, as older einsum code does."""
    return torch.einsum("ik,kj->ij", [a, b])


# --- transpose_einsum ---------------------------------------------------------


def transpose_einsum__letters_swapped_in_the_input(a):
    """'ji->ij' names the input's axes the other way round: also a transpose."""
    return torch.einsum("ji->ij", a)


def transpose_einsum__contiguous_copy(a):
    """A contiguous copy of the transpose instead of a view."""
    return torch.einsum("ij->ji", a).contiguous()


# --- batch_matmul_einsum ------------------------------------------------------


def batch_matmul_einsum__other_letters(a, b):
    """'nij,njk->nik'."""
    return torch.einsum("nij,njk->nik", a, b)


def batch_matmul_einsum__ellipsis(a, b):
    """'...ik,...kj->...ij': the batch as an ellipsis."""
    return torch.einsum("...ik,...kj->...ij", a, b)


# --- bilinear_einsum ----------------------------------------------------------


def bilinear_einsum__two_einsums(a, w, c):
    """a @ w first ('bi,ij->bj'), then a row-wise dot product with c ('bj,bj->b')."""
    return torch.einsum("bj,bj->b", torch.einsum("bi,ij->bj", a, w), c)


def bilinear_einsum__operands_in_another_order(a, w, c):
    """The same sum with the operands in another order: 'bj,bi,ij->b'."""
    return torch.einsum("bj,bi,ij->b", c, a, w)


# --- einsum2 ------------------------------------------------------------------

_EQUATION = re.compile(r"([a-z]*),([a-z]*)->([a-z]*)")


def _alt_parse(equation, x, y):
    """A regular expression for the form, then the letter rules."""
    match = _EQUATION.fullmatch(equation)
    if match is None:
        raise ValueError(f"{equation}: expected 'x,y->output' with letters a-z only")
    xs, ys, output = match.groups()
    for sub in (xs, ys, output):
        if len(set(sub)) != len(sub):
            raise ValueError(f"{equation}: a letter repeats in {sub!r}")
    if not set(output) <= set(xs) | set(ys):
        raise ValueError(f"{equation}: output letters {sorted(set(output) - set(xs + ys))} unknown")
    if (x.ndim, y.ndim) != (len(xs), len(ys)):
        raise ValueError(f"{equation}: shapes {list(x.shape)} and {list(y.shape)} do not fit")
    return xs, ys, output


def _alt_sizes(xs, ys, x, y):
    sizes = {}
    for sub, t in ((xs, x), (ys, y)):
        for c, n in zip(sub, t.shape):
            m = sizes.get(c, 1)
            if n != m and m != 1 and n != 1:
                raise ValueError(f"size mismatch for {c}: {m} != {n}")
            sizes[c] = n if m == 1 else m
    return sizes


def einsum2__unsqueeze_and_movedim(equation, x, y):
    """Broadcasting by unsqueeze and movedim, summed with torch.sum; dims in output order."""
    xs, ys, output = _alt_parse(equation, x, y)
    _alt_sizes(xs, ys, x, y)
    letters = list(output) + [c for c in dict.fromkeys(xs + ys) if c not in output]

    def spread(t, sub):
        for c in letters:  # one axis per letter, appended at the end when missing
            if c not in sub:
                t = t.unsqueeze(-1)
                sub += c
        return t.permute([sub.index(c) for c in letters])

    product = torch.mul(spread(x, xs), spread(y, ys))
    extra = tuple(range(len(output), len(letters)))
    return torch.sum(product, dim=extra) if extra else product


def einsum2__permute_reshape_bmm(equation, x, y):
    """Sums one-operand letters first, expands size-1 letters, then one batched matmul."""
    xs, ys, output = _alt_parse(equation, x, y)
    sizes = _alt_sizes(xs, ys, x, y)

    def prepare(t, sub, other):
        gone = [i for i, c in enumerate(sub) if c not in other and c not in output]
        if gone:
            t = t.sum(dim=gone)
            sub = "".join(c for c in sub if c in other or c in output)
        return t.expand([sizes[c] for c in sub]), sub

    (a, asub), (b, bsub) = prepare(x, xs, ys), prepare(y, ys, xs)
    batch = [c for c in asub if c in bsub and c in output]
    inner = [c for c in asub if c in bsub and c not in output]
    left = [c for c in asub if c not in bsub]
    right = [c for c in bsub if c not in asub]

    def size(letters):
        n = 1
        for c in letters:
            n *= sizes[c]
        return n

    a = a.permute([asub.index(c) for c in batch + left + inner])
    b = b.permute([bsub.index(c) for c in batch + inner + right])
    a = a.reshape(size(batch), size(left), size(inner))
    b = b.reshape(size(batch), size(inner), size(right))
    order = batch + left + right
    out = torch.bmm(a, b).reshape([sizes[c] for c in order])
    return out.permute([order.index(c) for c in output])


def einsum2__indexing_with_none(equation, x, y):
    """Checks by counting characters; None indexing over the letters sorted; a tuple of dims."""
    if equation.count("->") != 1 or equation.split("->")[0].count(",") != 1:
        raise ValueError(f"einsum2: {equation!r} is not 'x,y->output'")
    bad = set(equation) - set(string.ascii_lowercase + ",->")
    if bad:
        raise ValueError(f"einsum2: {equation!r} has characters {sorted(bad)}")
    inputs, output = equation.split("->")
    xs, ys = inputs.split(",")
    if any(s.count(c) > 1 for s in (xs, ys, output) for c in s):
        raise ValueError(f"einsum2: {equation!r} repeats a letter")
    if any(c not in xs + ys for c in output):
        raise ValueError(f"einsum2: {equation!r} outputs a letter of no input")
    if x.dim() != len(xs) or y.dim() != len(ys):
        raise ValueError(f"einsum2: {equation!r} does not fit {tuple(x.shape)}, {tuple(y.shape)}")
    _alt_sizes(xs, ys, x, y)
    letters = sorted(set(xs + ys))

    def spread(t, sub):
        t = t.permute(sorted(range(len(sub)), key=lambda i: sub[i]))  # its letters sorted
        return t[tuple(slice(None) if c in sub else None for c in letters)]

    product = spread(x, xs) * spread(y, ys)
    summed = tuple(i for i, c in enumerate(letters) if c not in output)
    if summed:
        product = product.sum(dim=summed)
    kept = [c for c in letters if c in output]
    return product.permute([kept.index(c) for c in output])
