"""Plausible wrong solutions of kata 04_einsum; each must be caught.

A definition named `<function>__<what>` replaces `<function>` of the reference.
`EXPECTED` names the verdict a mutant must get when the reason matters.
"""

import itertools

import torch

EXPECTED = {
    "matmul_einsum__uses_matmul_operator": "rule broken",
    "matmul_einsum__einsum_per_row": "rule broken",
    "matmul_einsum__loses_dtype": "wrong",
    "transpose_einsum__uses_t": "rule broken",
    "transpose_einsum__einsum_then_T": "rule broken",
    "batch_matmul_einsum__uses_bmm": "rule broken",
    "batch_matmul_einsum__einsum_per_batch": "rule broken",
    "bilinear_einsum__matmul_then_sum": "rule broken",
    "einsum2__uses_torch_einsum": "rule broken",
    "einsum2__uses_tensordot": "rule broken",
    "einsum2__loops_over_output_elements": "rule broken",
    "einsum2__output_order_ignored": "wrong",
    "einsum2__sums_every_axis_when_none_is_summed": "crashed",
    "einsum2__no_size_one_broadcasting": "crashed",
    "einsum2__bmm_without_expanding_size_one": "crashed",
    "einsum2__reshape_minus_one": "crashed",
    "einsum2__lets_torch_report_sizes": "wrong",
    "einsum2__size_message_without_letter": "wrong",
    "einsum2__malformed_message_without_equation": "wrong",
    "einsum2__accepts_upper_case": "wrong",
    "einsum2__accepts_implicit_form": "wrong",
    "einsum2__result_from_torch_zeros": "wrong",
}


# --- matmul_einsum ------------------------------------------------------------


def matmul_einsum__uses_matmul_operator(a, b):
    """a @ b: the right product, without einsum."""
    return a @ b


def matmul_einsum__b_transposed(a, b):
    """'ik,jk->ij': b's letters swapped (a @ b.t(); fails unless shapes allow)."""
    return torch.einsum("ik,jk->ij", a, b)


def matmul_einsum__result_transposed(a, b):
    """'ik,kj->ji': the output letters in the wrong order."""
    return torch.einsum("ik,kj->ji", a, b)


def matmul_einsum__sums_everything(a, b):
    """'ik,kj->': leaves the output empty, so every letter is summed."""
    return torch.einsum("ik,kj->", a, b)


def matmul_einsum__loses_dtype(a, b):
    """Casts to float32 first (a habit from code that mixes dtypes)."""
    return torch.einsum("ik,kj->ij", a.float(), b.float())


def matmul_einsum__einsum_per_row(a, b):
    """One einsum per row of a, in a Python loop."""
    rows = [torch.einsum("k,kj->j", a[i], b) for i in range(a.shape[0])]
    return torch.stack(rows) if rows else torch.einsum("ik,kj->ij", a, b)


# --- transpose_einsum ---------------------------------------------------------


def transpose_einsum__uses_t(a):
    """a.t(): the transpose without einsum."""
    return a.t()


def transpose_einsum__einsum_then_T(a):
    """Calls einsum for show, then transposes with .T."""
    return torch.einsum("ij->ij", a).T


def transpose_einsum__identity(a):
    """'ij->ij': the same letters in the same order, nothing moves."""
    return torch.einsum("ij->ij", a)


def transpose_einsum__sums_rows(a):
    """'ij->j': leaves i out of the output, which sums it."""
    return torch.einsum("ij->j", a)


def transpose_einsum__loses_dtype(a):
    """Casts to float32 first."""
    return torch.einsum("ij->ji", a.float())


# --- batch_matmul_einsum ------------------------------------------------------


def batch_matmul_einsum__uses_bmm(a, b):
    """torch.bmm: the right products, without einsum."""
    return torch.bmm(a, b)


def batch_matmul_einsum__sums_over_batch(a, b):
    """'bik,bkj->ij': b left out of the output, so the batch is summed."""
    return torch.einsum("bik,bkj->ij", a, b)


def batch_matmul_einsum__every_pair_of_batches(a, b):
    """'bik,ckj->bij': a different letter for b's batch, summed: a[n] against every b[m]."""
    return torch.einsum("bik,ckj->bij", a, b)


