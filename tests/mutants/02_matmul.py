"""Plausible wrong solutions of kata 02_matmul; each must be caught.

A definition named `<function>__<what>` replaces `<function>` of the reference.
`EXPECTED` names the verdict a mutant must get when the reason matters.
"""

import torch

EXPECTED = {
    "dense_layer__no_transpose": "wrong",
    "dense_layer__no_bias": "wrong",
    "dense_layer__bias_per_row": "wrong",
    "matmul_loops__inner_loop_off_by_one": "wrong",
    "matmul_loops__inner_loop_from_one": "wrong",
    "matmul_loops__row_loop_off_by_one": "wrong",
    "matmul_loops__transposed_indexing": "wrong",
    "matmul_elementwise__column_loop_from_one": "wrong",
    "matmul_loops__book_zeros_loses_dtype": "wrong",
    "matmul_loops__uses_matmul_operator": "rule broken",
    "matmul_loops__numpy_escape": "rule broken",
    "matmul_loops__while_loop_never_ends": "too slow",
    "matmul_elementwise__three_loops": "rule broken",
    "matmul_elementwise__uses_torch_dot": "rule broken",
    "dense_layer__uses_f_linear": "rule broken",
    "matmul_loops__no_loops_broadcasting": "rule broken",
    "matmul_loops__one_loop_over_rows": "rule broken",
    "matmul_elementwise__no_loops": "rule broken",
    "matmul_loops__forgets_device": "wrong",
    "matmul_elementwise__forgets_device": "wrong",
}


def dense_layer__no_transpose(x, w, b):
    """Forgets that w is (n_out, n_in): x @ w instead of x @ w.t()."""
    return x @ w + b


def dense_layer__no_bias(x, w, b):
    """Forgets the bias."""
    return x @ w.t()


def dense_layer__bias_per_row(x, w, b):
    """Adds the bias per row of x instead of per output (fails unless square)."""
    return x @ w.t() + b[: x.shape[0], None]


def dense_layer__uses_f_linear(x, w, b):
    """Calls the layer it is asked to write."""
    return torch.nn.functional.linear(x, w, b)


def matmul_loops__book_zeros_loses_dtype(a, b):
    """The book's code: torch.zeros(ar, bc) is float32 on the CPU."""
    ar, ac = a.shape
    br, bc = b.shape
    assert ac == br, f"cannot multiply {tuple(a.shape)} by {tuple(b.shape)}"
    c = torch.zeros(ar, bc)
    for i in range(ar):
        for j in range(bc):
            for k in range(ac):
                c[i, j] += a[i, k] * b[k, j]
    return c


def matmul_loops__transposed_indexing(a, b):
    """Reads b[j, k] instead of b[k, j] (silently right for symmetric b)."""
    ar, ac = a.shape
    br, bc = b.shape
    if ac != br:
        raise ValueError(f"cannot multiply {tuple(a.shape)} by {tuple(b.shape)}")
    c = torch.zeros(ar, bc, dtype=a.dtype, device=a.device)
    for i in range(ar):
        for j in range(bc):
            for k in range(ac):
                c[i, j] += a[i, k] * b[min(j, br - 1), min(k, bc - 1)]
    return c


def matmul_loops__inner_loop_off_by_one(a, b):
    """Skips the last term of every sum."""
    ar, ac = a.shape
    br, bc = b.shape
    if ac != br:
        raise ValueError(f"cannot multiply {tuple(a.shape)} by {tuple(b.shape)}")
    c = torch.zeros(ar, bc, dtype=a.dtype, device=a.device)
    for i in range(ar):
        for j in range(bc):
            for k in range(ac - 1):
                c[i, j] += a[i, k] * b[k, j]
    return c


