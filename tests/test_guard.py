"""dojo.guard: every learner call is checked for "not started", rules, runaway loops and
changed inputs, and remembered for the failure message."""

from __future__ import annotations

import gc
import signal
import sys
import time

import pytest
import torch

from dojo import guard
from dojo.outcomes import NotStarted, RuleBroken, TooSlow
from dojo.rules import RuleSet

NO_RULES = RuleSet()
NO_MATMUL = RuleSet.from_names(text="no matrix product", forbid=["matmul-family"])
PLAIN = RuleSet(text="plain Python only", plain_python=True)


def wrap(learner, module, name, rules=NO_RULES, time_limit=guard.DEFAULT_TIME_LIMIT):
    return guard.guarded(
        getattr(module, name), kata="99_test", name=name, rules=rules,
        files=learner.files(module), time_limit=time_limit,
    )


@pytest.fixture(autouse=True)
def fresh_state():
    guard.reset()
    yield
    guard.reset()


# --- not started -----------------------------------------------------------------


STUBS = """\
def double(x):
    \"\"\"Twice x.\"\"\"
    raise NotImplementedError("kata 99_test: implement double")


def quadruple(x):
    return double(double(x))


def careful(x):
    if x < 0:
        raise NotImplementedError("negative numbers: not written yet")
    return x
"""


@pytest.fixture
def stubs(learner):
    return learner.load(STUBS)


def test_the_stubs_placeholder_reads_not_started(learner, stubs):
    with pytest.raises(NotStarted) as info:
        wrap(learner, stubs, "double")(2)
    line = learner.line(stubs, 'raise NotImplementedError("kata 99_test: implement double")')
    assert str(info.value) == (
        f"double still raises NotImplementedError ({stubs.__file__}:{line})"
    )
    assert guard.current().crash is None


def test_calling_another_unfinished_stub_names_it(learner, stubs):
    with pytest.raises(NotStarted) as info:
        wrap(learner, stubs, "quadruple")(2)
    assert str(info.value).startswith(
        "quadruple calls double, which still raises NotImplementedError ("
    )


def test_a_learners_own_not_implemented_error_is_a_crash_not_not_started(learner, stubs):
    careful = wrap(learner, stubs, "careful")
    assert careful(3) == 3
    with pytest.raises(NotImplementedError, match="negative numbers") as info:
        careful(-1)
    assert not isinstance(info.value, NotStarted)
    assert guard.current().crash is info.value


def test_a_crash_is_recorded_and_re_raised_unchanged(learner):
    module = learner.load("def broken(x):\n    return x[10]\n")
    with pytest.raises(IndexError) as info:
        wrap(learner, module, "broken")([1, 2])
    assert guard.current().crash is info.value


def test_the_wrapper_keeps_the_functions_name_and_docstring(learner, stubs):
    double = wrap(learner, stubs, "double")
    assert double.__name__ == "double"
    assert double.__doc__ == "Twice x."


# --- calls are remembered ------------------------------------------------------------


def test_each_call_is_remembered_with_its_arguments_by_name(learner):
    module = learner.load("def add(a, b=1, *, c=0):\n    return a + b + c\n")
    add = wrap(learner, module, "add")
    assert add(1) == 2
    assert add(1, 2, c=3) == 6
    calls = guard.current().calls
    assert [c.arguments for c in calls] == [{"a": 1}, {"a": 1, "b": 2, "c": 3}]
    assert guard.current().last_call.code() == "a = 1\nb = 2\nc = 3\nadd(a, b, c=c)"
    assert guard.current().files == learner.files(module)


def test_variadic_arguments_are_shown_as_a_pasteable_call(learner):
    module = learner.load("def f(a, *rest, **options):\n    return a\n")
    wrap(learner, module, "f")(1, 2, 3, k=4)
    assert guard.current().last_call.code() == (
        "a = 1\nrest = (2, 3)\noptions = {'k': 4}\nf(a, *rest, **options)"
    )