def batch_matmul_einsum__b_transposed(a, b):
    """'bik,bjk->bij': b's last two letters swapped."""
    return torch.einsum("bik,bjk->bij", a, b)


def batch_matmul_einsum__einsum_per_batch(a, b):
    """matmul's einsum once per batch entry, in a Python loop."""
    products = [torch.einsum("ik,kj->ij", a[n], b[n]) for n in range(a.shape[0])]
    return torch.stack(products) if products else torch.einsum("bik,bkj->bij", a, b)


# --- bilinear_einsum ----------------------------------------------------------


def bilinear_einsum__matmul_then_sum(a, w, c):
    """((a @ w) * c).sum(1): the right values, without einsum."""
    return ((a @ w) * c).sum(dim=1)


def bilinear_einsum__w_transposed(a, w, c):
    """'bi,ji,bj->b': w's letters swapped."""
    return torch.einsum("bi,ji,bj->b", a, w, c)


def bilinear_einsum__sums_over_batch(a, w, c):
    """'bi,ij,bj->': b left out of the output, one number for the whole batch."""
    return torch.einsum("bi,ij,bj->", a, w, c)


def bilinear_einsum__every_row_of_c(a, w, c):
    """'bi,ij,cj->b': c gets its own row letter, summed: row b of a against all of c."""
    return torch.einsum("bi,ij,cj->b", a, w, c)


def bilinear_einsum__keeps_j(a, w, c):
    """'bi,ij,bj->bj': j kept in the output, so it is not summed."""
    return torch.einsum("bi,ij,bj->bj", a, w, c)


# --- einsum2 ------------------------------------------------------------------
# A correct parser and a correct broadcasting core, each mutant switching one
# thing off or doing one thing wrong.

_LOWER = "abcdefghijklmnopqrstuvwxyz"


def _m_parse(equation, x, y, *, message=True, characters=_LOWER, implicit=False,
             output_checks=True, dims=True):
    def bad(why):
        return ValueError(f"bad equation {equation!r}: {why}" if message else why)

    if implicit and "->" not in equation:  # torch's implicit form: letters seen once, sorted
        letters = equation.replace(",", "")
        equation += "->" + "".join(sorted(c for c in set(letters) if letters.count(c) == 1))
    if equation.count("->") != 1:
        raise bad("one '->' needed")
    inputs, output = equation.split("->")
    operands = inputs.split(",")
    if len(operands) != 2:
        raise bad("two operands needed")
    for sub in (*operands, output):
        for c in sub:
            if c not in characters:
                raise bad(f"{c!r} is not a letter")
            if sub.count(c) > 1 and (output_checks or sub is not output):
                raise bad(f"{c!r} twice")
    xs, ys = operands
    if output_checks and any(c not in xs + ys for c in output):
        raise bad("unknown output letter")
    if dims and (x.dim() != len(xs) or y.dim() != len(ys)):
        raise bad("wrong number of dimensions")
    return xs, ys, output


def _m_sizes(equation, xs, ys, x, y, *, broadcast=True, message=True, zero_like_one=False):
    sizes = dict(zip(xs, x.shape))
    for c, n in zip(ys, y.shape):
        m = sizes.setdefault(c, n)
        fits = m == n or (broadcast and 1 in (m, n)) or (zero_like_one and min(m, n) <= 1)
        if not fits:
            raise ValueError(f"letter {c!r}: {m} against {n}" if message else "sizes differ")
        if m == 1:
            sizes[c] = n
    return sizes


def _m_aligned(t, sub, letters):
    order = [sub.index(c) for c in letters if c in sub]
    return t.permute(order).reshape([t.shape[sub.index(c)] if c in sub else 1 for c in letters])


def _m_broadcast(xs, ys, output, x, y, *, always_sum=False, output_order=True):
    letters = list(dict.fromkeys(xs + ys))
    product = _m_aligned(x, xs, letters) * _m_aligned(y, ys, letters)
    summed = [i for i, c in enumerate(letters) if c not in output]
    if summed or always_sum:
        product = product.sum(dim=summed)
    kept = [c for c in letters if c in output]
    return product.permute([kept.index(c) for c in output]) if output_order else product


