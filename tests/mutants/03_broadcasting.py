"""Plausible wrong solutions of kata 03_broadcasting; each must be caught.

A definition named `<function>__<what>` replaces `<function>` of the reference.
`EXPECTED` names the verdict a mutant must get when the reason matters.
"""

import itertools

import torch

EXPECTED = {
    "matmul_broadcast__forgets_device": "wrong",
    "matmul_broadcast__no_loop": "rule broken",
    "broadcast_shape__aligns_from_the_left": "wrong",
    "broadcast_shape__indexes_past_the_shorter_shape": "crashed",
    "broadcast_shape__max_without_check": "wrong",
    "broadcast_shape__message_without_shapes": "wrong",
    "expand_like__set_storage_instead": "rule broken",
    "broadcast_shape__returns_list": "wrong",
    "broadcast_shape__uses_torch": "rule broken",
    "all_greater__returns_tensor": "wrong",
    "all_greater__min_of_difference": "crashed",
    "all_greater__loops_over_elements": "rule broken",
    "add_column_vector__in_place": "rule broken",
    "add_column_vector__loops_over_rows": "rule broken",
    "normalize_channels__loops_over_channels": "rule broken",
    "normalize_channels__in_place": "rule broken",
    "expand_like__uses_expand_as": "rule broken",
    "expand_like__repeat_copies": "rule broken",
    "expand_like__multiplies_by_ones": "rule broken",
    "matmul_broadcast__row_loop_off_by_one": "wrong",
    "matmul_broadcast__uses_matmul_operator": "rule broken",
    "matmul_broadcast__two_loops": "rule broken",
    "matmul_no_loops__loops_over_rows": "rule broken",
    "matmul_no_loops__uses_einsum": "rule broken",
    "pairwise_sq_distances__uses_cdist": "rule broken",
    "pairwise_sq_distances__loops_over_rows": "rule broken",
}


def _check(a, b):
    if a.shape[1] != b.shape[0]:
        raise ValueError(f"cannot multiply {tuple(a.shape)} by {tuple(b.shape)}")


# --- broadcast_shape ----------------------------------------------------------


def broadcast_shape__aligns_from_the_left(shape_a, shape_b):
    """Lines the shapes up from the first dimension, padding with 1s on the right."""
    out = []
    for x, y in itertools.zip_longest(shape_a, shape_b, fillvalue=1):
        if x != y and 1 not in (x, y):
            raise ValueError(f"{shape_a} and {shape_b} do not broadcast")
        out.append(y if x == 1 else x)
    return tuple(out)


def broadcast_shape__indexes_past_the_shorter_shape(shape_a, shape_b):
    """Walks both shapes from the right by index, without padding the shorter one."""
    out = []
    for i in range(1, max(len(shape_a), len(shape_b)) + 1):
        x, y = shape_a[-i], shape_b[-i]
        if x != y and 1 not in (x, y):
            raise ValueError(f"{shape_a} and {shape_b} do not broadcast")
        out.insert(0, y if x == 1 else x)
    return tuple(out)


def broadcast_shape__max_without_check(shape_a, shape_b):
    """Takes the larger size of each pair and never rejects anything."""
    pairs = itertools.zip_longest(reversed(shape_a), reversed(shape_b), fillvalue=1)
    return tuple(reversed([max(x, y) for x, y in pairs]))


def broadcast_shape__zero_acts_like_one(shape_a, shape_b):
    """Treats a 0-size dimension like a 1: (0,) with (3,) gives (3,)."""
    out = []
    for x, y in itertools.zip_longest(reversed(shape_a), reversed(shape_b), fillvalue=1):
        if x in (0, 1):
            out.append(y)
        elif y in (0, 1) or x == y:
            out.append(x)
        else:
            raise ValueError(f"{shape_a} and {shape_b} do not broadcast")
    return tuple(reversed(out))


def broadcast_shape__drops_extra_dims(shape_a, shape_b):
    """zip without a fill value: stops at the shorter shape."""
    out = []
    for x, y in zip(reversed(shape_a), reversed(shape_b)):
        if x != y and 1 not in (x, y):
            raise ValueError(f"{shape_a} and {shape_b} do not broadcast")
        out.append(y if x == 1 else x)
    return tuple(reversed(out))


def broadcast_shape__returns_list(shape_a, shape_b):
    """Right sizes, but a list instead of a tuple."""
    out = []
    for x, y in itertools.zip_longest(reversed(shape_a), reversed(shape_b), fillvalue=1):
        if x != y and 1 not in (x, y):
            raise ValueError(f"{shape_a} and {shape_b} do not broadcast")
        out.append(y if x == 1 else x)
    return out[::-1]


