"""Reference solutions for kata 03_broadcasting."""

import torch


def broadcast_shape(shape_a: tuple[int, ...], shape_b: tuple[int, ...]) -> tuple[int, ...]:
    """The shape two tensors of these shapes broadcast to."""
    ndim = max(len(shape_a), len(shape_b))
    a = (1,) * (ndim - len(shape_a)) + tuple(shape_a)
    b = (1,) * (ndim - len(shape_b)) + tuple(shape_b)
    result = []
    for x, y in zip(a, b, strict=True):
        if x == y or y == 1:
            result.append(x)
        elif x == 1:
            result.append(y)
        else:
            raise ValueError(f"shapes {tuple(shape_a)} and {tuple(shape_b)} do not broadcast")
    return tuple(result)


def all_greater(a: torch.Tensor, b: torch.Tensor) -> bool:
    """True when every element of a is greater than the matching element of b."""
    return bool((a > b).all())


def add_column_vector(m: torch.Tensor, c: torch.Tensor) -> torch.Tensor:
    """Add c[i] to every element of row i of m."""
    return m + c[:, None]


def normalize_channels(images: torch.Tensor, mean: torch.Tensor, std: torch.Tensor) -> torch.Tensor:
    """(images - mean) / std, channel by channel."""
    return (images - mean[:, None, None]) / std[:, None, None]


def expand_like(v: torch.Tensor, m: torch.Tensor) -> torch.Tensor:
    """What v.expand_as(m) returns, as a stride-0 view of v's memory."""
    new = m.dim() - v.dim()
    strides = [0] * new
    for d in range(v.dim()):
        strides.append(0 if v.shape[d] == 1 and m.shape[new + d] != 1 else v.stride(d))
    return torch.as_strided(v, m.shape, strides, v.storage_offset())


def _check_shapes(a: torch.Tensor, b: torch.Tensor) -> None:
    if a.dim() != 2 or b.dim() != 2 or a.shape[1] != b.shape[0]:
        raise ValueError(f"cannot multiply a {tuple(a.shape)} matrix by a {tuple(b.shape)} matrix")


def matmul_broadcast(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """`a @ b` with one loop over the rows of a."""
    _check_shapes(a, b)
    c = torch.zeros(a.shape[0], b.shape[1], dtype=a.dtype, device=a.device)
    for i in range(a.shape[0]):
        c[i] = (a[i, :, None] * b).sum(dim=0)
    return c


def matmul_no_loops(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """`a @ b` as one broadcast product and one sum."""
    _check_shapes(a, b)
    return (a[:, :, None] * b[None, :, :]).sum(dim=1)


def pairwise_sq_distances(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """d[i, j] = sum over k of (x[i, k] - y[j, k]) ** 2."""
    return ((x[:, None, :] - y[None, :, :]) ** 2).sum(dim=-1)
