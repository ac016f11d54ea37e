"""dojo.nprules: the NumPy track's rules (no torch, NumPy operations seen, Python loop
iterations counted) and the Watched view the inputs are handed over as."""

from __future__ import annotations

import re
import sys
import textwrap

import numpy as np
import pytest

from dojo import nprules
from dojo.outcomes import RuleBroken, RuleBrokenOnInput
from dojo.rules import RuleSet

LEARNER = '''
import numpy as np
from numpy.lib.stride_tricks import as_strided


def three_loops(a, b):
    c = np.zeros((a.shape[0], b.shape[1]), dtype=a.dtype)
    for i in range(a.shape[0]):
        for j in range(b.shape[1]):
            for k in range(a.shape[1]):
                c[i, j] += a[i, k] * b[k, j]
    return c


def one_line_loop(a, b):
    total = 0
    for x in range(a.shape[0]): total += x
    return a


def comprehension(a, b):
    return [[sum(a[i, k] * b[k, j] for k in range(a.shape[1])) for j in range(b.shape[1])]
            for i in range(a.shape[0])]


def while_loop(a, b):
    i = 0
    while i < a.shape[0]:
        i += 1
    return a


def vectorised(a, b):
    return (a[:, :, None] * b[None]).sum(axis=1)


def formatted_over_lines(a, b):
    c = np.zeros(
        (a.shape[0], b.shape[1]),
        dtype=a.dtype,
    )
    for i in range(a.shape[0]):
        c[
            i
        ] = (
            a[i, :, None]
            * b
        ).sum(
            axis=0
        )
    return c


def helpers(a, b):
    return _half(a) + _half(b)


def _half(x):
    return x.sum() / 2


def operator(a, b):
    return a @ b


def method_dot(a, b):
    return a.dot(b)


def np_dot_on_copies(a, b):
    return np.dot(np.array(a), np.array(b))


def einsum(a, b):
    return np.einsum("ik,kj->ij", a, b)


def strided(a, b):
    return as_strided(a, a.shape, a.strides)


def vectorize(a, b):
    return np.vectorize(lambda x: x)(a)


def swallows(a, b):
    try:
        return a @ b
    except Exception:
        return (a[:, :, None] * b[None]).sum(axis=1)


def imports_torch(a, b):
    import torch
    return a


def returns_a_view(a, b):
    return (a.T, [a[0]])
'''


@pytest.fixture
def learner(tmp_path, monkeypatch):
    path = tmp_path / "learner_np.py"
    path.write_text(textwrap.dedent(LEARNER))
    monkeypatch.syspath_prepend(str(tmp_path))
    sys.modules.pop("learner_np", None)
    import learner_np

    yield learner_np
    sys.modules.pop("learner_np", None)


A = np.arange(12.0, dtype=np.float32).reshape(3, 4)
B = np.ones((4, 5), dtype=np.float32)


def run(learner, name, *, forbid=(), require=(), budget=None, floor=None, args=(A, B)):
    rules = RuleSet.from_names(text="the rule", numpy=True, forbid=forbid, require=require)
    guard = nprules.NumpyGuard(
        rules, files=(learner.__file__,), function=name, budget=budget, floor=floor
    )
    with guard:
        result = getattr(learner, name)(*nprules.watch(args))
    guard.check_after()
    return guard, nprules.unwatch(result)


@pytest.mark.parametrize(
    ("name", "iterations"),
    [
        ("three_loops", 3 * 5 * 4 + 3 * 5 + 3),  # every jump back to a loop's head
        ("one_line_loop", 3),  # a loop on one line still counts each round
        ("while_loop", 3),
        ("vectorised", 0),
        ("formatted_over_lines", 3),  # statements over several lines are not loops
        ("helpers", 2),  # each call of the learner's own functions inside the call
    ],
)
def test_python_loop_iterations_are_counted(learner, name, iterations):
    guard, _ = run(learner, name)
    assert guard.iterations == iterations


def test_comprehensions_and_generators_count_every_round(learner):
    guard, _ = run(learner, "comprehension")
    assert guard.iterations >= 3 * 5 * 4  # the innermost generator's rounds at least


