"""dojo.rules: forbidden and required operations, budgets and the plain-Python rule,
each reported with the learner's own line."""

from __future__ import annotations

import re
import sys

import pytest
import torch
import torch.nn.functional as F

from dojo import rules
from dojo.outcomes import RuleBroken
from dojo.rules import PlainPythonGuard, RuleMode, RuleSet

FORBIDDEN_CALLS = """\
import numpy as np
import torch
import torch.nn.functional as F


def at_operator(a, b):
    return a @ b


def torch_mm(a, b):
    return torch.mm(a, b)


def torch_einsum(a, b):
    return torch.einsum("ij,jk->ik", a, b)


def f_linear(a, b):
    return F.linear(a, b.t())


def numpy_method(a, b):
    return torch.from_numpy(a.numpy() @ b.numpy())


def numpy_asarray(a, b):
    return torch.from_numpy(np.asarray(a) @ np.asarray(b))


def numpy_dlpack(a, b):
    return torch.from_numpy(np.from_dlpack(a) @ np.from_dlpack(b))


def tensor_method_mm(a, b):
    return a.mm(b)


def in_place_matmul(a, b):
    a @= b
    return a


def loops(a, b):
    c = torch.zeros(a.shape[0], b.shape[1], dtype=a.dtype)
    for i in range(a.shape[0]):
        for j in range(b.shape[1]):
            c[i, j] = (a[i, :] * b[:, j]).sum()
    return c
"""

NO_MATMUL = RuleSet.from_names(
    text="no matrix product", forbid=["matmul-family", "escape-routes"]
)


def run_under(ruleset, fn, *args, budget=None, files=()):
    """Run `fn(*args)` under a RuleMode; return the mode and the result."""
    mode = RuleMode(ruleset, files=files, function=fn.__name__, budget=budget)
    with mode:
        result = fn(*args)
    return mode, result


@pytest.fixture
def ops(learner):
    return learner.load(FORBIDDEN_CALLS)


@pytest.mark.parametrize(
    ("function", "op", "line"),
    [
        ("at_operator", r"Tensor\.(__)?matmul(__)?", "return a @ b"),
        ("torch_mm", r"torch\.mm", "return torch.mm(a, b)"),
        ("torch_einsum", r"torch\.einsum", 'return torch.einsum("ij,jk->ik", a, b)'),
        ("f_linear", r"F\.linear", "return F.linear(a, b.t())"),
        ("numpy_method", r"Tensor\.numpy", "return torch.from_numpy(a.numpy() @ b.numpy())"),
        ("numpy_asarray", r"Tensor\.__array__",
         "return torch.from_numpy(np.asarray(a) @ np.asarray(b))"),
        ("numpy_dlpack", r"Tensor\.__dlpack__",
         "return torch.from_numpy(np.from_dlpack(a) @ np.from_dlpack(b))"),
        ("tensor_method_mm", r"Tensor\.mm", "return a.mm(b)"),
        ("in_place_matmul", r"Tensor\.(__i?)?matmul(__)?", "a @= b"),
    ],
)
def test_a_forbidden_operation_is_caught_with_the_learners_line(learner, ops, function, op, line):
    fn = getattr(ops, function)
    with pytest.raises(RuleBroken) as info:
        run_under(NO_MATMUL, fn, torch.ones(2, 3), torch.ones(3, 2), files=learner.files(ops))
    message = str(info.value)
    assert re.match(rf"{function} called {op}, which this kata forbids\n", message), message
    assert f"\n  at {learner.where(ops, line)}\n" in message
    assert message.endswith("The rule of " + function + ": no matrix product")


def test_torch_mm_is_recognised_by_identity_not_by_its_printed_name():
    # torch.overrides.resolve_name prints torch.mm as torch.spmm: only identity is reliable.
    assert rules.expand(["torch.mm"]) == {torch.mm: "torch.mm"}
    with pytest.raises(RuleBroken, match=r"called torch\.mm"):
        run_under(RuleSet.from_names(forbid=["torch.mm"]), torch.mm, torch.ones(1, 1),
                  torch.ones(1, 1))


def test_loops_with_indexing_and_sums_break_no_matmul_rule(ops, learner):
    a, b = torch.arange(6.0).reshape(2, 3), torch.arange(6.0).reshape(3, 2)
    mode, result = run_under(NO_MATMUL, ops.loops, a, b, files=learner.files(ops))
    assert torch.equal(result, a @ b)
    assert mode.violations == []
    assert mode.calls > 4 * 3  # indexing, products and sums are all counted
    mode.check_after()