def test_a_call_is_remembered_as_given_even_if_it_changes_its_input(learner):
    module = learner.load(
        "def grows(xs, t):\n    xs.append(9.0)\n    t.add_(1)\n    return len(xs)\n"
    )
    t = torch.zeros(2)
    with pytest.raises(RuleBroken):
        wrap(learner, module, "grows")([1.0], t)
    shown = guard.current().last_call.code()
    assert "xs = [1.0]\n" in shown
    assert "t = torch.tensor([0.0, 0.0], dtype=torch.float32)\n" in shown


def test_generators_are_remembered_by_state_and_shown_as_seeded_code(learner):
    module = learner.load(
        "import torch\n\n\ndef draw(g):\n    return torch.randn(3, generator=g)\n"
    )
    draw = wrap(learner, module, "draw")
    g = torch.Generator().manual_seed(7)
    for _ in range(20_000):  # deepcopy of a Generator leaked a reference to None
        draw(g)
    fresh = torch.Generator().manual_seed(7)
    draw(fresh)
    shown = guard.current().last_call.arguments["g"]
    assert shown is not fresh
    assert torch.equal(shown.get_state(), torch.Generator().manual_seed(7).get_state())
    assert guard.current().last_call.code() == (
        "g = torch.Generator(device='cpu').manual_seed(7)\ndraw(g)"
    )
    used = torch.Generator().manual_seed(7)
    torch.randn(1, generator=used)
    draw(used)
    assert guard.current().last_call.code().startswith(
        "g = torch.Generator(device='cpu').manual_seed(7)  # and some numbers drawn"
    )


def test_reset_starts_a_fresh_record(learner):
    module = learner.load("def one():\n    return 1\n")
    wrap(learner, module, "one")()
    assert guard.current().calls
    state = guard.reset()
    assert state is guard.current() and state.calls == [] and state.crash is None


# --- rules through the guard --------------------------------------------------------------


RULE_BREAKERS = """\
def sneaky(a, b):
    try:
        return a @ b
    except Exception:
        return a


def swallowed(a, b):
    try:
        a @ b
    except BaseException:
        pass
    return a * 2


def swallowed_then_crashed(a, b):
    try:
        a @ b
    except BaseException:
        pass
    return a[100]


def in_a_loop(a, b):
    while True:
        try:
            return a @ b
        except BaseException:
            continue
"""


@pytest.fixture
def breakers(learner):
    return learner.load(RULE_BREAKERS)


@pytest.mark.parametrize("name", ["sneaky", "swallowed", "swallowed_then_crashed"])
def test_no_try_except_can_hide_a_broken_rule(learner, breakers, name):
    with pytest.raises(RuleBroken) as info:
        wrap(learner, breakers, name, rules=NO_MATMUL)(torch.ones(2, 2), torch.ones(2, 2))
    message = str(info.value)
    assert message.startswith(f"{name} called Tensor.")
    assert f"{breakers.__file__}:" in message and "a @ b" in message
    assert message.endswith("The rule of " + name + ": no matrix product")


def test_plain_python_rules_use_the_plain_python_guard(learner):
    module = learner.load(
        """
        import torch


        def total(xs):
            return float(torch.tensor(xs).sum())
        """
    )
    with pytest.raises(RuleBroken, match="this kata is plain Python"):
        wrap(learner, module, "total", rules=PLAIN)([1.0, 2.0])


def test_an_operation_budget_is_enforced_per_call(learner):
    module = learner.load(
        """
        def total(x):
            s = x.new_zeros(())
            for i in range(x.shape[0]):
                s = s + x[i]
            return s
        """
    )
    ruleset = RuleSet.from_names(text="no loop", max_torch_calls="x.shape[0]")
    total = wrap(learner, module, "total", rules=ruleset)
    with pytest.raises(RuleBroken, match="ran more than 4 torch operations"):
        total(torch.ones(4))
    with pytest.raises(RuleBroken, match="ran more than 0 torch operations"):
        total(torch.ones(0))


