"""Plausible wrong solutions of kata 13_numpy_matmul; each must be caught.

A definition named `<function>__<what>` replaces `<function>` of the reference.
`EXPECTED` names the verdict a mutant must get when the reason matters.
"""

import numpy as np
from numpy.lib.stride_tricks import as_strided

EXPECTED = {
    "neuron__forgets_bias": "wrong",
    "neuron__loop_like_kata_01": "rule broken",
    "neuron__float_loses_dtype": "wrong",
    "neuron__uses_torch": "rule broken",
    "dense_layer__no_transpose": "wrong",
    "dense_layer__no_bias": "wrong",
    "dense_layer__loop_over_rows": "rule broken",
    "matmul_loops__inner_loop_off_by_one": "wrong",
    "matmul_loops__book_zeros_loses_dtype": "wrong",
    "matmul_loops__uses_matmul_operator": "rule broken",
    "matmul_loops__uses_ndarray_dot": "rule broken",
    "matmul_loops__two_loops": "rule broken",
    "matmul_elementwise__column_loop_from_one": "wrong",
    "matmul_elementwise__three_loops": "rule broken",
    "matmul_elementwise__uses_np_dot": "rule broken",
    "matmul_elementwise__no_loops": "rule broken",
    "matmul_broadcast__two_loops": "rule broken",
    "matmul_broadcast__uses_matmul_per_row": "rule broken",
    "matmul_broadcast__forgets_shape_check": "wrong",
    "matmul_no_loops__sums_last_axis": "wrong",
    "matmul_no_loops__loop_over_rows": "rule broken",
    "matmul_no_loops__vectorize": "rule broken",
    "matmul_no_loops__asarray_then_matmul": "rule broken",
    "matmul_no_loops__zeros_then_add_loses_dtype": "wrong",
    "matmul_einsum__wrong_output_letters": "wrong",
    "matmul_einsum__uses_matmul": "rule broken",
    "matmul_einsum__no_shape_check_tensordot": "rule broken",
    "broadcast_shapes__aligns_from_the_left": "wrong",
    "broadcast_shapes__max_of_sizes": "wrong",
    "broadcast_shapes__uses_numpy": "rule broken",
    "broadcast_shapes__only_two_shapes": "wrong",
    "broadcast_shapes__indexes_past_the_shorter_shape": "crashed",
    "expand_like__broadcast_to": "rule broken",
    "expand_like__element_strides": "wrong",
    "expand_like__copy_with_tile": "rule broken",
    "expand_like__all_strides_zero": "wrong",
}


def neuron__forgets_bias(inputs, weights, bias):
    """The weighted sum alone."""
    return inputs @ weights


def neuron__loop_like_kata_01(inputs, weights, bias):
    """Kata 01's neuron, on arrays: a Python loop over the inputs."""
    total = bias
    for x, w in zip(inputs, weights):
        total = total + x * w
    return total


def neuron__float_loses_dtype(inputs, weights, bias):
    """float() of the sum: a Python float, not a NumPy scalar of the inputs' dtype."""
    return float(np.sum(inputs * weights)) + bias


def neuron__uses_torch(inputs, weights, bias):
    """Reaches for PyTorch."""
    import torch

    return (torch.from_numpy(inputs) @ torch.from_numpy(weights)).numpy() + bias


def dense_layer__no_transpose(x, w, b):
    """Forgets that w is (n_out, n_in): x @ w instead of x @ w.T."""
    return x @ w + b


def dense_layer__no_bias(x, w, b):
    """Forgets the bias."""
    return x @ w.T


def dense_layer__loop_over_rows(x, w, b):
    """One row of x at a time."""
    out = np.zeros((x.shape[0], w.shape[0]), dtype=x.dtype)
    for i in range(x.shape[0]):
        out[i] = w @ x[i] + b
    return out


def matmul_loops__inner_loop_off_by_one(a, b):
    """range(ac - 1): misses the last term of every sum."""
    _check_shapes(a, b)
    (ar, ac), (_, bc) = a.shape, b.shape
    c = np.zeros((ar, bc), dtype=a.dtype)
    for i in range(ar):
        for j in range(bc):
            for k in range(ac - 1):
                c[i, j] += a[i, k] * b[k, j]
    return c


