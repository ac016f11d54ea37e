"""Correct solutions of kata 03_broadcasting written differently; each must pass.

A definition named `<function>__<what>` replaces `<function>` of the reference.
"""

import itertools

import torch

# --- broadcast_shape ----------------------------------------------------------


def broadcast_shape__zip_longest(shape_a, shape_b):
    """zip_longest over the reversed tuples, a missing dimension filled with 1."""
    out = []
    for x, y in itertools.zip_longest(reversed(shape_a), reversed(shape_b), fillvalue=1):
        if x != y and x != 1 and y != 1:
            raise ValueError(f"{shape_a} and {shape_b} are not broadcastable")
        out.append(y if x == 1 else x)
    return tuple(reversed(out))


def broadcast_shape__negative_indices(shape_a, shape_b):
    """Walks back from index -1 and builds the result from the front."""
    result = ()
    for i in range(1, max(len(shape_a), len(shape_b)) + 1):
        x = shape_a[-i] if i <= len(shape_a) else 1
        y = shape_b[-i] if i <= len(shape_b) else 1
        if x == 1:
            size = y
        elif y == 1 or y == x:
            size = x
        else:
            raise ValueError(
                f"cannot broadcast {list(shape_a)} with {list(shape_b)}: {x} against {y}"
            )
        result = (size,) + result
    return result


# --- all_greater --------------------------------------------------------------


def all_greater__gt_all_item(a, b):
    """torch.gt, .all(), then .item() (a Python bool for a bool tensor)."""
    return torch.gt(a, b).all().item()


def all_greater__not_any_less_or_equal(a, b):
    """No element is <= its partner (same thing without NaNs)."""
    return not bool((a <= b).any())


def all_greater__min_difference_guarded(a, b):
    """The smallest difference is positive, with the empty case handled first."""
    d = a - b
    return d.numel() == 0 or bool(d.min() > 0)


# --- add_column_vector ---------------------------------------------------------


def add_column_vector__unsqueeze(m, c):
    """c.unsqueeze(1) instead of c[:, None]."""
    return m + c.unsqueeze(1)


def add_column_vector__through_the_transpose(m, c):
    """Adds c as a row of m.t(), then transposes back (a non-contiguous result)."""
    return (m.t() + c).t()


def add_column_vector__view_and_torch_add(m, c):
    """torch.add with c viewed as a column."""
    return torch.add(m, c.view(-1, 1))


def add_column_vector__explicit_expand(m, c):
    """Expands the column to m's shape before adding."""
    return m + c[:, None].expand_as(m)


# --- normalize_channels -------------------------------------------------------


def normalize_channels__view_1c11(images, mean, std):
    """mean and std viewed as (1, C, 1, 1)."""
    return (images - mean.view(1, -1, 1, 1)) / std.view(1, -1, 1, 1)


def normalize_channels__times_reciprocal(images, mean, std):
    """Multiplies by 1 / std instead of dividing."""
    return (images - mean[:, None, None]) * (1 / std[:, None, None])


def normalize_channels__divide_both(images, mean, std):
    """images / std - mean / std: the same value, rounded differently."""
    s = std[:, None, None]
    return images / s - mean[:, None, None] / s


def normalize_channels__channels_last(images, mean, std):
    """Moves channels last, where (C,) broadcasts as it is, then moves them back."""
    return ((images.permute(0, 2, 3, 1) - mean) / std).permute(0, 3, 1, 2)


def normalize_channels__in_place_on_a_new_tensor(images, mean, std):
    """sub makes a new tensor; div_ then works in place on it, not on the input."""
    return images.sub(mean.unsqueeze(-1).unsqueeze(-1)).div_(std.unsqueeze(-1).unsqueeze(-1))


# --- expand_like --------------------------------------------------------------


def expand_like__tensor_method(v, m):
    """v.as_strided, zipping the dimensions from the right."""
    strides = [0] * m.dim()
    for d in range(1, v.dim() + 1):
        if v.shape[-d] == m.shape[-d]:
            strides[-d] = v.stride(-d)
    return v.as_strided(m.size(), strides, v.storage_offset())


def expand_like__zero_for_every_size_one(v, m):
    """Stride 0 for every size-1 dimension of v, even where m is 1 as well."""
    new = m.dim() - v.dim()
    strides = (0,) * new + tuple(0 if n == 1 else s for n, s in zip(v.shape, v.stride()))
    return torch.as_strided(v, tuple(m.shape), strides)


# --- matmul_broadcast ---------------------------------------------------------


def matmul_broadcast__book_with_dtype(a, b):
    """The book's code, with the result made like a and a message on the assert."""
    ar, ac = a.shape
    br, bc = b.shape
    assert ac == br, f"a is {a.shape} and b is {b.shape}"
    c = a.new_zeros(ar, bc)
    for i in range(ar):
        c[i] = (a[i].unsqueeze(-1) * b).sum(dim=0)
    return c


