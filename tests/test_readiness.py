"""dojo.readiness: a CPU-only machine finds code that would leave its inputs' device
on a GPU, by running it again on meta twins of its inputs; correct code, and code
that meta tensors cannot run, is left alone."""

from __future__ import annotations

import subprocess
import sys

import torch
from dojoproject import ROOT
from torch import nn

from dojo import readiness

FILES = (__file__,)  # the "learner's" code is this file's


def check(fn, *args, **kwargs):
    made = readiness.twins(args, kwargs, FILES)
    assert made is not None
    return readiness.check(fn, *made, name=fn.__name__, files=FILES)


def zeros_on_the_cpu(a):
    c = torch.zeros(a.shape, dtype=a.dtype)
    for i in range(a.shape[0]):
        c[i].add_(a[i])  # meta is laxer than CUDA here; the result shows it anyway
    return c


def zeros_like_a(a):
    return torch.zeros_like(a) + a


def made_then_moved(a):
    return torch.zeros(a.shape).to(a) + a


def mixes(a):
    return torch.where(a > 0, a, torch.zeros(a.shape, dtype=a.dtype))


def needs_values(a):
    return a * float(a.sum())  # .item(): meta tensors have no values


def test_a_result_left_on_the_cpu_is_found_with_the_line_that_made_it():
    found = check(zeros_on_the_cpu, torch.ones(2, 3))
    assert found is not None
    assert found.startswith("zeros_on_the_cpu returns a tensor on the CPU")
    assert "c = torch.zeros(a.shape, dtype=a.dtype)" in found


def test_mixing_devices_is_found_at_its_line():
    found = check(mixes, torch.ones(2, 3))
    assert found is not None
    assert "mixes a tensor on the CPU with its inputs" in found
    assert "torch.where(a > 0, a, torch.zeros(a.shape, dtype=a.dtype))" in found


def test_device_correct_code_passes_even_through_the_cpu():
    assert check(zeros_like_a, torch.ones(2, 3)) is None
    assert check(made_then_moved, torch.ones(2, 3)) is None


def test_code_that_needs_values_is_not_judged():
    assert check(needs_values, torch.ones(2, 3)) is None


def test_a_gradient_set_on_the_cpu_is_found():
    def grad(inp, out):
        inp.g = torch.zeros(inp.shape, dtype=inp.dtype)
        inp.g.add_(out.g)

    inp, out = torch.ones(3, 2), torch.ones(3, 2)
    out.g = torch.ones(3, 2)
    found = check(grad, inp, out)
    assert found is not None and "sets a .g on the CPU" in found
    assert not hasattr(inp, "g")  # the real tensors are never touched


class Layer:
    """A layer of the learner's own (this file counts as theirs)."""

    def __init__(self, w):
        self.w = w

    def __call__(self, x):
        self.inp, self.out = x, x @ self.w
        return self.out


def test_a_learner_object_gets_a_twin_and_shared_tensors_stay_shared():
    x, w = torch.ones(2, 3), torch.ones(3, 4)
    layer = Layer(w)
    layer(x)
    (twin, same_x), _ = readiness.twins((layer, x), {}, FILES, method=True)
    assert twin is not layer and twin.w.device == readiness.META
    assert twin.inp is same_x  # one tensor reached twice has one twin
    assert layer.w.device.type == "cpu"


def test_a_method_whose_self_has_no_twin_is_not_checked():
    """An object of a class that is not the learner's (the tests' own) is never run
    on meta: the meta run would change the real object."""
    assert readiness.twins((object(), torch.ones(1)), {}, FILES, method=True) is None


class Scaled(nn.Module):
    def __init__(self):
        super().__init__()
        self.lin = nn.Linear(3, 2)
        self.scale = torch.ones(2)  # a plain tensor: .to(device) leaves it behind

    def forward(self, x):
        return self.lin(x) * self.scale


def test_a_modules_plain_tensor_attribute_is_left_behind_as_on_a_gpu():
    module = Scaled()
    made = readiness.twins((module, torch.ones(4, 3)), {}, FILES, method=True)
    assert made is not None
    found = readiness.check(Scaled.forward, *made, name="Scaled.forward", files=FILES)
    assert found is not None and "mixes a tensor on the CPU" in found
    assert module.lin.weight.device.type == "cpu"