def matmul_loops__inner_loop_from_one(a, b):
    """range(1, ac): skips the first term of every sum."""
    ar, ac = a.shape
    br, bc = b.shape
    if ac != br:
        raise ValueError(f"cannot multiply {tuple(a.shape)} by {tuple(b.shape)}")
    c = torch.zeros(ar, bc, dtype=a.dtype, device=a.device)
    for i in range(ar):
        for j in range(bc):
            for k in range(1, ac):
                c[i, j] += a[i, k] * b[k, j]
    return c


def matmul_loops__row_loop_off_by_one(a, b):
    """range(ar - 1): the last row of the result stays 0."""
    ar, ac = a.shape
    br, bc = b.shape
    if ac != br:
        raise ValueError(f"cannot multiply {tuple(a.shape)} by {tuple(b.shape)}")
    c = torch.zeros(ar, bc, dtype=a.dtype, device=a.device)
    for i in range(ar - 1):
        for j in range(bc):
            for k in range(ac):
                c[i, j] += a[i, k] * b[k, j]
    return c


def matmul_loops__no_shape_check(a, b):
    """Never checks the shapes: extra columns of a are silently ignored."""
    ar, _ = a.shape
    br, bc = b.shape
    c = torch.zeros(ar, bc, dtype=a.dtype, device=a.device)
    for i in range(ar):
        for j in range(bc):
            for k in range(br):
                c[i, j] += a[i, k] * b[k, j]
    return c


def matmul_loops__uses_matmul_operator(a, b):
    """Skips the loops."""
    if a.shape[1] != b.shape[0]:
        raise ValueError(f"cannot multiply {tuple(a.shape)} by {tuple(b.shape)}")
    return a @ b


def matmul_loops__numpy_escape(a, b):
    """Hands the work to numpy."""
    if a.shape[1] != b.shape[0]:
        raise ValueError(f"cannot multiply {tuple(a.shape)} by {tuple(b.shape)}")
    return torch.from_numpy(a.cpu().numpy().dot(b.cpu().numpy())).to(a.device)


def matmul_loops__while_loop_never_ends(a, b):
    """A while loop whose index never moves once a row has two columns."""
    if a.shape[1] != b.shape[0]:
        raise ValueError(f"cannot multiply {tuple(a.shape)} by {tuple(b.shape)}")
    c = torch.zeros(a.shape[0], b.shape[1], dtype=a.dtype, device=a.device)
    for i in range(a.shape[0]):
        for j in range(b.shape[1]):
            k = 0
            while k < a.shape[1]:
                c[i, j] += a[i, k] * b[k, j]
                if k < 1:
                    k += 1
    return c


def matmul_elementwise__three_loops(a, b):
    """Keeps the third loop: correct values, but not what the kata teaches."""
    if a.shape[1] != b.shape[0]:
        raise ValueError(f"cannot multiply {tuple(a.shape)} by {tuple(b.shape)}")
    c = torch.zeros(a.shape[0], b.shape[1], dtype=a.dtype, device=a.device)
    for i in range(a.shape[0]):
        for j in range(b.shape[1]):
            for k in range(a.shape[1]):
                c[i, j] += a[i, k] * b[k, j]
    return c


def matmul_elementwise__row_times_row(a, b):
    """Multiplies row i of a by row j of b instead of column j."""
    if a.shape[1] != b.shape[0]:
        raise ValueError(f"cannot multiply {tuple(a.shape)} by {tuple(b.shape)}")
    c = torch.zeros(a.shape[0], b.shape[1], dtype=a.dtype, device=a.device)
    for i in range(a.shape[0]):
        for j in range(b.shape[1]):
            row = b[j % b.shape[0], :] if b.shape[0] else b[:, j]
            c[i, j] = (a[i, :] * row[: a.shape[1]]).sum() if row.shape[0] >= a.shape[1] else 0
    return c


def matmul_elementwise__column_loop_from_one(a, b):
    """range(1, bc): the first column of the result stays 0."""
    if a.shape[1] != b.shape[0]:
        raise ValueError(f"cannot multiply {tuple(a.shape)} by {tuple(b.shape)}")
    c = torch.zeros(a.shape[0], b.shape[1], dtype=a.dtype, device=a.device)
    for i in range(a.shape[0]):
        for j in range(1, b.shape[1]):
            c[i, j] = (a[i, :] * b[:, j]).sum()
    return c


