"""Plausible wrong solutions of kata 12_unfold_conv; each must be caught.

A definition named `<function>__<what>` replaces `<function>` of the reference; for
Conv2dLayer, a class overriding `__init__` or `forward` of the reference's.
`EXPECTED` names the verdict a mutant must get when the reason matters.
"""

# This file is appended to the reference module (tests/katarun.py): _pair, unfold,
# conv2d, Conv2dLayer and train_cnn are the reference's, and so are its imports.

import math

import torch
import torch.nn.functional as F
from torch import nn

EXPECTED = {
    "train_cnn__model_left_on_the_cpu": "wrong",
    "unfold__kernel_position_before_channel": "wrong",
    "unfold__ignores_padding": "wrong",
    "unfold__stride_on_rows_only": "wrong",
    "unfold__first_stride_for_both_axes": "wrong",
    "unfold__positions_down_first": "wrong",
    "unfold__as_strided_assumes_contiguous": "wrong",
    "unfold__result_in_float32": "wrong",
    "unfold__replicate_padding": "wrong",
    "unfold__calls_f_unfold": "rule broken",
    "unfold__tensor_unfold": "rule broken",
    "conv2d__calls_f_conv2d": "rule broken",
    "conv2d__weight_flattened_channel_last": "wrong",
    "conv2d__bias_on_the_positions_axis": "crashed",
    "conv2d__output_height_and_width_swapped": "wrong",
    "conv2d__first_stride_for_both_axes": "wrong",
    "conv2d__bias_always_added": "crashed",
    "conv2d__ignores_padding": "wrong",
    "conv2d__ignores_bias": "wrong",
    "Conv2dLayer__subclasses_nn_conv2d": "rule broken",
    "Conv2dLayer__bias_buffer": "wrong",
    "Conv2dLayer__bias_plain_tensor": "wrong",
    "Conv2dLayer__weight_flattened": "wrong",
    "Conv2dLayer__kernel_width_and_height_swapped": "wrong",
    "Conv2dLayer__forgets_stride": "wrong",
    "Conv2dLayer__forward_calls_f_conv2d": "rule broken",
    "Conv2dLayer__forward_ignores_padding": "wrong",
    "Conv2dLayer__forward_detaches_the_weight": "wrong",
    "Conv2dLayer__forward_without_bias": "wrong",
    "Conv2dLayer__forward_stride_and_padding_swapped": "wrong",
    "train_cnn__uses_nn_conv2d": "rule broken",
    "train_cnn__untrained": "wrong",
    "train_cnn__linear_layers_only": "wrong",
    "train_cnn__labels_shuffled_apart_from_images": "wrong",
    "train_cnn__sgd_with_a_tiny_learning_rate": "wrong",
    "train_cnn__batch_size_fixed_in_forward": "crashed",
}


# The reference's functions, kept before a mutant is bound to their name.
_unfold, _conv2d = unfold, conv2d


def _sizes(x, kernel_size, stride, padding):
    (kh, kw), (sh, sw), (ph, pw) = _pair(kernel_size), _pair(stride), _pair(padding)
    _, _, h, w = x.shape
    return kh, kw, sh, sw, ph, pw, (h + 2 * ph - kh) // sh + 1, (w + 2 * pw - kw) // sw + 1


def _slices(padded, kh, kw, sh, sw, oh, ow):
    return [
        padded[:, :, i : i + sh * (oh - 1) + 1 : sh, j : j + sw * (ow - 1) + 1 : sw]
        for i in range(kh)
        for j in range(kw)
    ]


# --- unfold ---------------------------------------------------------------------------


def unfold__kernel_position_before_channel(x, kernel_size, *, stride=1, padding=0):
    """Rows ordered (kernel position, channel): stacked on the axis before the channels."""
    kh, kw, sh, sw, ph, pw, oh, ow = _sizes(x, kernel_size, stride, padding)
    padded = F.pad(x, (pw, pw, ph, ph))
    patches = torch.stack(_slices(padded, kh, kw, sh, sw, oh, ow), dim=1)  # (N, k, C, oh, ow)
    return patches.reshape(x.shape[0], x.shape[1] * kh * kw, oh * ow)