def test_a_required_operation_that_is_never_called_breaks_the_rule(learner):
    module = learner.load("def spread(v):\n    return v.expand(3, 2)\n")
    ruleset = RuleSet.from_names(text="use as_strided", require=["torch.as_strided"])
    with pytest.raises(RuleBroken, match=r"spread never called torch\.as_strided"):
        wrap(learner, module, "spread", rules=ruleset)(torch.ones(2))


# --- runaway loops ----------------------------------------------------------------------


LOOPS = """\
def spin(x):
    while True:
        pass


def spin_after_swallowing(x):
    try:
        while True:
            pass
    except BaseException:
        pass
    while True:
        x = x + 1


def quick(x):
    return x + 1
"""


def timer_left_as_it_was(delay_before):
    """The wall-clock timer is back to what it was: off, or someone else's (such as
    pytest-timeout's), with what is left of it."""
    delay, _ = signal.getitimer(signal.ITIMER_REAL)
    return delay == 0.0 if delay_before == 0.0 else 0.0 < delay <= delay_before


def test_an_endless_loop_is_stopped_and_the_next_call_works(learner):
    module = learner.load(LOOPS)
    handler_before = signal.getsignal(signal.SIGALRM)
    delay_before, _ = signal.getitimer(signal.ITIMER_REAL)
    start = time.monotonic()
    with pytest.raises(TooSlow) as info:
        wrap(learner, module, "spin", time_limit=0.3)(1)
    assert time.monotonic() - start < 3
    assert str(info.value).startswith("spin used more than 0.3 s of CPU time on one input")
    assert "a loop that never ends" in str(info.value)
    assert timer_left_as_it_was(delay_before)
    assert signal.getsignal(signal.SIGALRM) is handler_before
    assert wrap(learner, module, "quick", time_limit=0.3)(1) == 2


def test_the_time_limit_never_breaks_an_import_half_way(learner, tmp_path, monkeypatch):
    # torch loads some parts lazily on first use: a stop inside an import would leave
    # the module half-initialised for the rest of the run.
    (tmp_path / "slow_to_import.py").write_text(
        "import time\n"
        "start = time.process_time()\n"
        "while time.process_time() - start < 0.5:\n"
        "    pass\n"
        "READY = True\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    module = learner.load(
        "def uses_it(x):\n"
        "    import slow_to_import\n"
        "    return slow_to_import.READY\n"
    )
    assert wrap(learner, module, "uses_it", time_limit=0.2)(1) is True
    assert sys.modules["slow_to_import"].READY is True
    spin = learner.load("def spin(x):\n    while True:\n        pass\n")
    with pytest.raises(TooSlow):  # outside an import the limit still holds
        wrap(learner, spin, "spin", time_limit=0.2)(1)


def test_a_loop_that_swallows_the_first_stop_is_stopped_again(learner):
    module = learner.load(LOOPS)
    delay_before, _ = signal.getitimer(signal.ITIMER_REAL)
    start = time.monotonic()
    with pytest.raises(TooSlow):
        wrap(learner, module, "spin_after_swallowing", time_limit=0.3)(1)
    assert time.monotonic() - start < 4
    assert timer_left_as_it_was(delay_before)


def test_a_sleeping_loop_is_stopped_by_the_wall_clock(learner):
    # CPU time barely moves while sleeping: the wall-clock limit stops it.
    module = learner.load("import time\n\ndef nap(x):\n    while True:\n        time.sleep(0.2)\n")
    start = time.monotonic()
    with pytest.raises(TooSlow, match="mostly waiting rather than computing"):
        wrap(learner, module, "nap", time_limit=0.1)(1)
    assert time.monotonic() - start < 4