def matmul_elementwise__uses_torch_dot(a, b):
    """torch.dot does the inner sum: a matrix product in disguise."""
    if a.shape[1] != b.shape[0]:
        raise ValueError(f"cannot multiply {tuple(a.shape)} by {tuple(b.shape)}")
    c = torch.zeros(a.shape[0], b.shape[1], dtype=a.dtype, device=a.device)
    for i in range(a.shape[0]):
        for j in range(b.shape[1]):
            c[i, j] = torch.dot(a[i, :], b[:, j])
    return c


def matmul_elementwise__result_on_cpu(a, b):
    """Creates the result without device=: wrong on a GPU, and float32 always."""
    if a.shape[1] != b.shape[0]:
        raise ValueError(f"cannot multiply {tuple(a.shape)} by {tuple(b.shape)}")
    c = torch.zeros(a.shape[0], b.shape[1])
    for i in range(a.shape[0]):
        for j in range(b.shape[1]):
            c[i, j] = (a[i, :] * b[:, j]).sum()
    return c


def matmul_elementwise__message_without_shapes(a, b):
    """Rejects bad shapes, but the message does not say which."""
    if a.shape[1] != b.shape[0]:
        raise ValueError("shapes do not match")
    c = torch.zeros(a.shape[0], b.shape[1], dtype=a.dtype, device=a.device)
    for i in range(a.shape[0]):
        for j in range(b.shape[1]):
            c[i, j] = (a[i, :] * b[:, j]).sum()
    return c


def matmul_loops__no_loops_broadcasting(a, b):
    """No loop at all: broadcasting does the work that "three nested loops" asks for."""
    if a.shape[1] != b.shape[0]:
        raise ValueError(f"cannot multiply {tuple(a.shape)} by {tuple(b.shape)}")
    return (a[:, :, None] * b[None]).sum(1)


def matmul_loops__one_loop_over_rows(a, b):
    """One loop over the rows, a row times b by broadcasting: the two inner loops are gone."""
    if a.shape[1] != b.shape[0]:
        raise ValueError(f"cannot multiply {tuple(a.shape)} by {tuple(b.shape)}")
    c = a.new_zeros(a.shape[0], b.shape[1])
    for i in range(a.shape[0]):
        c[i] = (a[i, :, None] * b).sum(0)
    return c


def matmul_elementwise__no_loops(a, b):
    """No loop at all, where the kata asks for two."""
    if a.shape[1] != b.shape[0]:
        raise ValueError(f"cannot multiply {tuple(a.shape)} by {tuple(b.shape)}")
    return (a.unsqueeze(-1) * b.unsqueeze(0)).sum(1)


# --- device readiness: caught on any machine (see dojo.readiness) ------------------


def matmul_loops__forgets_device(a, b):
    """Keeps the dtype but not the device: on a GPU, c stays on the CPU."""
    (ar, ac), (_, bc) = a.shape, b.shape
    if ac != b.shape[0]:
        raise ValueError(f"cannot multiply {tuple(a.shape)} by {tuple(b.shape)}")
    c = torch.zeros(ar, bc, dtype=a.dtype)
    for i in range(ar):
        for j in range(bc):
            for k in range(ac):
                c[i, j] += a[i, k] * b[k, j]
    return c


def matmul_elementwise__forgets_device(a, b):
    """Keeps the dtype but not the device: on a GPU, c stays on the CPU."""
    (ar, ac), (_, bc) = a.shape, b.shape
    if ac != b.shape[0]:
        raise ValueError(f"cannot multiply {tuple(a.shape)} by {tuple(b.shape)}")
    c = torch.zeros(ar, bc, dtype=a.dtype)
    for i in range(ar):
        for j in range(bc):
            c[i, j] = (a[i, :] * b[:, j]).sum()
    return c
