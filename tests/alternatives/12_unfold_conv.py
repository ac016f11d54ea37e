"""Correct solutions of kata 12_unfold_conv written differently; each must pass.

A definition named `<function>__<what>` replaces `<function>` of the reference; for
Conv2dLayer, a class overriding `__init__` or `forward` of the reference's.
"""

# This file is appended to the reference module (tests/katarun.py): _pair, unfold,
# conv2d, Conv2dLayer and train_cnn are the reference's, and so are its imports.

import math

import torch
import torch.nn.functional as F
from torch import nn


def _geometry(x, kernel_size, stride, padding):
    kh, kw = (kernel_size, kernel_size) if isinstance(kernel_size, int) else kernel_size
    sh, sw = (stride, stride) if isinstance(stride, int) else stride
    ph, pw = (padding, padding) if isinstance(padding, int) else padding
    _, _, h, w = x.shape
    return kh, kw, sh, sw, ph, pw, (h + 2 * ph - kh) // sh + 1, (w + 2 * pw - kw) // sw + 1


# --- unfold ---------------------------------------------------------------------------


def unfold__as_strided(x, kernel_size, *, stride=1, padding=0):
    """A strided view of the padded input, (N, C, kh, kw, out_h, out_w), then a copy.
    F.pad's result is contiguous, but its own strides are used anyway."""
    kh, kw, sh, sw, ph, pw, oh, ow = _geometry(x, kernel_size, stride, padding)
    padded = F.pad(x, (pw, pw, ph, ph))
    n, c = padded.shape[:2]
    s_n, s_c, s_h, s_w = padded.stride()
    view = padded.as_strided(
        (n, c, kh, kw, oh, ow), (s_n, s_c, s_h, s_w, sh * s_h, sw * s_w),
        padded.storage_offset(),
    )
    return view.reshape(n, c * kh * kw, oh * ow)


def unfold__loop_over_positions(x, kernel_size, *, stride=1, padding=0):
    """One patch per output position, flattened (C, kh, kw), stacked as columns."""
    kh, kw, sh, sw, ph, pw, oh, ow = _geometry(x, kernel_size, stride, padding)
    padded = F.pad(x, (pw, pw, ph, ph))
    n, c = x.shape[:2]
    columns = [
        padded[:, :, r * sh : r * sh + kh, s * sw : s * sw + kw].reshape(n, c * kh * kw)
        for r in range(oh)
        for s in range(ow)
    ]
    return torch.stack(columns, dim=2)


def unfold__cat_of_kernel_rows(x, kernel_size, *, stride=1, padding=0):
    """Padding by hand into zeros, then torch.cat of (N, C, 1, L) slices per kernel
    element, in the kernel's order."""
    kh, kw, sh, sw, ph, pw, oh, ow = _geometry(x, kernel_size, stride, padding)
    n, c, h, w = x.shape
    padded = x.new_zeros(n, c, h + 2 * ph, w + 2 * pw)
    padded[:, :, ph : ph + h, pw : pw + w] = x
    parts = [
        padded[:, :, i::sh, j::sw][:, :, :oh, :ow].reshape(n, c, 1, oh * ow)
        for i in range(kh)
        for j in range(kw)
    ]
    return torch.cat(parts, dim=2).reshape(n, c * kh * kw, oh * ow)


def unfold__advanced_indexing(x, kernel_size, *, stride=1, padding=0):
    """Index tensors for rows and columns, broadcast into (kh, kw, out_h, out_w)."""
    kh, kw, sh, sw, ph, pw, oh, ow = _geometry(x, kernel_size, stride, padding)
    padded = F.pad(x, (pw, pw, ph, ph))
    dev = x.device
    rows = torch.arange(kh, device=dev)[:, None, None, None] + sh * torch.arange(
        oh, device=dev)[None, None, :, None]
    cols = torch.arange(kw, device=dev)[None, :, None, None] + sw * torch.arange(
        ow, device=dev)[None, None, None, :]
    patches = padded[:, :, rows, cols]  # (N, C, kh, kw, out_h, out_w)
    return patches.reshape(x.shape[0], x.shape[1] * kh * kw, oh * ow)


# --- conv2d ---------------------------------------------------------------------------


def conv2d__f_unfold_and_einsum(x, weight, bias=None, *, stride=1, padding=0):
    """F.unfold (allowed here) and einsum for the product."""
    c_out, _, kh, kw = weight.shape
    *_, oh, ow = _geometry(x, (kh, kw), stride, padding)
    columns = F.unfold(x, (kh, kw), stride=stride, padding=padding)
    out = torch.einsum("ok,nkl->nol", weight.reshape(c_out, -1), columns)
    if bias is not None:
        out = out + bias.view(1, -1, 1)
    return out.view(x.shape[0], c_out, oh, ow)


def conv2d__positions_as_rows(x, weight, bias=None, *, stride=1, padding=0):
    """(N, L, C*kh*kw) @ (C*kh*kw, C_out), then the channels moved back in front."""
    c_out, _, kh, kw = weight.shape
    *_, oh, ow = _geometry(x, (kh, kw), stride, padding)
    rows = unfold(x, (kh, kw), stride=stride, padding=padding).transpose(1, 2)
    out = rows @ weight.reshape(c_out, -1).t()  # (N, L, C_out)
    if bias is not None:
        out = out + bias
    return out.transpose(1, 2).reshape(x.shape[0], c_out, oh, ow)