def broadcast_shape__message_without_shapes(shape_a, shape_b):
    """Rejects bad shapes, but the message does not say which."""
    out = []
    for x, y in itertools.zip_longest(reversed(shape_a), reversed(shape_b), fillvalue=1):
        if x != y and 1 not in (x, y):
            raise ValueError("shapes are not compatible")
        out.append(y if x == 1 else x)
    return tuple(reversed(out))


def broadcast_shape__uses_torch(shape_a, shape_b):
    """Asks torch instead of applying the rules."""
    return tuple(torch.broadcast_shapes(shape_a, shape_b))


# --- all_greater --------------------------------------------------------------


def all_greater__greater_or_equal(a, b):
    """Uses >=: a tie counts as greater."""
    return bool((a >= b).all())


def all_greater__any(a, b):
    """True when some element is greater, not every one."""
    return bool((a > b).any())


def all_greater__returns_tensor(a, b):
    """Forgets bool(): returns a 0-dim tensor."""
    return (a > b).all()


def all_greater__min_of_difference(a, b):
    """(a - b).min() > 0: right, except that min() of no elements raises."""
    return bool((a - b).min() > 0)


def all_greater__compares_extremes(a, b):
    """min(a) > max(b) is stronger than comparing matching elements."""
    return bool(a.min() > b.max()) if a.numel() and b.numel() else True


def all_greater__counts_against_a(a, b):
    """Counts the True values against a's size, not the broadcast size."""
    return bool((a > b).sum() == a.numel())


def all_greater__loops_over_elements(a, b):
    """A Python loop over the broadcast elements."""
    a, b = torch.broadcast_tensors(a, b)
    for x, y in zip(a.flatten(), b.flatten()):
        if not x > y:
            return False
    return True


# --- add_column_vector ---------------------------------------------------------


def add_column_vector__adds_as_row(m, c):
    """c[None, :]: adds c along each row (only fits when m is square)."""
    return m + c[None, :]


def add_column_vector__transposed_result(m, c):
    """Broadcasts against m.t() and forgets to transpose back."""
    return m.t() + c


def add_column_vector__loses_dtype(m, c):
    """Fills a torch.zeros(m.shape): float32 on the CPU whatever m is."""
    out = torch.zeros(m.shape)
    out[:] = m + c[:, None]
    return out


def add_column_vector__in_place(m, c):
    """m += ...: changes the caller's matrix."""
    m += c[:, None]
    return m


def add_column_vector__loops_over_rows(m, c):
    """A Python loop over the rows."""
    out = torch.empty_like(m)
    for i in range(m.shape[0]):
        out[i] = m[i] + c[i]
    return out


# --- normalize_channels -------------------------------------------------------


def normalize_channels__lines_up_with_width(images, mean, std):
    """(images - mean) / std: mean lines up with the last axis, W."""
    return (images - mean) / std


def normalize_channels__lines_up_with_height(images, mean, std):
    """mean[:, None]: lines up with H instead of C."""
    return (images - mean[:, None]) / std[:, None]


def normalize_channels__std_on_height(images, mean, std):
    """Right for the mean, but std[:, None] lines up with H."""
    return (images - mean[:, None, None]) / std[:, None]


def normalize_channels__own_statistics(images, mean, std):
    """Normalises with the images' own mean per channel, ignoring `mean`."""
    own = images.mean(dim=(0, 2, 3)) if images.numel() else mean
    return (images - own[:, None, None]) / std[:, None, None]


def normalize_channels__divides_first(images, mean, std):
    """images / std - mean: the operations in the wrong order."""
    return images / std[:, None, None] - mean[:, None, None]


def normalize_channels__loops_over_channels(images, mean, std):
    """A Python loop over the channels."""
    out = torch.empty_like(images)
    for ch in range(images.shape[1]):
        out[:, ch] = (images[:, ch] - mean[ch]) / std[ch]
    return out


def normalize_channels__in_place(images, mean, std):
    """sub_ and div_ on the caller's images."""
    return images.sub_(mean[:, None, None]).div_(std[:, None, None])


# --- expand_like --------------------------------------------------------------


def _expand_strides(v, m):
    new = m.dim() - v.dim()
    return [0] * new + [
        0 if v.shape[d] == 1 and m.shape[new + d] != 1 else v.stride(d) for d in range(v.dim())
    ]