def test_a_stop_landing_in_a_gc_callback_is_raised_again_and_never_printed(
    learner, monkeypatch
):
    """A tick can land in a garbage collector's callback (Hypothesis keeps one), where
    Python cannot raise and only prints "Exception ignored in ...": the learner read a
    warning about the dojo's internals. The stop must still come, and nothing print."""
    printed = []
    monkeypatch.setattr(sys, "unraisablehook", printed.append)

    def slow_callback(phase, info):  # most of the time is spent here
        if phase == "start":
            end = time.process_time() + 0.02
            while time.process_time() < end:
                pass

    module = learner.load(
        "def churn(x):\n    while True:\n        a = []\n        a.append(a)\n"
    )
    gc.callbacks.append(slow_callback)
    try:
        start = time.monotonic()
        with pytest.raises(TooSlow, match=r"churn used more than 0\.2 s of CPU time"):
            wrap(learner, module, "churn", time_limit=0.2)(1)
    finally:
        gc.callbacks.remove(slow_callback)
    assert time.monotonic() - start < 4
    assert printed == []
    assert sys.unraisablehook == printed.append  # put back


def test_a_quick_call_leaves_no_timer_running(learner):
    module = learner.load(LOOPS)
    delay_before, _ = signal.getitimer(signal.ITIMER_REAL)
    for _ in range(3):
        assert wrap(learner, module, "quick")(1) == 2
    assert timer_left_as_it_was(delay_before)


def test_cpu_time_limit_is_a_no_op_when_not_positive():
    handler_before = signal.getsignal(signal.SIGALRM)
    with guard.cpu_time_limit(0, "f"):
        assert signal.getsignal(signal.SIGALRM) is handler_before


# --- changed inputs ---------------------------------------------------------------------------


MUTATORS = """\
def add_in_place(x):
    x.add_(1)
    return x


def write_through_data(x):
    x.data[0] = 5.0
    return x


def copy_onto_itself(x):
    x.copy_(x)
    return x + 0


def second_argument(a, b):
    b[0] = a[0]
    return a + b


def into_a_list_of_tensors(xs):
    xs[1].mul_(2)
    return xs[0]


def append_to_list(xs):
    xs.append(0.0)
    return sum(xs)


def write_nested_list(rows):
    rows[0][0] = 9.0
    return rows


def returns_its_input(x):
    return x


def works_on_a_copy(x):
    y = x.clone()
    y.add_(1)
    return y
"""


@pytest.fixture
def mutators(learner):
    return learner.load(MUTATORS)


@pytest.mark.parametrize(
    ("name", "args", "argument", "line"),
    [
        ("add_in_place", (torch.ones(3),), "x", "x.add_(1)"),
        ("write_through_data", (torch.ones(3),), "x", "x.data[0] = 5.0"),
        ("copy_onto_itself", (torch.ones(3),), "x", "x.copy_(x)"),
        ("second_argument", (torch.zeros(2), torch.ones(2)), "b", "b[0] = a[0]"),
        ("into_a_list_of_tensors", ([torch.ones(2), torch.ones(2)],), "xs[1]",
         "xs[1].mul_(2)"),
    ],
    ids=["version-counter", "through-data", "copy-onto-itself", "second-argument",
         "list-of-tensors"],
)
def test_a_changed_tensor_input_is_named_with_the_line(learner, mutators, name, args, argument,
                                                       line):
    with pytest.raises(RuleBroken) as info:
        wrap(learner, mutators, name)(*args)
    message = str(info.value)
    assert message.startswith(f"{name} changed its input `{argument}` in place\n")
    assert f"\n  at {learner.where(mutators, line)}\n" in message
    assert "must not modify its inputs" in message


def test_a_write_the_guard_cannot_see_is_still_caught_by_value(learner):
    module = learner.load(
        """
        def via_numpy(x):
            x.numpy()[0] = 7.0
            return x
        """
    )
    with pytest.raises(RuleBroken, match="via_numpy changed its input `x` in place"):
        wrap(learner, module, "via_numpy")(torch.ones(2))


