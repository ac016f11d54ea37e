"""dojo.contract and the guard's binding: a learner names positional parameters freely,
the harness always speaks of the contract's names."""

from __future__ import annotations

import inspect

import pytest
import torch

from dojo import contract, guard
from dojo.outcomes import RuleBroken
from dojo.rules import RuleSet

CONTRACT = contract.parse(
    """
def matmul(a, b):
    ...

def unfold(x, kernel_size, *, stride=1, padding=0):
    ...

def fit(x, y, *, hidden=50, epochs=100):
    ...

class MyRelu:
    @staticmethod
    def forward(ctx, i):
        ...

class LayerFunction:
    def __call__(self, *args):
        ...

    def bwd(self, out, *args):
        ...
"""
)


@pytest.fixture(autouse=True)
def fresh_state():
    guard.reset()
    yield
    guard.reset()


def test_signatures_name_functions_and_methods_of_classes():
    assert set(CONTRACT) == {
        "matmul", "unfold", "fit", "MyRelu.forward", "LayerFunction.__call__",
        "LayerFunction.bwd",
    }
    assert str(CONTRACT["unfold"]) == "(x, kernel_size, *, stride=..., padding=...)"
    assert str(CONTRACT["LayerFunction.bwd"]) == "(self, out, *args)"
    kinds = [p.kind for p in CONTRACT["unfold"].parameters.values()]
    assert kinds == [inspect.Parameter.POSITIONAL_OR_KEYWORD] * 2 + [
        inspect.Parameter.KEYWORD_ONLY
    ] * 2


def test_the_kata_contract_is_the_references(tmp_path, monkeypatch):
    from katarun import COURSE, KATAS

    from dojo import course

    kata = COURSE.kata("10_autograd_function")
    signatures = contract.signatures(kata, KATAS)
    assert list(signatures["MyRelu.forward"].parameters) == ["ctx", "i"]
    assert list(signatures["MyLinear.forward"].parameters) == ["ctx", "x", "w", "b"]
    # a workspace made by `dojo init` has no reference/: the course's own serves
    assert contract.signatures(kata, tmp_path / "katas") == signatures
    # no reference anywhere: no contract, the learner's own names serve
    monkeypatch.setattr(course, "root", lambda: None)
    assert contract.signatures(kata, tmp_path / "katas") == {}


NO_RULES = RuleSet()


def wrap(learner, module, name, rules=NO_RULES):
    return guard.guarded(
        getattr(module, name), kata="99_test", name=name, rules=rules,
        files=learner.files(module), contract=CONTRACT.get(name),
    )


def test_calls_are_recorded_under_the_contracts_names(learner):
    module = learner.load(
        "def matmul(m1, m2):\n    return m1 + m2\n\n"
        "def unfold(inp, ks, stride=1, padding=0):\n    return inp\n"
    )
    wrap(learner, module, "matmul")(torch.ones(1), torch.ones(1))
    wrap(learner, module, "unfold")(torch.ones(1), 3, stride=2)
    first, second = guard.current().calls
    assert list(first.arguments) == ["a", "b"]
    assert list(second.arguments) == ["x", "kernel_size", "stride"]
    assert second.kinds == {"stride": "keyword"}
    assert second.code().endswith("unfold(x, kernel_size, stride=stride)")


def test_a_function_that_takes_anything_is_bound_to_the_contract(learner):
    module = learner.load("def matmul(*args, **kwargs):\n    return args[0]\n")
    budget = RuleSet.from_names(max_torch_calls="a.shape[0] + b.shape[1]")
    wrap(learner, module, "matmul", rules=budget)(torch.ones(2, 3), torch.ones(3, 4))
    assert list(guard.current().calls[0].arguments) == ["a", "b"]


def test_an_operation_budget_reads_the_contracts_names_whatever_the_learner_wrote(learner):
    module = learner.load(
        "def matmul(m1, m2):\n"
        "    c = m1.new_zeros(m1.shape[0], m2.shape[1])\n"
        "    for i in range(m1.shape[0]):\n"
        "        c[i] = (m1[i, :, None] * m2).sum(0)\n"
        "    return c\n"
    )
    rules = RuleSet.from_names(text="no loop", max_torch_calls="16")
    matmul = wrap(learner, module, "matmul", rules=rules)
    with pytest.raises(RuleBroken, match="ran more than 16 torch operations"):
        matmul(torch.ones(8, 2), torch.ones(2, 2))


def test_a_changed_input_is_named_by_the_contract_and_by_the_learner(learner):
    module = learner.load("def matmul(m1, m2):\n    m1 += 1\n    return m1\n")
    with pytest.raises(RuleBroken, match=r"changed its input `a` \(your `m1`\) in place"):
        wrap(learner, module, "matmul")(torch.ones(2), torch.ones(2))


def test_a_call_that_does_not_fit_the_contract_keeps_the_learners_names(learner):
    module = learner.load("def matmul(m1, m2, m3):\n    return m1\n")
    wrap(learner, module, "matmul")(torch.ones(1), torch.ones(1), torch.ones(1))
    assert list(guard.current().calls[0].arguments) == ["m1", "m2", "m3"]