def test_a_budget_of_iterations_stops_a_loop_on_this_input(learner):
    with pytest.raises(RuleBrokenOnInput) as info:
        run(learner, "three_loops", budget=10)
    message = info.value.message
    assert "ran more than 10 Python loop iterations on this input" in message
    assert "c[i, j] += a[i, k] * b[k, j]" in message or "for k in range" in message
    assert "The rule of three_loops: the rule" in message


def test_a_floor_of_iterations_catches_vectorised_work(learner):
    run(learner, "three_loops", floor=60)
    with pytest.raises(RuleBrokenOnInput, match="ran only 0 Python loop iterations"):
        run(learner, "vectorised", floor=60)


@pytest.mark.parametrize(
    ("name", "op"),
    [
        ("operator", "np.matmul"),  # `@` is the matmul ufunc
        ("method_dot", "ndarray.dot"),
        ("np_dot_on_copies", "np.dot"),  # seen through its dispatcher, even on plain arrays
        ("einsum", "np.einsum"),
        ("vectorize", "np.vectorize"),
    ],
)
@pytest.mark.parametrize("read_the_code", [True, False], ids=["code read", "hooks only"])
def test_forbidden_numpy_operations_are_caught_at_the_learners_line(
    learner, monkeypatch, name, op, read_the_code
):
    if not read_the_code:  # the hooks alone, as they see the calls run
        monkeypatch.setattr(nprules, "_static_uses", lambda code: ())
    with pytest.raises(RuleBroken) as info:
        run(learner, name, forbid=["np-matmul-family", "np-python-loops"])
    message = info.value.message
    short = op.rpartition(".")[2]
    assert re.search(
        rf"{name} (called {re.escape(op)}|uses `(@` \(np.matmul\)|\.{short}`)|uses {op}), "
        "which this kata forbids", message
    ), message
    assert "learner_np.py:" in message


def test_a_swallowed_violation_is_still_reported(learner):
    with pytest.raises(RuleBroken, match=r"np.matmul"):
        run(learner, "swallows", forbid=["np-matmul-family"])


def test_what_numpy_does_inside_an_allowed_operation_is_not_the_learners(learner):
    # a.sum() and broadcasting run NumPy's own Python code and ufuncs: none of it is
    # the learner's call, so a forbidden name used inside NumPy is not held against it.
    run(learner, "vectorised", forbid=["np-matmul-family", "np-copies"])


def test_a_required_operation_must_be_called(learner):
    run(learner, "einsum", require=["np.einsum"])
    run(learner, "strided", require=["np.lib.stride_tricks.as_strided"])
    with pytest.raises(RuleBroken, match=r"never called np.einsum"):
        run(learner, "vectorised", require=["np.einsum"])
    # a group is met by any one of its members
    run(learner, "strided", require=["np-stride-tricks"])
    with pytest.raises(RuleBroken) as info:
        run(learner, "vectorised", require=["np-stride-tricks"])
    assert info.value.message.startswith(
        "vectorised never called np.lib.stride_tricks.as_strided or "
        "np.lib.stride_tricks.sliding_window_view"
    )


def test_torch_is_refused(learner):
    with pytest.raises(RuleBroken, match=r"imported torch: this kata is NumPy only \(no torch"):
        run(learner, "imports_torch")


def test_results_come_back_as_plain_arrays_sharing_the_inputs_memory(learner):
    _, (transposed, [row]) = run(learner, "returns_a_view")
    assert type(transposed) is np.ndarray and type(row) is np.ndarray
    assert np.shares_memory(transposed, A) and np.shares_memory(row, A)


def test_a_watched_array_prints_as_a_plain_one():
    watched = nprules.watch(A)
    assert isinstance(watched, nprules.Watched)
    assert repr(watched) == repr(A)
    assert type(watched @ B) is nprules.Watched  # outside a guard: just a view class


def test_the_guard_restores_the_trace_and_profile_hooks(learner):
    def tracer(frame, event, arg):
        return None

    def profiler(frame, event, arg):
        return None

    old_trace, old_profile = sys.gettrace(), sys.getprofile()
    sys.settrace(tracer)
    sys.setprofile(profiler)
    try:
        with pytest.raises(RuleBroken):
            run(learner, "operator", forbid=["np.matmul"])
        assert sys.gettrace() is tracer and sys.getprofile() is profiler
    finally:
        sys.settrace(old_trace)
        sys.setprofile(old_profile)