def matmul_loops__book_zeros_loses_dtype(a, b):
    """np.zeros((ar, bc)) is float64 whatever the inputs are."""
    _check_shapes(a, b)
    (ar, ac), (_, bc) = a.shape, b.shape
    c = np.zeros((ar, bc))
    for i in range(ar):
        for j in range(bc):
            for k in range(ac):
                c[i, j] += a[i, k] * b[k, j]
    return c


def matmul_loops__uses_matmul_operator(a, b):
    """Skips the loops."""
    _check_shapes(a, b)
    return a @ b


def matmul_loops__uses_ndarray_dot(a, b):
    """Two loops and a.dot for the inner sum."""
    _check_shapes(a, b)
    c = np.zeros((a.shape[0], b.shape[1]), dtype=a.dtype)
    for i in range(a.shape[0]):
        for j in range(b.shape[1]):
            c[i, j] = a[i, :].dot(b[:, j])
    return c


def matmul_loops__two_loops(a, b):
    """The elementwise version where three loops are asked for."""
    _check_shapes(a, b)
    c = np.zeros((a.shape[0], b.shape[1]), dtype=a.dtype)
    for i in range(a.shape[0]):
        for j in range(b.shape[1]):
            c[i, j] = (a[i, :] * b[:, j]).sum()
    return c


def matmul_elementwise__column_loop_from_one(a, b):
    """range(1, bc): column 0 is never filled."""
    _check_shapes(a, b)
    c = np.zeros((a.shape[0], b.shape[1]), dtype=a.dtype)
    for i in range(a.shape[0]):
        for j in range(1, b.shape[1]):
            c[i, j] = (a[i, :] * b[:, j]).sum()
    return c


def matmul_elementwise__three_loops(a, b):
    """matmul_loops again."""
    return matmul_loops(a, b)


def matmul_elementwise__uses_np_dot(a, b):
    """np.dot for each row times column."""
    _check_shapes(a, b)
    c = np.zeros((a.shape[0], b.shape[1]), dtype=a.dtype)
    for i in range(a.shape[0]):
        for j in range(b.shape[1]):
            c[i, j] = np.dot(a[i, :], b[:, j])
    return c


def matmul_elementwise__no_loops(a, b):
    """Broadcasting where two loops are asked for."""
    _check_shapes(a, b)
    return (a[:, :, None] * b[None]).sum(axis=1)


def matmul_broadcast__sums_wrong_axis(a, b):
    """Sums the (k, m) product over axis 1 instead of axis 0."""
    _check_shapes(a, b)
    c = np.zeros((a.shape[0], b.shape[1]), dtype=a.dtype)
    for i in range(a.shape[0]):
        c[i] = (a[i, :, None] * b).sum(axis=1)
    return c


def matmul_broadcast__two_loops(a, b):
    """matmul_elementwise again."""
    return matmul_elementwise(a, b)


def matmul_broadcast__uses_matmul_per_row(a, b):
    """a[i] @ b for each row."""
    _check_shapes(a, b)
    c = np.zeros((a.shape[0], b.shape[1]), dtype=a.dtype)
    for i in range(a.shape[0]):
        c[i] = a[i] @ b
    return c


def matmul_broadcast__forgets_shape_check(a, b):
    """No shape check: NumPy broadcasting makes something of many shapes that do not fit."""
    c = np.zeros((a.shape[0], b.shape[-1]), dtype=a.dtype)
    for i in range(a.shape[0]):
        c[i] = (a[i, :, None] * b).sum(axis=0)
    return c


def matmul_no_loops__sums_last_axis(a, b):
    """Sums over the m axis of the (n, k, m) product."""
    _check_shapes(a, b)
    return (a[:, :, None] * b[None]).sum(axis=2)


def matmul_no_loops__loop_over_rows(a, b):
    """matmul_broadcast again."""
    return matmul_broadcast(a, b)


def matmul_no_loops__vectorize(a, b):
    """np.vectorize hides a Python loop over every element."""
    _check_shapes(a, b)
    cell = np.vectorize(lambda i, j: (a[i] * b[:, j]).sum(), otypes=[a.dtype])
    i, j = np.indices((a.shape[0], b.shape[1]))
    return cell(i, j).astype(a.dtype) if i.size else np.zeros(i.shape, dtype=a.dtype)