@pytest.mark.parametrize(
    ("name", "args", "argument"),
    [("append_to_list", ([1.0, 2.0],), "xs"), ("write_nested_list", ([[1.0], [2.0]],), "rows")],
)
def test_a_list_changed_in_place_is_named(learner, mutators, name, args, argument):
    with pytest.raises(RuleBroken) as info:
        wrap(learner, mutators, name, rules=PLAIN)(*args)
    assert str(info.value).startswith(f"{name} changed its input `{argument}` in place\n")
    assert "build a new list" in str(info.value)


@pytest.mark.parametrize("name", ["returns_its_input", "works_on_a_copy"])
def test_reading_an_input_or_writing_a_copy_is_fine(learner, mutators, name):
    x = torch.arange(3.0)
    wrap(learner, mutators, name)(x)
    assert torch.equal(x, torch.arange(3.0))


def test_nan_inputs_left_alone_are_not_reported_as_changed(learner, mutators):
    x = torch.tensor([float("nan"), 1.0])
    assert wrap(learner, mutators, "returns_its_input")(x) is x


# --- classes: guarded in place, calls nested and recorded ------------------------------

CLASSES = """\
import torch


class Lin:
    def __init__(self, w):
        self.w = w

    def __call__(self, x):
        self.x = x
        return x @ self.w

    def backward(self):
        self.x.g = self.out_g @ self.w.t()


class Model:
    def __init__(self, w1, w2):
        self.layers = [Lin(w1), Lin(w2)]

    def __call__(self, x):
        for layer in self.layers:
            x = layer(x)
        return x

    def backward(self):
        for layer in reversed(self.layers):
            layer.backward()


class Cheat(Lin):
    def backward(self):
        y = self.x.detach().requires_grad_()
        self.x.g = y


class MyRelu(torch.autograd.Function):
    @staticmethod
    def forward(ctx, i):
        ctx.save_for_backward(i)
        return i.clamp_min(0.0)

    @staticmethod
    def backward(ctx, grad_output):
        (i,) = ctx.saved_tensors
        return grad_output * (i > 0)


class Unfinished(torch.autograd.Function):
    @staticmethod
    def forward(ctx, i):
        return i

    @staticmethod
    def backward(ctx, grad_output):
        raise NotImplementedError("kata 99_test: implement Unfinished.backward")


class SneakyRelu(MyRelu):
    @staticmethod
    def backward(ctx, grad_output):
        (i,) = ctx.saved_tensors
        y = i.detach().requires_grad_()
        return torch.autograd.grad(y.clamp_min(0.0).sum(), y)[0] * grad_output
"""


@pytest.fixture
def classes(learner):
    from dojo.curriculum import Function, Kata
    from dojo.loader import guard_class

    module = learner.load(CLASSES)
    rule = Function("x", rule="no autograd", forbid=("autograd",))
    names = ("Lin", "Model", "Cheat", "MyRelu", "Unfinished", "SneakyRelu")
    kata = Kata("99_test", "learner", "t", 1, "", tuple(
        Function(n, rule=rule.rule, forbid=rule.forbid) for n in names
    ))
    for name in names:
        guard_class(getattr(module, name), kata, learner.files(module), kata.function(name))
    return module


def test_every_method_call_is_recorded_in_order_with_nested_calls(classes):
    model = classes.Model(torch.ones(2, 3), torch.ones(3, 1))
    model(torch.ones(4, 2))
    model.layers[1].out_g = torch.ones(4, 1)
    model.layers[0].out_g = torch.ones(4, 3)
    model.backward()
    backward = [c for c in guard.current().calls if c.function.endswith(".backward")]
    assert [(c.function, c.depth) for c in backward] == [
        ("Model.backward", 0), ("Lin.backward", 1), ("Lin.backward", 1),
    ]
    assert [c.arguments["self"] for c in backward[1:]] == model.layers[::-1]
    assert all(c.method for c in guard.current().calls)
    assert guard.current().last_call is None  # a method call is not shown as "the input"