def expand_like__set_storage_instead(v, m):
    """A correct stride-0 view, but built with Tensor.set_ instead of as_strided."""
    out = v.new_empty(0)
    return out.set_(v.untyped_storage(), v.storage_offset(), m.shape, _expand_strides(v, m))


def expand_like__offset_zero(v, m):
    """Passes storage_offset=0: reads from the start of the memory, not from v."""
    return torch.as_strided(v, m.shape, _expand_strides(v, m), 0)


def expand_like__contiguous_strides(v, m):
    """Works out v's strides from its shape, as if v were contiguous."""
    new = m.dim() - v.dim()
    strides, step = [], 1
    for size in reversed(v.shape):
        strides.insert(0, step)
        step *= size
    strides = [0] * new + [
        0 if v.shape[d] == 1 and m.shape[new + d] != 1 else strides[d] for d in range(v.dim())
    ]
    return torch.as_strided(v, m.shape, strides)


def expand_like__keeps_stride_of_size_one(v, m):
    """Stride 0 for new dimensions only: a size-1 dimension of v keeps its stride."""
    new = m.dim() - v.dim()
    return torch.as_strided(v, m.shape, [0] * new + list(v.stride()))


def expand_like__flattens_first(v, m):
    """reshape(-1) first: a copy whenever v is not contiguous."""
    flat = v.reshape(-1)
    new = m.dim() - v.dim()
    strides, step = [], 1
    for size in reversed(v.shape):
        strides.insert(0, step)
        step *= size
    strides = [0] * new + [
        0 if v.shape[d] == 1 and m.shape[new + d] != 1 else strides[d] for d in range(v.dim())
    ]
    return torch.as_strided(flat, m.shape, strides)


def expand_like__uses_expand_as(v, m):
    """Calls the function it is asked to write."""
    return v.expand_as(m)


def expand_like__repeat_copies(v, m):
    """repeat() copies the values: right values, but a copy."""
    padded = (1,) * (m.dim() - v.dim()) + tuple(v.shape)
    return v.reshape(padded).repeat([t if s == 1 else 1 for s, t in zip(padded, m.shape)])


def expand_like__multiplies_by_ones(v, m):
    """Broadcasts by arithmetic: right values in new memory."""
    return v * torch.ones_like(m)


# --- matmul_broadcast ---------------------------------------------------------


def matmul_broadcast__sums_wrong_axis(a, b):
    """Sums the (k, m) product over m instead of k."""
    _check(a, b)
    c = torch.zeros(a.shape[0], b.shape[1], dtype=a.dtype, device=a.device)
    for i in range(a.shape[0]):
        c[i] = (a[i, :, None] * b).sum(dim=1)
    return c


def matmul_broadcast__row_not_column(a, b):
    """a[i] * b without None: the row of a lines up with b's columns."""
    _check(a, b)
    c = torch.zeros(a.shape[0], b.shape[1], dtype=a.dtype, device=a.device)
    for i in range(a.shape[0]):
        c[i] = (a[i] * b).sum(dim=0)
    return c


def matmul_broadcast__loses_dtype(a, b):
    """The book's torch.zeros(ar, bc): float32 whatever the inputs are."""
    _check(a, b)
    c = torch.zeros(a.shape[0], b.shape[1])
    for i in range(a.shape[0]):
        c[i] = (a[i].unsqueeze(-1) * b).sum(dim=0)
    return c


def matmul_broadcast__no_shape_check(a, b):
    """Lets broadcasting decide: a size-1 side stretches silently."""
    c = torch.zeros(a.shape[0], b.shape[1], dtype=a.dtype, device=a.device)
    for i in range(a.shape[0]):
        c[i] = (a[i, :, None] * b).sum(dim=0)
    return c


def matmul_broadcast__row_loop_off_by_one(a, b):
    """range(a.shape[0] - 1): the last row of the result stays 0."""
    _check(a, b)
    c = torch.zeros(a.shape[0], b.shape[1], dtype=a.dtype, device=a.device)
    for i in range(a.shape[0] - 1):
        c[i] = (a[i, :, None] * b).sum(dim=0)
    return c


def matmul_broadcast__uses_matmul_operator(a, b):
    """a[i] @ b: a matrix product per row."""
    _check(a, b)
    c = torch.zeros(a.shape[0], b.shape[1], dtype=a.dtype, device=a.device)
    for i in range(a.shape[0]):
        c[i] = a[i] @ b
    return c


