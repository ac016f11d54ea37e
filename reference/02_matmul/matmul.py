"""Reference solutions for kata 02_matmul."""

import torch


def _check_shapes(a: torch.Tensor, b: torch.Tensor) -> None:
    if a.dim() != 2 or b.dim() != 2 or a.shape[1] != b.shape[0]:
        raise ValueError(f"cannot multiply a {tuple(a.shape)} matrix by a {tuple(b.shape)} matrix")


def dense_layer(x: torch.Tensor, w: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """A dense (linear) layer: `x @ w.t() + b`."""
    return x @ w.t() + b


def matmul_loops(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """`a @ b` with three nested Python loops."""
    _check_shapes(a, b)
    (ar, ac), (_, bc) = a.shape, b.shape
    c = torch.zeros(ar, bc, dtype=a.dtype, device=a.device)
    for i in range(ar):
        for j in range(bc):
            for k in range(ac):
                c[i, j] += a[i, k] * b[k, j]
    return c


def matmul_elementwise(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """`a @ b` with two Python loops; torch sums each row times column."""
    _check_shapes(a, b)
    (ar, _), (_, bc) = a.shape, b.shape
    c = torch.zeros(ar, bc, dtype=a.dtype, device=a.device)
    for i in range(ar):
        for j in range(bc):
            c[i, j] = (a[i, :] * b[:, j]).sum()
    return c