def test_a_method_that_breaks_the_rule_is_caught_at_its_line(learner, classes):
    layer = classes.Cheat(torch.ones(2, 2))
    layer(torch.ones(1, 2))
    with pytest.raises(RuleBroken) as info:
        layer.backward()
    assert str(info.value).startswith("Cheat.backward called Tensor.requires_grad_")
    assert learner.where(classes, "y = self.x.detach().requires_grad_()") in str(info.value)


def test_a_guarded_class_is_guarded_once_and_keeps_its_methods(classes, learner):
    from dojo.curriculum import Function, Kata
    from dojo.loader import guard_class

    before = classes.Lin.__dict__["backward"]
    guard_class(classes.Lin, Kata("99_test", "learner", "t", 1, ""), (), Function("Lin"))
    assert classes.Lin.__dict__["backward"] is before
    assert set(vars(classes.Cheat)) - {"__module__", "__doc__", "_dojo_guarded"} == {"backward"}


def test_autograd_function_staticmethods_are_guarded_and_stay_static(classes):
    x = torch.tensor([-1.0, 2.0], requires_grad=True)
    classes.MyRelu.apply(x).backward(torch.tensor([5.0, 7.0]))
    assert torch.equal(x.grad, torch.tensor([0.0, 7.0]))
    assert isinstance(classes.MyRelu.__dict__["backward"], staticmethod)
    assert [c.function for c in guard.current().calls] == ["MyRelu.forward", "MyRelu.backward"]


def test_autograd_calling_a_learners_backward_still_enforces_its_rule(classes):
    x = torch.tensor([-1.0, 2.0], requires_grad=True)
    y = classes.SneakyRelu.apply(x)
    with pytest.raises(RuleBroken, match=r"SneakyRelu\.backward called Tensor\.requires_grad_"):
        y.sum().backward()


def test_an_unfinished_backward_reads_not_started_through_autograd(classes):
    x = torch.ones(2, requires_grad=True)
    with pytest.raises(NotStarted, match=r"Unfinished\.backward still raises"):
        classes.Unfinished.apply(x).sum().backward()


SLOW_INSIDE = """\
def outer(x):
    return inner(x) + 1


def inner(x):
    while True:
        x = x + 1
"""


def test_a_nested_call_runs_under_the_outer_time_limit(learner):
    module = learner.load(SLOW_INSIDE)
    module.inner = wrap(learner, module, "inner", time_limit=0.2)
    outer = wrap(learner, module, "outer", time_limit=0.3)
    start = time.process_time()
    with pytest.raises(TooSlow, match=r"outer used more than 0\.3 s"):
        outer(1)
    assert time.process_time() - start < 2
    assert [(c.function, c.depth) for c in guard.current().calls] == [("outer", 0), ("inner", 1)]
    assert guard.current().last_call.function == "outer"


def test_a_registered_time_limit_replaces_the_default(learner):
    from dojo.curriculum import Function, Kata
    from dojo.loader import Implementation

    module = learner.load(SLOW_INSIDE)
    kata = Kata("99_test", "learner", "t", 1, "", (Function("inner", time_limit=0.3),))
    impl = Implementation(kata, module, module.__file__)
    start = time.process_time()
    with pytest.raises(TooSlow, match=r"inner used more than 0\.3 s"):
        impl.inner(1)
    assert time.process_time() - start < 0.9


def test_time_spent_importing_does_not_count_against_the_limit(learner, tmp_path, monkeypatch):
    # A first torch.optim step imports torch._dynamo (about 1 s of CPU time): a correct
    # function must not be "too slow" because of it.
    (tmp_path / "heavy_import.py").write_text(
        "import time\n"
        "start = time.process_time()\n"
        "while time.process_time() - start < 0.4:\n"
        "    pass\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    module = learner.load(
        "import time\n"
        "def work(x):\n"
        "    import heavy_import\n"
        "    start = time.process_time()\n"
        "    while time.process_time() - start < 0.2:\n"
        "        pass\n"
        "    return x\n"
    )
    assert wrap(learner, module, "work", time_limit=0.3)(1) == 1  # 0.6 s in all, 0.2 s counted
