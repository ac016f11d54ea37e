"""Correct solutions of kata 13_numpy_matmul written differently; each must pass.

A definition named `<function>__<what>` replaces `<function>` of the reference.
"""

import numpy as np
from numpy.lib.stride_tricks import as_strided


def neuron__sum_of_products(inputs, weights, bias):
    """Elementwise product, summed: np.sum keeps the dtype."""
    return (inputs * weights).sum() + bias


def neuron__np_dot(inputs, weights, bias):
    """np.dot of two vectors."""
    return np.dot(inputs, weights) + bias


def dense_layer__matmul_then_bias(x, w, b):
    """np.matmul and an explicit broadcast of the bias."""
    return np.matmul(x, w.transpose()) + b[None, :]


def dense_layer__einsum(x, w, b):
    """The layer as an einsum."""
    return np.einsum("bi,oi->bo", x, w) + b


def matmul_loops__book_with_assert(a, b):
    """The book's code with the result made like the input, and assert for the check."""
    ar, ac = a.shape
    br, bc = b.shape
    assert ac == br, f"a is {a.shape} and b is {b.shape}"
    c = np.zeros_like(a, shape=(ar, bc))
    for i in range(ar):
        for j in range(bc):
            for k in range(ac):
                c[i, j] += a[i, k] * b[k, j]
    return c


def matmul_loops__python_floats_then_array(m1, m2):
    """Python lists of sums, turned into an array of the inputs' dtype at the end."""
    if m1.shape[1] != m2.shape[0]:
        raise ValueError(f"{m1.shape} @ {m2.shape}: the inner sizes differ")
    rows = []
    for i in range(m1.shape[0]):
        row = []
        for j in range(m2.shape[1]):
            total = 0.0
            for k in range(m1.shape[1]):
                total += m1[i, k] * m2[k, j]
            row.append(total)
        rows.append(row)
    return np.array(rows, dtype=m1.dtype).reshape(m1.shape[0], m2.shape[1])


def matmul_elementwise__np_sum(a, b):
    """np.sum of the row times the column, the result from np.empty."""
    if a.shape[1] != b.shape[0]:
        raise ValueError(f"shapes {a.shape} and {b.shape} do not fit")
    c = np.empty((a.shape[0], b.shape[1]), dtype=a.dtype)
    for i in range(a.shape[0]):
        for j in range(b.shape[1]):
            c[i, j] = np.sum(a[i] * b[:, j])
    return c


def matmul_broadcast__newaxis_and_stack(a, b):
    """np.newaxis, and the rows collected in a list."""
    if a.shape[1] != b.shape[0]:
        raise ValueError(f"shapes {a.shape} and {b.shape} do not fit")
    rows = [(a[i][:, np.newaxis] * b).sum(axis=0) for i in range(a.shape[0])]
    return np.array(rows, dtype=a.dtype).reshape(a.shape[0], b.shape[1])


def matmul_no_loops__expand_dims(a, b):
    """np.expand_dims and np.sum."""
    if a.shape[1] != b.shape[0]:
        raise ValueError(f"shapes {a.shape} and {b.shape} do not fit")
    return np.sum(np.expand_dims(a, 2) * np.expand_dims(b, 0), axis=1)


def matmul_einsum__with_ellipsis_free_names(x, y):
    """Other letters, other parameter names."""
    if x.shape[1] != y.shape[0]:
        raise ValueError(f"cannot multiply {x.shape} by {y.shape}")
    return np.einsum("ab,bc->ac", x, y)


def broadcast_shapes__pairwise_fold(*shapes):
    """Two at a time, from the right, with reversed tuples."""
    result = ()
    for shape in shapes:
        merged = []
        left, right = tuple(reversed(result)), tuple(reversed(shape))
        for i in range(max(len(left), len(right))):
            x = left[i] if i < len(left) else 1
            y = right[i] if i < len(right) else 1
            if x != y and 1 not in (x, y):
                raise ValueError(f"cannot broadcast {result} with {shape}")
            merged.append(y if x == 1 else x)
        result = tuple(reversed(merged))
    return result


def expand_like__new_dims_then_strides(v, m):
    """Prepends size-1 dimensions first, then zeroes the strides that repeat."""
    shape = (1,) * (m.ndim - v.ndim) + v.shape
    strides = (0,) * (m.ndim - v.ndim) + v.strides
    strides = tuple(0 if size == 1 else s for size, s in zip(shape, strides))
    return as_strided(v, m.shape, strides)