def test_a_returned_model_left_on_the_cpu_is_found():
    def train(x):
        return nn.Linear(x.shape[1], 1)

    found = check(train, torch.ones(4, 3))
    assert found is not None and "returns a model whose" in found


def test_a_long_loop_is_judged_on_its_start(monkeypatch):
    monkeypatch.setattr(readiness, "MAX_OPS", 50)

    def loop(a):
        for _ in range(1000):
            a = a + 1
        return torch.zeros(a.shape)  # never reached on meta: stopped after 50 ops

    assert check(loop, torch.ones(2)) is None


def test_only_calls_entirely_on_the_cpu_are_checked():
    assert readiness.on_cpu_only((torch.ones(1),), {})
    assert not readiness.on_cpu_only((1, 2), {})
    assert not readiness.on_cpu_only((torch.ones(1, device="meta"),), {})


def test_the_tally_keeps_three_calls_per_function_and_test():
    tally = readiness.Tally()
    for _ in range(5):
        if tally.wanted("f"):
            tally.add(readiness.Pending("f", len, (), {}, FILES, 1.0, None))
    assert len(tally.pending) == readiness.CHECKS_PER_TEST


def test_the_meta_run_leaves_grad_mode_as_it_found_it(monkeypatch):
    """A meta run stopped half-way (after MAX_OPS, or by an error) must not leave
    autograd off for the tests that follow (it once did, in a training loop)."""
    monkeypatch.setattr(readiness, "MAX_OPS", 5)

    def stopped_inside_no_grad(a):
        with torch.no_grad():
            for _ in range(100):
                a = a + 1
        return a

    def switches_grad_off_then_fails(a):
        torch.set_grad_enabled(False)
        return a * a.sum().item()

    for fn in (stopped_inside_no_grad, switches_grad_off_then_fails):
        assert check(fn, torch.ones(3)) is None
        assert torch.is_grad_enabled(), fn.__name__


def test_the_meta_run_prints_and_warns_nothing(capsys, recwarn):
    def chatty(a):
        print("debug")
        import warnings

        warnings.warn("careful", UserWarning, stacklevel=1)
        return a + 1

    assert check(chatty, torch.ones(2)) is None
    assert capsys.readouterr().out == ""
    assert len(recwarn) == 0


class GoodRelu(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x.clamp_min(0)

    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        return grad_output * (x > 0)


class GradOnTheCpu(GoodRelu):
    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        return torch.zeros(x.shape, dtype=x.dtype)  # made on the CPU


def test_an_autograd_function_is_run_as_autograd_runs_it():
    """forward(ctx, x) is planned as apply(x) then backward on a meta gradient: a
    gradient made on the CPU is caught, though forward itself is right."""
    x = torch.ones(3, requires_grad=True)
    for cls, bad in ((GoodRelu, False), (GradOnTheCpu, True)):
        ctx = cls.apply(x).grad_fn  # a ctx as autograd passes it: it knows its class
        planned = readiness.plan(cls.forward, (ctx, x), {}, FILES, method=True)
        assert planned is not None
        found = readiness.check(*planned, name=cls.__name__, files=FILES)
        assert (found is not None) is bad, found
    ctx = GoodRelu.apply(x).grad_fn
    assert readiness.plan(GoodRelu.backward, (ctx, x), {}, FILES, method=True) is None


def test_a_meta_run_does_not_import_dynamo_and_leaves_no_trace():
    """Meta kernels would import torch._dynamo (1-1.5 s) on first use: a fresh process
    runs a meta check without it, and torch is as it was afterwards (the suite's own
    process has torch._dynamo loaded already, so this runs in one of its own)."""
    probe = (
        "import sys, torch\n"
        "from dojo import readiness\n"
        "def f(a, b):\n"
        "    return torch.zeros(a.shape) + a * b\n"  # CPU zeros meet meta: mixes
        "made = readiness.twins((torch.ones(2, 3), torch.ones(2, 3)), {}, ('<string>',))\n"
        "found = readiness.check(f, *made, name='f', files=('<string>',))\n"
        "print('FOUND', found is not None)\n"
        "print('DYNAMO', 'torch._dynamo' in sys.modules, '_dynamo' in vars(torch))\n"
        "import torch._dynamo\n"
        "print('REAL', hasattr(torch._dynamo, 'optimize'))\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert proc.stdout.split() == ["FOUND", "True", "DYNAMO", "False", "False", "REAL", "True"]