def einsum2__uses_torch_einsum(equation, x, y):
    """Checks the call, then lets torch.einsum compute it."""
    xs, ys, _ = _m_parse(equation, x, y)
    _m_sizes(equation, xs, ys, x, y)
    return torch.einsum(equation, x, y)


def einsum2__uses_tensordot(equation, x, y):
    """The outer product by torch.tensordot(dims=0), then sums and permutes."""
    xs, ys, output = _m_parse(equation, x, y)
    _m_sizes(equation, xs, ys, x, y)
    letters = list(dict.fromkeys(xs + ys))
    shared = [c for c in ys if c in xs]
    outer = torch.tensordot(x, y, dims=0)  # xs + ys axes; shared letters twice
    # Take the diagonal of each shared letter, broadcasting sizes of 1 by expand.
    for c in shared:
        i, j = xs.index(c), len(xs) + ys.index(c)
        n = max(outer.shape[i], outer.shape[j]) if 0 not in (outer.shape[i], outer.shape[j]) else 0
        shape = list(outer.shape)
        shape[i] = shape[j] = n
        outer = outer.expand(shape).diagonal(dim1=i, dim2=j)
        xs = xs.replace(c, "")
        ys = ys.replace(c, "") + c
    order = xs + ys
    summed = [order.index(c) for c in letters if c not in output]
    if summed:
        outer = outer.sum(dim=summed)
    kept = [c for c in order if c in output]
    return outer.permute([kept.index(c) for c in output])


def einsum2__loops_over_output_elements(equation, x, y):
    """Broadcasts the product, then sums it one output element at a time."""
    xs, ys, output = _m_parse(equation, x, y)
    sizes = _m_sizes(equation, xs, ys, x, y)
    letters = list(dict.fromkeys(xs + ys))
    product = _m_aligned(x, xs, letters) * _m_aligned(y, ys, letters)
    moved = product.permute([letters.index(c) for c in output] +
                            [i for i, c in enumerate(letters) if c not in output])
    result = torch.zeros([sizes[c] for c in output], dtype=x.dtype, device=x.device)
    for index in itertools.product(*(range(sizes[c]) for c in output)):
        result[index] = moved[index].sum()
    return result


def einsum2__output_order_ignored(equation, x, y):
    """Keeps the output letters in the order they first appear in the inputs."""
    xs, ys, output = _m_parse(equation, x, y)
    _m_sizes(equation, xs, ys, x, y)
    return _m_broadcast(xs, ys, output, x, y, output_order=False)


def einsum2__sums_every_axis_when_none_is_summed(equation, x, y):
    """Always calls .sum(dim=summed): with no letter to sum, .sum(dim=[]) sums every axis."""
    xs, ys, output = _m_parse(equation, x, y)
    _m_sizes(equation, xs, ys, x, y)
    return _m_broadcast(xs, ys, output, x, y, always_sum=True)


def einsum2__sums_only_shared_letters(equation, x, y):
    """Sums the letters in both inputs, forgetting those in one input only."""
    xs, ys, output = _m_parse(equation, x, y)
    _m_sizes(equation, xs, ys, x, y)
    letters = list(dict.fromkeys(xs + ys))
    product = _m_aligned(x, xs, letters) * _m_aligned(y, ys, letters)
    summed = [i for i, c in enumerate(letters) if c not in output and c in xs and c in ys]
    if summed:
        product = product.sum(dim=summed)
    kept = [c for c in letters if c in output or not (c in xs and c in ys)]
    return product.permute([kept.index(c) for c in kept if c in output] +
                           [kept.index(c) for c in kept if c not in output])


def einsum2__no_size_one_broadcasting(equation, x, y):
    """Demands equal sizes: a size-1 letter against a larger one is refused."""
    xs, ys, output = _m_parse(equation, x, y)
    _m_sizes(equation, xs, ys, x, y, broadcast=False)
    return _m_broadcast(xs, ys, output, x, y)


def einsum2__zero_acts_like_one(equation, x, y):
    """Lets a size 0 broadcast like a size 1: 0 against 2 is not refused."""
    xs, ys, output = _m_parse(equation, x, y)
    _m_sizes(equation, xs, ys, x, y, zero_like_one=True)
    return _m_broadcast(xs, ys, output, x, y)