def matmul_no_loops__zeros_then_add_loses_dtype(a, b):
    """np.zeros((n, m)) + the product: float64 wins over float32."""
    _check_shapes(a, b)
    return np.zeros((a.shape[0], b.shape[1])) + (a[:, :, None] * b[None]).sum(axis=1)


def matmul_einsum__wrong_output_letters(a, b):
    """'ik,kj->ji': the transpose of the product."""
    _check_shapes(a, b)
    return np.einsum("ik,kj->ji", a, b)


def matmul_einsum__uses_matmul(a, b):
    """np.matmul in place of np.einsum."""
    _check_shapes(a, b)
    return np.matmul(a, b)


def matmul_einsum__no_shape_check_tensordot(a, b):
    """np.tensordot, which is a product too."""
    return np.tensordot(a, b, axes=1)


def broadcast_shapes__aligns_from_the_left(*shapes):
    """Lines the shapes up from their first dimension."""
    ndim = max((len(s) for s in shapes), default=0)
    result = [1] * ndim
    for shape in shapes:
        padded = tuple(shape) + (1,) * (ndim - len(shape))
        for axis, size in enumerate(padded):
            if size == result[axis] or size == 1:
                continue
            if result[axis] == 1:
                result[axis] = size
            else:
                raise ValueError(f"shapes {shapes} do not broadcast")
    return tuple(result)


def broadcast_shapes__indexes_past_the_shorter_shape(*shapes):
    """Walks the shapes from the right by index, without padding the shorter ones."""
    out = []
    for i in range(1, max((len(s) for s in shapes), default=0) + 1):
        sizes = {s[-i] for s in shapes} - {1}
        if len(sizes) > 1:
            raise ValueError(f"shapes {shapes} do not broadcast")
        out.insert(0, sizes.pop() if sizes else 1)
    return tuple(out)


def broadcast_shapes__max_of_sizes(*shapes):
    """The largest size of each axis: 0 with 1 gives 1, and nothing is ever refused."""
    ndim = max((len(s) for s in shapes), default=0)
    padded = [(1,) * (ndim - len(s)) + tuple(s) for s in shapes]
    return tuple(max(sizes) for sizes in zip(*padded)) if padded else ()


def broadcast_shapes__uses_numpy(*shapes):
    """The answer from NumPy itself."""
    return tuple(int(s) for s in np.broadcast_shapes(*shapes))


def broadcast_shapes__only_two_shapes(*shapes):
    """Kata 03's broadcast_shape: exactly two shapes."""
    shape_a, shape_b = shapes
    ndim = max(len(shape_a), len(shape_b))
    a = (1,) * (ndim - len(shape_a)) + tuple(shape_a)
    b = (1,) * (ndim - len(shape_b)) + tuple(shape_b)
    result = []
    for x, y in zip(a, b):
        if x == y or y == 1:
            result.append(x)
        elif x == 1:
            result.append(y)
        else:
            raise ValueError(f"shapes {shape_a} and {shape_b} do not broadcast")
    return tuple(result)


def expand_like__broadcast_to(v, m):
    """The function it is asked to write."""
    return np.broadcast_to(v, m.shape)


def expand_like__element_strides(v, m):
    """PyTorch's strides, in elements: NumPy counts bytes."""
    new = m.ndim - v.ndim
    strides = [0] * new
    for d in range(v.ndim):
        keep = v.strides[d] // v.itemsize
        strides.append(0 if v.shape[d] == 1 and m.shape[new + d] != 1 else keep)
    return as_strided(v, shape=m.shape, strides=strides, writeable=False)


def expand_like__copy_with_tile(v, m):
    """np.tile makes a copy, not a view."""
    new = m.ndim - v.ndim
    reps = [*m.shape[:new], *(m.shape[new + d] if v.shape[d] == 1 else 1 for d in range(v.ndim))]
    return np.tile(v, reps)


def expand_like__all_strides_zero(v, m):
    """Stride 0 everywhere: every element reads v's first one."""
    return as_strided(v, shape=m.shape, strides=[0] * m.ndim, writeable=False)


def matmul_no_loops__asarray_then_matmul(a, b):
    """Plain copies of the inputs first, then the product the kata forbids."""
    a, b = np.asarray(a), np.asarray(b)
    _check_shapes(a, b)
    return a @ b