def test_every_group_names_real_operations_and_unknown_names_are_refused():
    for group, members in nprules.GROUPS.items():
        assert nprules.expand([group]), group
        assert all(m.startswith(("np.", "ndarray.")) for m in members)
    with pytest.raises(ValueError, match=r"write np.X or ndarray.X"):
        nprules.expand(["torch.mm"])
    with pytest.raises(ValueError, match="this numpy has no no_such_function"):
        nprules.expand(["np.no_such_function"])


ESCAPES = '''
import numpy as np
from numpy import matmul


def operator_on_copies(a, b):
    return np.asarray(a) @ np.asarray(b)


def ufunc_on_copies(a, b):
    return np.matmul(np.array(a), np.array(b))


def imported_by_name(a, b):
    return matmul(np.array(a), np.array(b))


def method_on_copies(a, b):
    return np.asarray(a).dot(np.asarray(b))


def lists_copy_is_fine(a, b):
    strides = list(a.strides)
    return a.reshape(-1)[: len(strides.copy())]
'''


@pytest.mark.parametrize(
    ("name", "what"),
    [
        ("operator_on_copies", "uses `@` (np.matmul)"),
        ("ufunc_on_copies", "uses `.matmul`"),
        ("imported_by_name", "uses np.matmul"),
        ("method_on_copies", "uses `.dot`"),
    ],
)
def test_a_matrix_product_on_plain_copies_is_read_from_the_code(tmp_path, monkeypatch, name, what):
    path = tmp_path / "escapes_np.py"
    path.write_text(ESCAPES)
    monkeypatch.syspath_prepend(str(tmp_path))
    sys.modules.pop("escapes_np", None)
    import escapes_np

    with pytest.raises(RuleBroken) as info:
        run(escapes_np, name, forbid=["np-matmul-family"])
    assert f"{name} {what}, which this kata forbids" in info.value.message
    assert "escapes_np.py:" in info.value.message
    run(escapes_np, "lists_copy_is_fine", forbid=["np-matmul-family", "np-copies"])


GLOBAL_RNG = '''
import numpy as np
from numpy.random import randn


def module_function(n, rng):
    return np.random.randn(n, n)


def imported_function(n, rng):
    return randn(n, n)


def seeds_it(n, rng):
    np.random.seed(0)
    return rng.standard_normal((n, n))


def generator_methods_are_fine(n, rng):
    return rng.normal(0, 1, (n, n)) + rng.standard_normal((n, n))
'''


@pytest.mark.parametrize(
    ("name", "what"),
    [("module_function", "np.random.randn"), ("imported_function", "np.random.randn"),
     ("seeds_it", "np.random.seed")],
)
def test_numpys_global_generator_is_read_from_the_code(tmp_path, monkeypatch, name, what):
    # np.random's functions are Cython: neither the profile hook nor a view class sees them.
    path = tmp_path / "rng_np.py"
    path.write_text(GLOBAL_RNG)
    monkeypatch.syspath_prepend(str(tmp_path))
    sys.modules.pop("rng_np", None)
    import rng_np

    forbid = ["np.random.seed", "np.random.randn", "np.random.normal",
              "np.random.standard_normal"]
    with pytest.raises(RuleBroken) as info:
        run(rng_np, name, forbid=forbid, args=(3, np.random.default_rng(0)))
    assert f"{name} uses {what}, which this kata forbids" in info.value.message
    run(rng_np, "generator_methods_are_fine", forbid=forbid, args=(3, np.random.default_rng(0)))


def test_results_keep_their_kind_named_tuples_included():
    # np.linalg.svd returns a named tuple: a learner reads `.U`, inside the call and out.
    a = nprules.watch(np.eye(3))
    inside = np.linalg.svd(a)
    assert type(inside.U) is nprules.Watched and hasattr(inside, "Vh")
    outside = nprules.unwatch(inside)
    assert type(outside).__name__ == "SVDResult" and type(outside.U) is np.ndarray
    pieces = np.split(a, 3)
    assert isinstance(pieces, list) and all(type(p) is nprules.Watched for p in pieces)