def unfold__ignores_padding(x, kernel_size, *, stride=1, padding=0):
    """Never pads."""
    return _unfold(x, kernel_size, stride=stride, padding=0)


def unfold__stride_on_rows_only(x, kernel_size, *, stride=1, padding=0):
    """Steps down by the stride, but across by 1."""
    kh, kw, sh, sw, ph, pw, oh, _ = _sizes(x, kernel_size, stride, padding)
    padded = F.pad(x, (pw, pw, ph, ph))
    ow = padded.shape[3] - kw + 1
    patches = torch.stack(_slices(padded, kh, kw, sh, 1, oh, ow), dim=2)
    return patches.reshape(x.shape[0], x.shape[1] * kh * kw, oh * ow)


def unfold__first_stride_for_both_axes(x, kernel_size, *, stride=1, padding=0):
    """A stride pair read as its first number for both axes."""
    first = stride if isinstance(stride, int) else stride[0]
    return _unfold(x, kernel_size, stride=first, padding=padding)


def unfold__positions_down_first(x, kernel_size, *, stride=1, padding=0):
    """Positions in column-major order: down first, then across."""
    kh, kw, sh, sw, ph, pw, oh, ow = _sizes(x, kernel_size, stride, padding)
    padded = F.pad(x, (pw, pw, ph, ph))
    patches = torch.stack(_slices(padded, kh, kw, sh, sw, oh, ow), dim=2)
    return patches.transpose(3, 4).reshape(x.shape[0], x.shape[1] * kh * kw, oh * ow)


def unfold__out_w_from_the_height(x, kernel_size, *, stride=1, padding=0):
    """Works out both output sizes from the height (right for square inputs)."""
    kh, kw, sh, sw, ph, pw, oh, _ = _sizes(x, kernel_size, stride, padding)
    ow = (x.shape[2] + 2 * pw - kw) // sw + 1
    padded = F.pad(x, (pw, pw, ph, ph))
    patches = torch.stack(_slices(padded, kh, kw, sh, sw, oh, max(ow, 1)), dim=2)
    return patches.reshape(x.shape[0], -1, patches.shape[3] * patches.shape[4])


def unfold__as_strided_assumes_contiguous(x, kernel_size, *, stride=1, padding=0):
    """as_strided with the strides of a contiguous tensor: wrong for a view of another
    layout when there is no padding (F.pad's result is contiguous)."""
    kh, kw, sh, sw, ph, pw, oh, ow = _sizes(x, kernel_size, stride, padding)
    src = x if (ph, pw) == (0, 0) else F.pad(x, (pw, pw, ph, ph))
    n, c, h, w = src.shape
    view = src.as_strided(
        (n, c, kh, kw, oh, ow), (c * h * w, h * w, w, 1, sh * w, sw), src.storage_offset()
    )
    return view.reshape(n, c * kh * kw, oh * ow)


def unfold__result_in_float32(x, kernel_size, *, stride=1, padding=0):
    """Fills a torch.zeros made without dtype: float32 whatever x is."""
    kh, kw, sh, sw, ph, pw, oh, ow = _sizes(x, kernel_size, stride, padding)
    padded = F.pad(x, (pw, pw, ph, ph))
    out = torch.zeros(x.shape[0], x.shape[1], kh * kw, oh * ow, device=x.device)
    for k, part in enumerate(_slices(padded, kh, kw, sh, sw, oh, ow)):
        out[:, :, k] = part.reshape(x.shape[0], x.shape[1], oh * ow)
    return out.reshape(x.shape[0], x.shape[1] * kh * kw, oh * ow)


def unfold__replicate_padding(x, kernel_size, *, stride=1, padding=0):
    """Pads with the edge values instead of zeros."""
    kh, kw, sh, sw, ph, pw, oh, ow = _sizes(x, kernel_size, stride, padding)
    padded = F.pad(x, (pw, pw, ph, ph), mode="replicate") if x.numel() else F.pad(
        x, (pw, pw, ph, ph))
    patches = torch.stack(_slices(padded, kh, kw, sh, sw, oh, ow), dim=2)
    return patches.reshape(x.shape[0], x.shape[1] * kh * kw, oh * ow)