def _m_bmm(equation, x, y, *, expand=True, minus_one=False):
    """permute, reshape and bmm (a correct core when expand=True and minus_one=False)."""
    xs, ys, output = _m_parse(equation, x, y)
    sizes = _m_sizes(equation, xs, ys, x, y)

    def prepare(t, sub, other):
        gone = [i for i, c in enumerate(sub) if c not in other and c not in output]
        if gone:  # letters of this operand only, not in the output: summed first
            t = t.sum(dim=gone)
            sub = "".join(c for c in sub if c in other or c in output)
        if expand:  # a size-1 letter takes the other operand's size
            t = t.expand([sizes[c] for c in sub])
        return t, sub

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
    if minus_one:
        a = a.reshape(size(batch), -1, size(inner))
        b = b.reshape(size(batch), size(inner), -1)
    else:
        a = a.reshape(size(batch), size(left), size(inner))
        b = b.reshape(size(batch), size(inner), size(right))
    order = batch + left + right
    out = torch.bmm(a, b).reshape([sizes[c] for c in order])
    return out.permute([order.index(c) for c in output])


def einsum2__bmm_without_expanding_size_one(equation, x, y):
    """permute, reshape and bmm, but a size-1 letter is not expanded to the other's size."""
    return _m_bmm(equation, x, y, expand=False)


def einsum2__reshape_minus_one(equation, x, y):
    """permute, reshape(-1) and bmm: -1 is ambiguous when a tensor has no elements."""
    return _m_bmm(equation, x, y, minus_one=True)


def einsum2__lets_torch_report_sizes(equation, x, y):
    """No size check: broadcasting raises a RuntimeError, not a ValueError naming the letter."""
    xs, ys, output = _m_parse(equation, x, y)
    return _m_broadcast(xs, ys, output, x, y)


def einsum2__size_message_without_letter(equation, x, y):
    """Refuses sizes that do not fit, but the message does not say which letter."""
    xs, ys, output = _m_parse(equation, x, y)
    _m_sizes(equation, xs, ys, x, y, message=False)
    return _m_broadcast(xs, ys, output, x, y)


def einsum2__malformed_message_without_equation(equation, x, y):
    """Refuses malformed calls, but the message does not show the equation."""
    xs, ys, output = _m_parse(equation, x, y, message=False)
    _m_sizes(equation, xs, ys, x, y)
    return _m_broadcast(xs, ys, output, x, y)


def einsum2__accepts_upper_case(equation, x, y):
    """Checks c.isalpha(): upper-case letters pass as letters of their own."""
    xs, ys, output = _m_parse(equation, x, y, characters=_LOWER + _LOWER.upper())
    _m_sizes(equation, xs, ys, x, y)
    return _m_broadcast(xs, ys, output, x, y)


def einsum2__accepts_implicit_form(equation, x, y):
    """Without '->', does what torch does: keeps the letters seen once, sorted."""
    xs, ys, output = _m_parse(equation, x, y, implicit=True)
    _m_sizes(equation, xs, ys, x, y)
    return _m_broadcast(xs, ys, output, x, y)


def einsum2__output_unchecked(equation, x, y):
    """Never checks the output: a repeated or unknown output letter reaches permute."""
    xs, ys, output = _m_parse(equation, x, y, output_checks=False)
    _m_sizes(equation, xs, ys, x, y)
    return _m_broadcast(xs, ys, output, x, y)


def einsum2__no_dimension_check(equation, x, y):
    """Never compares an operand's dimensions with its letters: zip drops the extras."""
    xs, ys, output = _m_parse(equation, x, y, dims=False)
    _m_sizes(equation, xs, ys, x, y)
    return _m_broadcast(xs, ys, output, x, y)


def einsum2__result_from_torch_zeros(equation, x, y):
    """Adds the sum into torch.zeros(shape): float32 on the CPU whatever x is."""
    xs, ys, output = _m_parse(equation, x, y)
    sizes = _m_sizes(equation, xs, ys, x, y)
    result = torch.zeros([sizes[c] for c in output])
    result += _m_broadcast(xs, ys, output, x, y)
    return result