def test_what_an_allowed_operation_calls_inside_is_not_seen():
    # torch.norm is written in Python and calls torch.linalg.vector_norm itself.
    ruleset = RuleSet.from_names(forbid=["torch.linalg.vector_norm"])
    mode, result = run_under(ruleset, torch.norm, torch.ones(4))
    assert float(result) == 2.0 and mode.violations == []
    with pytest.raises(RuleBroken):
        run_under(ruleset, torch.linalg.vector_norm, torch.ones(4))


def test_a_forbidden_property_is_caught(learner):
    module = learner.load("def transpose(x):\n    return x.T\n")
    with pytest.raises(RuleBroken, match=r"called Tensor\.T, which this kata forbids"):
        run_under(RuleSet.from_names(forbid=["Tensor.T"]), module.transpose, torch.ones(2, 3),
                  files=learner.files(module))


def test_except_exception_cannot_hide_a_violation(learner):
    module = learner.load(
        """
        def sneaky(a, b):
            try:
                return a @ b
            except Exception:
                return a
        """
    )
    with pytest.raises(RuleBroken, match="sneaky called"):
        run_under(NO_MATMUL, module.sneaky, torch.ones(1, 1), torch.ones(1, 1))


def test_except_base_exception_cannot_hide_a_violation(learner):
    module = learner.load(
        """
        def sneakier(a, b):
            try:
                return a @ b
            except BaseException:
                pass
            return a * b
        """
    )
    mode, _ = run_under(NO_MATMUL, module.sneakier, torch.ones(1, 1), torch.ones(1, 1),
                        files=learner.files(module))
    assert len(mode.violations) == 1
    with pytest.raises(RuleBroken) as info:
        mode.check_after()
    assert learner.where(module, "return a @ b") in str(info.value)


# --- budgets -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("expression", "arguments", "budget"),
    [
        ("8", {}, 8),
        ("12 * (a.shape[0] + 1) + 16", {"a": torch.zeros(3, 2)}, 64),
        ("12 * (a.shape[0] + 1) * (b.shape[1] + 1) + 16",
         {"a": torch.zeros(2, 5), "b": torch.zeros(5, 4)}, 196),
        ("a.numel() // 2", {"a": torch.zeros(4, 4)}, 8),
    ],
)
def test_budget_is_evaluated_on_the_calls_arguments(expression, arguments, budget):
    ruleset = RuleSet.from_names(max_torch_calls=expression)
    assert ruleset.budget(arguments) == budget


def test_no_expression_means_no_budget():
    assert RuleSet.from_names().budget({"a": torch.zeros(2)}) is None


def test_budget_expressions_cannot_reach_builtins():
    with pytest.raises(NameError):
        RuleSet.from_names(max_torch_calls="__import__('os').getcwd()").budget({})


def test_a_loop_over_elements_breaks_a_small_budget(learner):
    module = learner.load(
        """
        def total(x):
            s = x.new_zeros(())
            for i in range(x.shape[0]):
                s = s + x[i]
            return s
        """
    )
    files = learner.files(module)
    mode, result = run_under(RuleSet(), module.total, torch.ones(3), budget=None, files=files)
    assert float(result) == 3.0
    used = mode.calls
    run_under(RuleSet(), module.total, torch.ones(3), budget=used, files=files)
    with pytest.raises(RuleBroken) as info:
        run_under(RuleSet(text="no loop"), module.total, torch.ones(3), budget=used - 1,
                  files=files)
    message = str(info.value)
    assert message.startswith(f"total ran more than {used - 1} torch operations on this input")
    assert "\n  at " + str(module.__file__) in message
    assert message.endswith("The rule of total: no loop")


# --- required operations -----------------------------------------------------------


REQUIRES_AS_STRIDED = RuleSet.from_names(text="use as_strided", require=["torch.as_strided"])


def test_a_function_that_never_calls_a_required_op_breaks_the_rule():
    mode, _ = run_under(REQUIRES_AS_STRIDED, lambda v: v.expand(3, 2), torch.ones(2))
    with pytest.raises(RuleBroken, match=r"never called torch\.as_strided") as info:
        mode.check_after()
    assert str(info.value).endswith("The rule of <lambda>: use as_strided")


def test_a_function_that_calls_the_required_op_passes():
    mode, result = run_under(
        REQUIRES_AS_STRIDED, lambda v: torch.as_strided(v, (3, 2), (0, 1)), torch.ones(2)
    )
    assert result.shape == (3, 2)
    mode.check_after()