def unfold__calls_f_unfold(x, kernel_size, *, stride=1, padding=0):
    """The function it is asked to write."""
    return F.unfold(x, kernel_size, stride=stride, padding=padding)


def unfold__tensor_unfold(x, kernel_size, *, stride=1, padding=0):
    """Tensor.unfold twice: the windows, without writing them."""
    kh, kw, sh, sw, ph, pw, oh, ow = _sizes(x, kernel_size, stride, padding)
    windows = F.pad(x, (pw, pw, ph, ph)).unfold(2, kh, sh).unfold(3, kw, sw)
    return windows.permute(0, 1, 4, 5, 2, 3).reshape(x.shape[0], x.shape[1] * kh * kw, oh * ow)


# --- conv2d ---------------------------------------------------------------------------


def conv2d__calls_f_conv2d(x, weight, bias=None, *, stride=1, padding=0):
    """The function it is asked to write."""
    return F.conv2d(x, weight, bias, stride=stride, padding=padding)


def _conv_columns(x, weight, stride, padding):
    kh, kw = weight.shape[2:]
    columns = F.unfold(x, (kh, kw), stride=stride, padding=padding)
    _, _, sh, sw, ph, pw, oh, ow = _sizes(x, (kh, kw), stride, padding)
    return columns, oh, ow


def conv2d__weight_flattened_channel_last(x, weight, bias=None, *, stride=1, padding=0):
    """Flattens the weight as (kh, kw, C): unfold's rows are (C, kh, kw)."""
    columns, oh, ow = _conv_columns(x, weight, stride, padding)
    out = weight.permute(0, 2, 3, 1).reshape(weight.shape[0], -1) @ columns
    if bias is not None:
        out = out + bias[:, None]
    return out.reshape(x.shape[0], weight.shape[0], oh, ow)


def conv2d__bias_on_the_positions_axis(x, weight, bias=None, *, stride=1, padding=0):
    """Adds the (C_out,) bias to the last axis, the positions."""
    columns, oh, ow = _conv_columns(x, weight, stride, padding)
    out = weight.reshape(weight.shape[0], -1) @ columns
    if bias is not None:
        out = out + bias
    return out.reshape(x.shape[0], weight.shape[0], oh, ow)


def conv2d__output_height_and_width_swapped(x, weight, bias=None, *, stride=1, padding=0):
    """Reshapes the positions to (out_w, out_h)."""
    columns, oh, ow = _conv_columns(x, weight, stride, padding)
    out = weight.reshape(weight.shape[0], -1) @ columns
    if bias is not None:
        out = out + bias[:, None]
    return out.reshape(x.shape[0], weight.shape[0], ow, oh)


def conv2d__first_stride_for_both_axes(x, weight, bias=None, *, stride=1, padding=0):
    """A stride pair read as its first number for both axes."""
    first = stride if isinstance(stride, int) else stride[0]
    return _conv2d(x, weight, bias, stride=first, padding=padding)


def conv2d__bias_always_added(x, weight, bias=None, *, stride=1, padding=0):
    """Forgets that the bias may be None."""
    columns, oh, ow = _conv_columns(x, weight, stride, padding)
    out = weight.reshape(weight.shape[0], -1) @ columns + bias[:, None]
    return out.reshape(x.shape[0], weight.shape[0], oh, ow)


def conv2d__ignores_padding(x, weight, bias=None, *, stride=1, padding=0):
    """Never pads."""
    return _conv2d(x, weight, bias, stride=stride, padding=0)


def conv2d__ignores_bias(x, weight, bias=None, *, stride=1, padding=0):
    """Never adds the bias."""
    return _conv2d(x, weight, None, stride=stride, padding=padding)


# --- Conv2dLayer.__init__ -------------------------------------------------------------


class Conv2dLayer__subclasses_nn_conv2d(nn.Conv2d):
    """Inherits nn.Conv2d: its forward calls F.conv2d."""

    def __init__(self, n_in, n_out, kernel_size, *, stride=1, padding=0):
        super().__init__(n_in, n_out, kernel_size, stride=stride, padding=padding)


def _kaiming4(n_out, n_in, kh, kw):
    return torch.randn(n_out, n_in, kh, kw) * math.sqrt(2 / (n_in * kh * kw))