def matmul_broadcast__stack_rows(a, b):
    """Builds the rows in a list and stacks them."""
    if a.shape[1] != b.shape[0]:
        raise ValueError(f"cannot multiply {tuple(a.shape)} by {tuple(b.shape)}")
    rows = [torch.sum(a[i][:, None] * b, dim=0) for i in range(a.shape[0])]
    return torch.stack(rows) if rows else a.new_zeros(0, b.shape[1])


def matmul_broadcast__row_times_columns(a, b):
    """Row i of a against every column of b.t(), summed over the last axis."""
    if a.shape[1] != b.shape[0]:
        raise ValueError(f"{list(a.shape)} and {list(b.shape)} do not fit")
    c = torch.empty(a.shape[0], b.shape[1], dtype=a.dtype, device=a.device)
    bt = b.t()
    for i in range(a.shape[0]):
        c[i] = (a[i] * bt).sum(dim=-1)
    return c


# --- matmul_no_loops ----------------------------------------------------------


def matmul_no_loops__unsqueeze(a, b):
    """unsqueeze instead of None indexing."""
    if a.shape[1] != b.shape[0]:
        raise ValueError(f"cannot multiply {tuple(a.shape)} by {tuple(b.shape)}")
    return (a.unsqueeze(2) * b.unsqueeze(0)).sum(dim=1)


def matmul_no_loops__against_b_transposed(a, b):
    """(n, 1, k) times (1, m, k), summed over the last axis."""
    if a.shape[1] != b.shape[0]:
        raise ValueError(f"cannot multiply {tuple(a.shape)} by {tuple(b.shape)}")
    return (a[:, None, :] * b.t()[None, :, :]).sum(-1)


def matmul_no_loops__implicit_leading_dim(a, b):
    """a[..., None] * b: b gets its leading 1 from the broadcasting rules."""
    if a.shape[-1] != b.shape[0]:
        raise ValueError(f"shapes {a.shape} and {b.shape} cannot be multiplied")
    return torch.sum(a[..., None] * b, dim=-2)


# --- pairwise_sq_distances ----------------------------------------------------


def pairwise_sq_distances__expanded_with_matmul(x, y):
    """|x|^2 + |y|^2 - 2 x.y with a matrix product, clamped at 0 (cancellation)."""
    xx = (x * x).sum(dim=1, keepdim=True)
    yy = (y * y).sum(dim=1)
    return (xx + yy - 2 * (x @ y.t())).clamp_min(0)


def pairwise_sq_distances__expanded_by_broadcasting(x, y):
    """|x|^2 + |y|^2 - 2 x.y, the cross term by broadcasting, not clamped."""
    cross = (x[:, None, :] * y[None, :, :]).sum(dim=-1)
    return (x**2).sum(-1)[:, None] + (y**2).sum(-1)[None, :] - 2 * cross


def pairwise_sq_distances__unsqueeze_pow(x, y):
    """unsqueeze, pow and torch.sum."""
    return torch.sum((x.unsqueeze(1) - y.unsqueeze(0)).pow(2), dim=2)


def pairwise_sq_distances__difference_times_itself(x, y):
    """diff * diff instead of a power."""
    diff = x[:, None] - y[None]
    return (diff * diff).sum(-1)


def matmul_broadcast__course_names(m1, m2):
    """The fastai course notebook's names (m1, m2) and its unsqueeze."""
    (ar, ac), (br, bc) = m1.shape, m2.shape
    if ac != br:
        raise ValueError(f"shapes {tuple(m1.shape)} and {tuple(m2.shape)} do not fit")
    t = torch.zeros(ar, bc, dtype=m1.dtype, device=m1.device)
    for i in range(ar):
        t[i] = (m1[i].unsqueeze(-1) * m2).sum(dim=0)
    return t


def expand_like__renamed(vec, mat):
    """Other names for v and m: the operation budget still reads the contract's names."""
    shape = tuple(mat.shape)
    lead = len(shape) - vec.dim()
    strides = [0] * lead + [
        0 if size == 1 and target != 1 else stride
        for size, target, stride in zip(vec.shape, shape[lead:], vec.stride(), strict=True)
    ]
    return torch.as_strided(vec, shape, strides, vec.storage_offset())


def matmul_broadcast__new_zeros_from_b(a, b):
    """c made like b (device and dtype) with new_zeros."""
    if a.shape[1] != b.shape[0]:
        raise ValueError(f"cannot multiply {tuple(a.shape)} by {tuple(b.shape)}")
    c = b.new_zeros(a.shape[0], b.shape[1])
    for i in range(a.shape[0]):
        c[i] = (a[i, :, None] * b).sum(dim=0)
    return c