def test_a_required_op_may_be_called_as_a_tensor_method():
    # v.as_strided(...) and torch.as_strided(v, ...) are the same operation to a learner.
    mode, _ = run_under(REQUIRES_AS_STRIDED, lambda v: v.as_strided((3, 2), (0, 1)),
                        torch.ones(2))
    mode.check_after()


# --- names ---------------------------------------------------------------------------


def test_groups_expand_to_their_members():
    expanded = rules.expand(["matmul-family"])
    for op, name in [(torch.matmul, "torch.matmul"), (torch.Tensor.matmul, "Tensor.matmul"),
                     (torch.einsum, "torch.einsum"), (F.linear, "F.linear")]:
        assert expanded[op] == name


@pytest.mark.parametrize("name", ["torch.no_such_op", "np.sum", "matmul", "Tensor.nope", "F."])
def test_an_unknown_operation_name_is_an_error_naming_it(name):
    with pytest.raises(ValueError, match=re.escape(repr(name))):
        rules.expand([name])


def test_every_group_expands_to_torch_callables():
    for group in rules.GROUPS:
        expanded = rules.expand([group])
        assert expanded, group
        for op in expanded:  # a callable, a property, or ("set", property) for a setter
            target = op[1] if isinstance(op, tuple) and op[0] == "set" else op
            assert callable(target) or hasattr(target, "__set__"), (group, op)


# --- plain Python ---------------------------------------------------------------------


PLAIN = """\
import math

import numpy as np
import torch
from numpy import maximum


def plain(xs):
    total = sum(x * x for x in xs)
    return math.sqrt(max(total, 0.0)) + abs(round(min(xs, default=0), 2)) + len(list(zip(xs, xs)))


def uses_torch(xs):
    return float(torch.tensor(xs).sum())


def uses_numpy(xs):
    return float(np.sqrt(xs[0]))


def uses_ufunc(xs):
    return float(np.maximum(xs[0], 0.0))


def uses_imported_ufunc(xs):
    return float(maximum(xs[0], 0.0))


def uses_tensor_method(t):
    return t.sum()


def imports_numpy_inside(xs):
    from numpy import multiply as times

    return float(times(xs[0], 2.0))


def swallows(xs):
    try:
        torch.zeros(len(xs))
    except BaseException:
        pass
    return sum(xs)
"""


def run_plain(module, name, *args):
    guard = PlainPythonGuard(RuleSet(text="plain Python only"), files=(module.__file__,),
                             function=name)
    with guard:
        result = getattr(module, name)(*args)
    return guard, result


@pytest.fixture
def plain(learner):
    return learner.load(PLAIN)


def test_plain_python_guard_allows_math_and_builtins(plain):
    guard, result = run_plain(plain, "plain", [3.0, 4.0])
    assert result == 5.0 + 3.0 + 2
    assert guard.violations == []
    guard.check_after()


@pytest.mark.parametrize(
    ("name", "args", "line", "root"),
    [
        ("uses_torch", ([1.0],), "return float(torch.tensor(xs).sum())", "torch"),
        ("uses_numpy", ([4.0],), "return float(np.sqrt(xs[0]))", "numpy"),
        ("uses_tensor_method", (torch.ones(2),), "return t.sum()", "torch"),
        ("swallows", ([1.0],), "torch.zeros(len(xs))", "torch"),
        ("uses_ufunc", ([-1.0],), "return float(np.maximum(xs[0], 0.0))", "numpy"),
        ("uses_imported_ufunc", ([-1.0],), "return float(maximum(xs[0], 0.0))", "numpy"),
        ("imports_numpy_inside", ([1.0],), "from numpy import multiply as times", "numpy"),
    ],
)
def test_plain_python_guard_catches_torch_and_numpy_at_the_learners_line(
    learner, plain, name, args, line, root
):
    guard, _ = run_plain(plain, name, *args)
    with pytest.raises(RuleBroken) as info:
        guard.check_after()
    message = str(info.value)
    first = message.splitlines()[0]
    assert re.match(rf"{name} (called|used|imported) ", first) and root in first, first
    assert first.endswith(": this kata is plain Python")
    assert f"\n  at {learner.where(plain, line)}\n" in message
    assert message.endswith(f"The rule of {name}: plain Python only")