class Conv2dLayer__bias_buffer(Conv2dLayer):
    """The bias as a buffer: in state_dict, but not a parameter."""

    def __init__(self, n_in, n_out, kernel_size, *, stride=1, padding=0):
        nn.Module.__init__(self)
        kh, kw = _pair(kernel_size)
        self.stride, self.padding = stride, padding
        self.weight = nn.Parameter(_kaiming4(n_out, n_in, kh, kw))
        self.register_buffer("bias", torch.zeros(n_out))


class Conv2dLayer__bias_plain_tensor(Conv2dLayer):
    """The bias as a plain tensor attribute: not a parameter, not in state_dict."""

    def __init__(self, n_in, n_out, kernel_size, *, stride=1, padding=0):
        nn.Module.__init__(self)
        kh, kw = _pair(kernel_size)
        self.stride, self.padding = stride, padding
        self.weight = nn.Parameter(_kaiming4(n_out, n_in, kh, kw))
        self.bias = torch.zeros(n_out)


class Conv2dLayer__weight_flattened(Conv2dLayer):
    """Stores the weight already flattened, (n_out, n_in * kh * kw)."""

    def __init__(self, n_in, n_out, kernel_size, *, stride=1, padding=0):
        nn.Module.__init__(self)
        kh, kw = _pair(kernel_size)
        self.stride, self.padding, self.kernel = stride, padding, (kh, kw)
        self.weight = nn.Parameter(_kaiming4(n_out, n_in, kh, kw).reshape(n_out, -1))
        self.bias = nn.Parameter(torch.zeros(n_out))

    def forward(self, x):
        w = self.weight.reshape(self.weight.shape[0], x.shape[1], *self.kernel)
        return conv2d(x, w, self.bias, stride=self.stride, padding=self.padding)


class Conv2dLayer__kernel_width_and_height_swapped(Conv2dLayer):
    """A kernel pair read as (width, height)."""

    def __init__(self, n_in, n_out, kernel_size, *, stride=1, padding=0):
        nn.Module.__init__(self)
        kw, kh = _pair(kernel_size)
        self.stride, self.padding = stride, padding
        self.weight = nn.Parameter(_kaiming4(n_out, n_in, kh, kw))
        self.bias = nn.Parameter(torch.zeros(n_out))


class Conv2dLayer__forgets_stride(Conv2dLayer):
    """Keeps the padding but not the stride."""

    def __init__(self, n_in, n_out, kernel_size, *, stride=1, padding=0):
        super().__init__(n_in, n_out, kernel_size, stride=1, padding=padding)


# --- Conv2dLayer.forward --------------------------------------------------------------


class Conv2dLayer__forward_calls_f_conv2d(Conv2dLayer):
    """F.conv2d instead of conv2d."""

    def forward(self, x):
        return F.conv2d(x, self.weight, self.bias, stride=self.stride, padding=self.padding)


class Conv2dLayer__forward_ignores_padding(Conv2dLayer):
    """Forgets to pass the padding on."""

    def forward(self, x):
        return conv2d(x, self.weight, self.bias, stride=self.stride)


class Conv2dLayer__forward_detaches_the_weight(Conv2dLayer):
    """Right values, no gradient for the weight."""

    def forward(self, x):
        return conv2d(x, self.weight.detach(), self.bias, stride=self.stride,
                      padding=self.padding)


class Conv2dLayer__forward_without_bias(Conv2dLayer):
    """Forgets the bias."""

    def forward(self, x):
        return conv2d(x, self.weight, stride=self.stride, padding=self.padding)


class Conv2dLayer__forward_stride_and_padding_swapped(Conv2dLayer):
    """Passes the stride as the padding and the padding as the stride (+1)."""

    def forward(self, x):
        stride = tuple(p + 1 for p in _pair(self.padding))
        return conv2d(x, self.weight, self.bias, stride=stride, padding=self.stride)


# --- train_cnn ------------------------------------------------------------------------


