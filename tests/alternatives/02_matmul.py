"""Correct solutions of kata 02_matmul written differently; each must pass.

A definition named `<function>__<what>` replaces `<function>` of the reference.
"""

import torch


def dense_layer__matmul_then_bias(x, w, b):
    """torch.matmul and an explicit broadcast of the bias."""
    return torch.matmul(x, w.transpose(0, 1)) + b.unsqueeze(0)


def dense_layer__addmm(x, w, b):
    """One fused call: b + x @ w.T."""
    return torch.addmm(b, x, w.T)


def matmul_loops__book_with_dtype(a, b):
    """The book's code with the result made like the input, and assert for the check."""
    ar, ac = a.shape
    br, bc = b.shape
    assert ac == br, f"a is {a.shape} and b is {b.shape}"
    c = a.new_zeros(ar, bc)
    for i in range(ar):
        for j in range(bc):
            for k in range(ac):
                c[i, j] += a[i, k] * b[k, j]
    return c


def matmul_loops__kij_order_python_floats(a, b):
    """Another loop order, accumulating Python floats then building the tensor."""
    n, k = a.shape
    k2, m = b.shape
    if k != k2:
        raise ValueError(f"{n}x{k} and {k2}x{m} do not fit")
    acc = [[0.0] * m for _ in range(n)]
    for kk in range(k):
        for i in range(n):
            aik = a[i, kk].item()
            for j in range(m):
                acc[i][j] += aik * b[kk, j].item()
    return torch.tensor(acc, dtype=a.dtype, device=a.device).reshape(n, m)


def matmul_elementwise__column_first(a, b):
    """Loops over columns outside, rows inside; sums with torch.sum."""
    if a.shape[1] != b.shape[0]:
        raise ValueError(f"cannot multiply {list(a.shape)} by {list(b.shape)}")
    c = torch.empty(a.shape[0], b.shape[1], dtype=a.dtype, device=a.device)
    for j in range(b.shape[1]):
        col = b[:, j]
        for i in range(a.shape[0]):
            c[i, j] = torch.sum(a[i] * col)
    return c


def matmul_loops__course_names(m1, m2):
    """The fastai course notebook's names and tuple unpacking: m1, m2 and (ar, ac)."""
    (ar, ac), (br, bc) = m1.shape, m2.shape
    if ac != br:
        raise ValueError(f"shapes {tuple(m1.shape)} and {tuple(m2.shape)} do not fit")
    t = torch.zeros(ar, bc, dtype=m1.dtype, device=m1.device)
    for i in range(ar):
        for j in range(bc):
            for k in range(ac):
                t[i, j] += m1[i, k] * m2[k, j]
    return t


def matmul_elementwise__course_names(m1, m2):
    """The fastai course notebook's version, with its names (m1, m2)."""
    ar, ac = m1.shape
    br, bc = m2.shape
    if ac != br:
        raise ValueError(f"shapes {tuple(m1.shape)} and {tuple(m2.shape)} do not fit")
    t = torch.zeros(ar, bc, dtype=m1.dtype, device=m1.device)
    for i in range(ar):
        for j in range(bc):
            t[i, j] = (m1[i, :] * m2[:, j]).sum()
    return t


def matmul_elementwise__takes_anything(*args, **kwargs):
    """A notebook stand-in style signature that forwards everything: *args, **kwargs."""
    a, b = args
    if a.shape[1] != b.shape[0]:
        raise ValueError(f"shapes {tuple(a.shape)} and {tuple(b.shape)} do not fit")
    c = a.new_zeros(a.shape[0], b.shape[1])
    for i in range(a.shape[0]):
        for j in range(b.shape[1]):
            c[i, j] = (a[i] * b[:, j]).sum()
    return c


def matmul_loops__zeros_then_to(a, b):
    """Makes c on the CPU, then moves it to a's device and dtype before any write."""
    (ar, ac), (_, bc) = a.shape, b.shape
    if ac != b.shape[0]:
        raise ValueError(f"cannot multiply {tuple(a.shape)} by {tuple(b.shape)}")
    c = torch.zeros(ar, bc).to(a)
    for i in range(ar):
        for j in range(bc):
            for k in range(ac):
                c[i, j] += a[i, k] * b[k, j]
    return c


def matmul_elementwise__device_of_b(a, b):
    """device= and dtype= taken from b, which is on the same device as a."""
    (ar, ac), (_, bc) = a.shape, b.shape
    if ac != b.shape[0]:
        raise ValueError(f"cannot multiply {tuple(a.shape)} by {tuple(b.shape)}")
    c = torch.zeros((ar, bc), dtype=b.dtype, device=b.device)
    for i in range(ar):
        for j in range(bc):
            c[i, j] = (a[i, :] * b[:, j]).sum()
    return c