def conv2d__addmm_per_image(x, weight, bias=None, *, stride=1, padding=0):
    """One addmm per image, the bias as a (C_out, 1) column."""
    c_out, _, kh, kw = weight.shape
    *_, oh, ow = _geometry(x, (kh, kw), stride, padding)
    columns = unfold(x, (kh, kw), stride=stride, padding=padding)
    flat = weight.reshape(c_out, -1)
    b = (x.new_zeros(c_out) if bias is None else bias)[:, None]
    out = [torch.addmm(b, flat, columns[i]) for i in range(x.shape[0])]
    if not out:
        return x.new_zeros(0, c_out, oh, ow)
    return torch.stack(out).reshape(x.shape[0], c_out, oh, ow)


# --- Conv2dLayer ----------------------------------------------------------------------


class Conv2dLayer__kaiming_uniform_and_pairs(Conv2dLayer):
    """nn.init.kaiming_uniform_ (default a=0), stride and padding stored as pairs."""

    def __init__(self, n_in, n_out, kernel_size, *, stride=1, padding=0):
        nn.Module.__init__(self)
        kh, kw = _pair(kernel_size)
        self.stride, self.padding = _pair(stride), _pair(padding)
        self.weight = nn.Parameter(nn.init.kaiming_uniform_(torch.empty(n_out, n_in, kh, kw)))
        self.bias = nn.Parameter(torch.zeros(n_out))


class Conv2dLayer__register_parameter_bias_first(Conv2dLayer):
    """register_parameter, the bias first; nn.Conv2d's own initialisation by hand."""

    def __init__(self, n_in, n_out, kernel_size, *, stride=1, padding=0):
        nn.Module.__init__(self)
        kh, kw = _pair(kernel_size)
        self.stride, self.padding = stride, padding
        bound = 1 / math.sqrt(n_in * kh * kw)
        self.register_parameter("bias", nn.Parameter(torch.empty(n_out).uniform_(-bound, bound)))
        self.register_parameter(
            "weight", nn.Parameter(torch.empty(n_out, n_in, kh, kw).uniform_(-bound, bound))
        )


class Conv2dLayer__forward_written_out(Conv2dLayer):
    """forward without conv2d: F.unfold and a matrix product inline."""

    def forward(self, x):
        c_out, _, kh, kw = self.weight.shape
        *_, oh, ow = _geometry(x, (kh, kw), self.stride, self.padding)
        columns = F.unfold(x, (kh, kw), stride=self.stride, padding=self.padding)
        out = self.weight.view(c_out, -1) @ columns + self.bias[:, None]
        return out.view(x.shape[0], c_out, oh, ow)


# --- train_cnn ------------------------------------------------------------------------


class _Digits(nn.Module):
    """Two Conv2dLayers, F.relu, then flatten and nn.Linear."""

    def __init__(self, h, w):
        super().__init__()
        self.conv1 = Conv2dLayer(1, 8, 3, padding=1)
        self.conv2 = Conv2dLayer(8, 16, 3, stride=2, padding=1)
        self.head = nn.Linear(16 * ((h + 1) // 2) * ((w + 1) // 2), 10)

    def forward(self, x):
        x = F.relu(self.conv2(F.relu(self.conv1(x))))
        return self.head(x.flatten(1))


def train_cnn__own_module_and_linear_head(images, labels, *, epochs=10, seed=0):
    """Its own nn.Module class, a linear head, Adam on minibatches of 64."""
    torch.manual_seed(seed)
    model = _Digits(*images.shape[-2:]).to(images.device)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
    order = torch.Generator().manual_seed(seed)
    for _ in range(epochs):
        for idx in torch.randperm(len(images), generator=order).split(64):
            idx = idx.to(images.device)
            loss = F.cross_entropy(model(images[idx]), labels[idx])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    return model


def train_cnn__sgd_with_momentum_by_hand(images, labels, *, epochs=10, seed=0):
    """The book's style: no torch.optim, SGD with momentum written out, minibatches of 32,
    the random generator forked so that the caller's is left alone."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model = nn.Sequential(
            Conv2dLayer(1, 16, 3, stride=2, padding=1), nn.ReLU(),
            Conv2dLayer(16, 32, 3, stride=2, padding=1), nn.ReLU(),
            nn.Flatten(), nn.Linear(32 * 4, 10),
        ).to(images.device)
    params = list(model.parameters())
    velocity = [torch.zeros_like(p) for p in params]
    order = torch.Generator().manual_seed(seed)
    for _ in range(epochs):
        for idx in torch.randperm(len(images), generator=order).split(32):
            idx = idx.to(images.device)
            loss = F.cross_entropy(model(images[idx]), labels[idx])
            for p in params:
                p.grad = None
            loss.backward()
            with torch.no_grad():
                for p, v in zip(params, velocity):
                    v.mul_(0.9).add_(p.grad)
                    p.sub_(0.05 * v)
    return model
