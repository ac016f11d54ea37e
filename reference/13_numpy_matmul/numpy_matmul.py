"""Reference solutions for kata 13_numpy_matmul."""

import numpy as np
from numpy.lib.stride_tricks import as_strided


def neuron(inputs: np.ndarray, weights: np.ndarray, bias: float) -> np.floating:
    """One neuron on arrays: the weighted sum of the inputs plus the bias."""
    return inputs @ weights + bias


def dense_layer(x: np.ndarray, w: np.ndarray, b: np.ndarray) -> np.ndarray:
    """A dense (linear) layer: `x @ w.T + b`."""
    return x @ w.T + b


def _check_shapes(a: np.ndarray, b: np.ndarray) -> None:
    if a.ndim != 2 or b.ndim != 2 or a.shape[1] != b.shape[0]:
        raise ValueError(f"cannot multiply a {a.shape} matrix by a {b.shape} matrix")


def matmul_loops(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """`a @ b` with three nested Python loops."""
    _check_shapes(a, b)
    (ar, ac), (_, bc) = a.shape, b.shape
    c = np.zeros((ar, bc), dtype=a.dtype)
    for i in range(ar):
        for j in range(bc):
            for k in range(ac):
                c[i, j] += a[i, k] * b[k, j]
    return c


def matmul_elementwise(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """`a @ b` with two Python loops; NumPy sums each row times column."""
    _check_shapes(a, b)
    (ar, _), (_, bc) = a.shape, b.shape
    c = np.zeros((ar, bc), dtype=a.dtype)
    for i in range(ar):
        for j in range(bc):
            c[i, j] = (a[i, :] * b[:, j]).sum()
    return c


def matmul_broadcast(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """`a @ b` with one loop over the rows of a."""
    _check_shapes(a, b)
    c = np.zeros((a.shape[0], b.shape[1]), dtype=a.dtype)
    for i in range(a.shape[0]):
        c[i] = (a[i, :, None] * b).sum(axis=0)
    return c


def matmul_no_loops(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """`a @ b` as one broadcast product and one sum."""
    _check_shapes(a, b)
    return (a[:, :, None] * b[None, :, :]).sum(axis=1)


def matmul_einsum(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """`a @ b` as an einsum."""
    _check_shapes(a, b)
    return np.einsum("ik,kj->ij", a, b)


def broadcast_shapes(*shapes: tuple[int, ...]) -> tuple[int, ...]:
    """The shape arrays of these shapes broadcast to, by NumPy's rules."""
    ndim = max((len(s) for s in shapes), default=0)
    result = [1] * ndim
    for shape in shapes:
        padded = (1,) * (ndim - len(shape)) + tuple(shape)
        for axis, size in enumerate(padded):
            if size == result[axis] or size == 1:
                continue
            if result[axis] == 1:
                result[axis] = size
            else:
                raise ValueError(
                    f"shapes {', '.join(str(tuple(s)) for s in shapes)} do not broadcast"
                )
    return tuple(result)


def expand_like(v: np.ndarray, m: np.ndarray) -> np.ndarray:
    """What np.broadcast_to(v, m.shape) returns, as a stride-0 view of v's memory."""
    new = m.ndim - v.ndim
    strides = [0] * new
    for d in range(v.ndim):
        strides.append(0 if v.shape[d] == 1 and m.shape[new + d] != 1 else v.strides[d])
    return as_strided(v, shape=m.shape, strides=strides, writeable=False)