def _fit(model, images, labels, epochs, seed, lr=1e-2, shuffle_labels=False):
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    order = torch.Generator().manual_seed(seed)
    for _ in range(epochs):
        for idx in torch.randperm(len(images), generator=order).split(64):
            idx = idx.to(images.device)
            targets = idx[torch.randperm(len(idx), generator=order).to(images.device)] if (
                shuffle_labels) else idx
            loss = F.cross_entropy(model(images[idx]), labels[targets])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    return model


def train_cnn__uses_nn_conv2d(images, labels, *, epochs=10, seed=0):
    """The same CNN with torch's nn.Conv2d."""
    torch.manual_seed(seed)
    model = nn.Sequential(
        nn.Conv2d(1, 16, 3, stride=2, padding=1), nn.ReLU(),
        nn.Conv2d(16, 32, 3, stride=2, padding=1), nn.ReLU(),
        nn.Conv2d(32, 10, 2), nn.Flatten(),
    ).to(images.device)
    return _fit(model, images, labels, epochs, seed)


def _cnn(device):
    return nn.Sequential(
        Conv2dLayer(1, 16, 3, stride=2, padding=1), nn.ReLU(),
        Conv2dLayer(16, 32, 3, stride=2, padding=1), nn.ReLU(),
        Conv2dLayer(32, 10, 2), nn.Flatten(),
    ).to(device)


def train_cnn__untrained(images, labels, *, epochs=10, seed=0):
    """Builds the model and returns it: one forward pass, no training."""
    torch.manual_seed(seed)
    model = _cnn(images.device)
    model(images[:1])
    return model


def train_cnn__linear_layers_only(images, labels, *, epochs=10, seed=0):
    """No convolution at all: a two-layer MLP on the flattened pixels (it learns)."""
    torch.manual_seed(seed)
    h, w = images.shape[-2:]
    model = nn.Sequential(
        nn.Flatten(), nn.Linear(h * w, 64), nn.ReLU(), nn.Linear(64, 10)
    ).to(images.device)
    return _fit(model, images, labels, epochs, seed)


def train_cnn__labels_shuffled_apart_from_images(images, labels, *, epochs=10, seed=0):
    """Shuffles the labels of each minibatch on their own: they no longer match."""
    torch.manual_seed(seed)
    return _fit(_cnn(images.device), images, labels, epochs, seed, shuffle_labels=True)


def train_cnn__sgd_with_a_tiny_learning_rate(images, labels, *, epochs=10, seed=0):
    """Plain SGD with lr=1e-4: ten epochs move the weights next to nothing."""
    torch.manual_seed(seed)
    model = _cnn(images.device)
    optimizer = torch.optim.SGD(model.parameters(), lr=1e-4)
    for _ in range(epochs):
        loss = F.cross_entropy(model(images), labels)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return model


class _FixedBatch(nn.Module):
    """Flattens with a batch size fixed at 64: trains, then fails on other batch sizes."""

    def __init__(self):
        super().__init__()
        self.body = _cnn("cpu")[:-1]

    def forward(self, x):
        return self.body(x).view(64, 10)


def train_cnn__batch_size_fixed_in_forward(images, labels, *, epochs=10, seed=0):
    """A model whose forward assumes the training batch size: the evaluation crashes."""
    torch.manual_seed(seed)
    model = _FixedBatch().to(images.device)
    order = torch.Generator().manual_seed(seed)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
    for _ in range(epochs):
        for idx in torch.randperm(len(images), generator=order)[: len(images) // 64 * 64].split(64):
            idx = idx.to(images.device)
            loss = F.cross_entropy(model(images[idx]), labels[idx])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    return model


# --- device readiness: caught on any machine (see dojo.readiness) ------------------


def train_cnn__model_left_on_the_cpu(images, labels, *, epochs=10, seed=0):
    """The reference without .to(images.device): on a GPU, the CPU model meets GPU
    images."""
    h, w = images.shape[-2:]
    last = (-(-h // 4), -(-w // 4))
    torch.manual_seed(seed)
    model = nn.Sequential(
        Conv2dLayer(1, 16, 3, stride=2, padding=1), nn.ReLU(),
        Conv2dLayer(16, 32, 3, stride=2, padding=1), nn.ReLU(),
        Conv2dLayer(32, 10, last),
        nn.Flatten(),
    )
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