def test_plain_python_guard_restores_the_previous_profiler(plain):
    def other_profiler(frame, event, arg):
        return None

    sys.setprofile(other_profiler)
    try:
        run_plain(plain, "plain", [1.0])
        assert sys.getprofile() is other_profiler
    finally:
        sys.setprofile(None)



# --- the "autograd" group (katas 07 to 10) ---------------------------------------------

AUTOGRAD_USERS = """\
import torch


def calls_backward(x):
    (x * x).sum().backward()
    return x.grad


def calls_autograd_grad(x):
    return torch.autograd.grad((x * x).sum(), x)[0]


def calls_requires_grad_(x):
    return x.detach().requires_grad_()


def sets_requires_grad(x):
    y = x.detach()
    y.requires_grad = True
    return y


def factory_requires_grad(x):
    return torch.zeros(3, requires_grad=True)


def uses_torch_func(x):
    return torch.func.grad(lambda t: (t * t).sum())(x)


def reads_requires_grad(x):
    return x * 2 if not x.requires_grad else x
"""

NO_AUTOGRAD = RuleSet.from_names(text="no autograd", forbid=["autograd"])


@pytest.mark.parametrize(
    ("function", "what", "line"),
    [
        ("calls_backward", r"called Tensor\.backward", "(x * x).sum().backward()"),
        ("calls_autograd_grad", r"called torch\.autograd\.grad",
         "return torch.autograd.grad((x * x).sum(), x)[0]"),
        ("calls_requires_grad_", r"called Tensor\.requires_grad_",
         "return x.detach().requires_grad_()"),
        ("sets_requires_grad", r"set x\.requires_grad = True", "y.requires_grad = True"),
        ("factory_requires_grad", r"passed requires_grad=True to zeros",
         "return torch.zeros(3, requires_grad=True)"),
        ("uses_torch_func", r"called Tensor\.requires_grad_",
         "return torch.func.grad(lambda t: (t * t).sum())(x)"),
    ],
)
def test_every_way_into_autograd_breaks_the_no_autograd_rule(learner, function, what, line):
    module = learner.load(AUTOGRAD_USERS)
    with pytest.raises(RuleBroken) as info:
        run_under(NO_AUTOGRAD, getattr(module, function), torch.ones(3, requires_grad=True),
                  files=learner.files(module))
    message = str(info.value)
    assert re.match(rf"{function} {what}", message), message
    assert f"\n  at {learner.where(module, line)}" in message
    assert message.endswith("The rule of " + function + ": no autograd")


def test_backward_itself_is_caught_when_the_graph_already_exists():
    x = torch.ones(2, requires_grad=True)
    loss = (x * x).sum()
    with pytest.raises(RuleBroken, match=r"called Tensor\.backward"):
        run_under(NO_AUTOGRAD, loss.backward)


def test_reading_requires_grad_is_allowed(learner):
    module = learner.load(AUTOGRAD_USERS)
    mode, result = run_under(NO_AUTOGRAD, module.reads_requires_grad, torch.ones(3))
    assert mode.violations == [] and torch.equal(result, torch.full((3,), 2.0))


# --- floors: the fewest operations a call must run ----------------------------------


def test_too_few_operations_for_the_loops_asked_for_breaks_the_rule(learner):
    from dojo.outcomes import RuleBrokenOnInput

    module = learner.load(
        """
        def vectorised(a, b):
            return (a[:, :, None] * b[None]).sum(1)
        """
    )
    files = learner.files(module)
    a, b = torch.ones(2, 3), torch.ones(3, 4)
    floor = RuleSet.from_names(min_torch_calls="a.shape[0] * b.shape[1] * a.shape[1]")
    assert floor.floor({"a": a, "b": b}) == 24
    mode = RuleMode(RuleSet(text="three loops"), files=files, function="vectorised",
                    budget=None, floor=24)
    with mode:
        module.vectorised(a, b)
    with pytest.raises(RuleBrokenOnInput) as info:
        mode.check_after()
    assert str(info.value).startswith(
        f"vectorised ran only {mode.calls} torch operations on this input, but the Python "
        "loops this kata asks for run at least 24"
    )
    assert isinstance(info.value, Exception)  # Hypothesis shrinks it: see test_plugin


def test_enough_operations_meet_the_floor(learner):
    module = learner.load(
        """
        def loops(a):
            return [a[i] * 2 for i in range(a.shape[0])]
        """
    )
    mode = RuleMode(RuleSet(), files=learner.files(module), function="loops", budget=None,
                    floor=6)
    with mode:
        module.loops(torch.ones(3))
    mode.check_after()
    assert mode.calls >= 6