def matmul_broadcast__two_loops(a, b):
    """Keeps the loop over columns too (02's matmul_elementwise)."""
    _check(a, b)
    c = torch.zeros(a.shape[0], b.shape[1], dtype=a.dtype, device=a.device)
    for i in range(a.shape[0]):
        for j in range(b.shape[1]):
            c[i, j] = (a[i, :] * b[:, j]).sum()
    return c


# --- matmul_no_loops ----------------------------------------------------------


def matmul_no_loops__sums_wrong_axis(a, b):
    """Sums the (n, k, m) product over m instead of k."""
    _check(a, b)
    return (a[:, :, None] * b[None]).sum(dim=2)


def matmul_no_loops__sums_first_axis(a, b):
    """Sums over n: a (k, m) result."""
    _check(a, b)
    return (a[:, :, None] * b[None]).sum(dim=0)


def matmul_no_loops__rows_times_rows(a, b):
    """a[:, None, :] * b[None]: rows of a against rows of b (a @ b.t() when square)."""
    _check(a, b)
    return (a[:, None, :] * b[None, :, :]).sum(dim=-1)


def matmul_no_loops__no_shape_check(a, b):
    """Lets broadcasting decide: a size-1 side stretches silently."""
    return (a[:, :, None] * b[None]).sum(dim=1)


def matmul_no_loops__loops_over_rows(a, b):
    """matmul_broadcast again: one loop over the rows."""
    _check(a, b)
    c = torch.zeros(a.shape[0], b.shape[1], dtype=a.dtype, device=a.device)
    for i in range(a.shape[0]):
        c[i] = (a[i, :, None] * b).sum(dim=0)
    return c


def matmul_no_loops__uses_einsum(a, b):
    """einsum does the whole product."""
    _check(a, b)
    return torch.einsum("ik,kj->ij", a, b)


# --- pairwise_sq_distances ----------------------------------------------------


def pairwise_sq_distances__takes_sqrt(x, y):
    """Euclidean distances, not squared."""
    return ((x[:, None, :] - y[None, :, :]) ** 2).sum(dim=-1).sqrt()


def pairwise_sq_distances__forgets_square(x, y):
    """Sums the absolute differences (Manhattan distance)."""
    return (x[:, None, :] - y[None, :, :]).abs().sum(dim=-1)


def pairwise_sq_distances__y_first(x, y):
    """y[:, None] - x[None]: an (M, N) result."""
    return ((y[:, None, :] - x[None, :, :]) ** 2).sum(dim=-1)


def pairwise_sq_distances__sums_wrong_axis(x, y):
    """Sums over the points of x instead of the coordinates."""
    return ((x[:, None, :] - y[None, :, :]) ** 2).sum(dim=0)


def pairwise_sq_distances__expanded_sign_error(x, y):
    """|x|^2 + |y|^2 + 2 x.y: the cross term with the wrong sign."""
    xx = (x * x).sum(dim=1)[:, None]
    yy = (y * y).sum(dim=1)[None, :]
    return xx + yy + 2 * (x[:, None, :] * y[None, :, :]).sum(dim=-1)


def pairwise_sq_distances__uses_cdist(x, y):
    """torch.cdist does all the work."""
    return torch.cdist(x, y) ** 2


def pairwise_sq_distances__loops_over_rows(x, y):
    """A Python loop over the rows of x."""
    d = torch.zeros(x.shape[0], y.shape[0], dtype=x.dtype, device=x.device)
    for i in range(x.shape[0]):
        d[i] = ((x[i] - y) ** 2).sum(dim=1)
    return d


def matmul_broadcast__no_loop(a, b):
    """No loop at all, where the kata asks for one over the rows."""
    if a.shape[1] != b.shape[0]:
        raise ValueError(f"cannot multiply {tuple(a.shape)} by {tuple(b.shape)}")
    return (a[:, :, None] * b[None]).sum(1)


# --- device readiness: caught on any machine (see dojo.readiness) ------------------


def matmul_broadcast__forgets_device(a, b):
    """Keeps the dtype but not the device: on a GPU, c stays on the CPU."""
    if a.shape[1] != b.shape[0]:
        raise ValueError(f"cannot multiply {tuple(a.shape)} by {tuple(b.shape)}")
    c = torch.zeros(a.shape[0], b.shape[1], dtype=a.dtype)
    for i in range(a.shape[0]):
        c[i] = (a[i, :, None] * b).sum(dim=0)
    return c
