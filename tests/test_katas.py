"""Every kata: the reference passes, the pristine stub reads "not started",
every mutant is caught and every correct alternative passes."""

from __future__ import annotations

import ast
import linecache
import textwrap

import pytest
import torch
from katarun import (
    COURSE,
    FAILING,
    KATAS,
    REFERENCE,
    ROOT,
    discover,
    inner_profile,
    pristine_katas,
    rename_parameters,
    renamed_reference,
    run_kata,
)

from dojo import notebook
from dojo.loader import load_module, module_path
from dojo.rules import RuleMode, RuleSet

KATA_IDS = [k.id for k in COURSE.katas]
MUTANTS = discover("mutants")
ALTERNATIVES = discover("alternatives")


@pytest.mark.parametrize("kata_id", KATA_IDS)
def test_reference_passes_every_graded_test(pytester, kata_id):
    run = run_kata(pytester, kata_id, REFERENCE)
    assert run.ret == 0, run.output
    assert run.all_verdicts, f"no graded test ran for {kata_id}"
    assert set(run.all_verdicts) == {"passed"}, run.output


@pytest.mark.parametrize("kata_id", KATA_IDS)
def test_reference_with_renamed_parameters_passes_every_graded_test(pytester, kata_id):
    """Learners name positional parameters as they like (`matmul(m1, m2)`,
    `forward(ctx, x)`): the harness binds every call to the contract's names."""
    impl = renamed_reference(kata_id, pytester.path / "impl")
    assert "renamed_" in impl.joinpath(kata_id).glob("*.py").__next__().read_text()
    run = run_kata(pytester, kata_id, impl)
    assert run.ret == 0, run.output
    assert run.all_verdicts, f"no graded test ran for {kata_id}"
    assert set(run.all_verdicts) == {"passed"}, run.output


def grade_in_notebook(kata_id, source, tmp_path, monkeypatch):
    """`%%dojo KATA` on a cell holding `source`, in this process (the calling test
    takes the `forget_kata_modules` fixture)."""
    cell = str(tmp_path / "ipykernel_1" / "1.py")  # where ipykernel keeps a cell's code
    linecache.cache[cell] = (len(source), None, source.splitlines(True), cell)
    namespace: dict[str, object] = {"__name__": "__main__"}
    exec(compile(source, cell, "exec"), namespace)
    monkeypatch.setenv("DOJO_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("HYPOTHESIS_PROFILE", inner_profile())
    monkeypatch.setenv("HYPOTHESIS_STORAGE_DIRECTORY", str(tmp_path / "hypothesis"))
    monkeypatch.delenv("DOJO_IMPL", raising=False)
    return notebook.grade(kata_id, namespace, root=ROOT)


@pytest.mark.parametrize("kata_id", KATA_IDS)
@pytest.mark.usefixtures("forget_kata_modules")
def test_renamed_reference_passes_every_graded_test_from_a_notebook(
    kata_id, tmp_path, monkeypatch
):
    """The notebook route (`%%dojo KATA`) grades the same renamed code the same way."""
    kata = COURSE.kata(kata_id)
    source = rename_parameters((REFERENCE / kata.id / f"{kata.module}.py").read_text())
    grade = grade_in_notebook(kata_id, source, tmp_path, monkeypatch)
    assert grade.missing == ()
    assert grade.passed, grade.report()
    assert grade.report().endswith("all passed"), grade.report()


@pytest.mark.usefixtures("forget_kata_modules")
def test_a_function_a_notebook_lacks_is_not_started_in_the_summary_too(tmp_path, monkeypatch):
    """The stand-in for a missing function takes `*args, **kwargs`: an operation budget
    over `a` and `b` must still read "not started", never "crashed"."""
    source = "import torch\n\ndef dense_layer(x, w, b):\n    return x @ w.t() + b\n"
    grade = grade_in_notebook("02_matmul", source, tmp_path, monkeypatch)
    assert grade.verdicts == {
        "dense_layer": "passed", "matmul_loops": "not started",
        "matmul_elementwise": "not started",
    }, grade.report()
    report = grade.report()
    assert "matmul_elementwise: not started: not defined in this notebook yet" in report
    assert report.endswith(
        "02_matmul  1/3  matmul_loops: not started, matmul_elementwise: not started"
    ), report


@pytest.mark.parametrize("kata_id", KATA_IDS)
def test_pristine_stub_reads_not_started_everywhere(pytester, kata_id):
    run = run_kata(pytester, kata_id, pristine_katas())
    assert run.ret == 1
    assert set(run.all_verdicts) == {"not started"}, run.output
    assert "Traceback" not in run.output
    failures = len(run.verdicts)
    # One line per failing test in FAILURES, one in the short summary, plus headers.
    assert len(run.output.splitlines()) < 4 * failures + 25, run.output


@pytest.mark.parametrize("mutant", MUTANTS, ids=lambda m: m.id)
def test_mutant_is_caught(pytester, mutant):
    impl = mutant.build(pytester.path / "impl")
    # -x: caught at its first failing test, as `dojo watch` shows it (40% less time)
    run = run_kata(pytester, mutant.kata, impl, "--function", mutant.function, "-x")
    assert run.ret == 1, f"{mutant.id} was not caught:\n{run.output}"
    caught = set(run.all_verdicts) & FAILING
    assert caught, f"{mutant.id}: no test failed for a reason a learner can use:\n{run.output}"
    assert "error" not in run.all_verdicts, run.output
    if mutant.expected:
        assert mutant.expected in caught, run.output


# Mutants whose only mistake is a tensor left on the CPU (dtype right): on a CPU-only
# machine, only device readiness (dojo.readiness) can catch them.
DEVICE_MUTANT_IDS = {
    "02_matmul::matmul_loops__forgets_device",
    "02_matmul::matmul_elementwise__forgets_device",
    "03_broadcasting::matmul_broadcast__forgets_device",
    "07_backward::relu_grad__where_with_zeros_without_device",
    "08_layers::Lin__backward_bias_grad_from_cpu_zeros",
    "10_autograd_function::fit_with_my_relu__bias_on_the_cpu",
    "10_autograd_function::MyRelu__forward_where_with_cpu_zeros",
    "10_autograd_function::MyLinear__backward_bias_grad_on_the_cpu",
    "11_nn_linear::LinearLayer__bias_trick_with_cpu_ones",
    "12_unfold_conv::train_cnn__model_left_on_the_cpu",
}
DEVICE_MUTANTS = [m for m in MUTANTS if m.id in DEVICE_MUTANT_IDS]


def test_every_device_mutant_exists():
    assert {m.id for m in DEVICE_MUTANTS} == DEVICE_MUTANT_IDS


@pytest.mark.parametrize("mutant", DEVICE_MUTANTS, ids=lambda m: m.id)
def test_device_mutant_is_caught_on_the_cpu_by_device_readiness(pytester, mutant):
    impl = mutant.build(pytester.path / "impl")
    run = run_kata(pytester, mutant.kata, impl, "--function", mutant.function, "--device=cpu")
    assert run.ret == 1, run.output
    assert "wrong" in set(run.all_verdicts), run.output
    assert "Checked without a GPU" in run.output, run.output
    assert "Look at: a tensor you create lives on the CPU" in run.output, run.output


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
@pytest.mark.parametrize("mutant", DEVICE_MUTANTS, ids=lambda m: m.id)
def test_device_mutant_fails_on_a_real_gpu_as_device_readiness_says(pytester, mutant):
    """On a GPU, device readiness does not run (the inputs are on CUDA): the mutant
    must fail there for real, as the meta run predicted on the CPU."""
    impl = mutant.build(pytester.path / "impl")
    run = run_kata(pytester, mutant.kata, impl, "--function", mutant.function, "--device=cuda")
    assert run.ret == 1, run.output
    assert set(run.all_verdicts) & FAILING, run.output
    assert "Checked without a GPU" not in run.output, run.output


@pytest.mark.parametrize("alternative", ALTERNATIVES, ids=lambda a: a.id)
def test_correct_alternative_is_accepted(pytester, alternative):
    impl = alternative.build(pytester.path / "impl")
    run = run_kata(pytester, alternative.kata, impl, "--function", alternative.function)
    assert run.ret == 0, run.output
    assert set(run.all_verdicts) == {"passed"}, run.output


def test_layer_function_keeps_the_stubs_forward_and_bwd(pytester):
    """Kata 09's stub gives the base class's forward and bwd (they raise
    NotImplementedError, as the contract asks): a learner who keeps them passes."""
    kata = COURSE.kata("09_layer_function")
    stub = ast.parse((pristine_katas() / kata.id / f"{kata.module}.py").read_text())
    reference = ast.parse((REFERENCE / kata.id / f"{kata.module}.py").read_text())

    def methods(tree):
        cls = next(
            n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == "LayerFunction"
        )
        return {n.name: n for n in cls.body if isinstance(n, ast.FunctionDef)}

    given, ours = methods(stub), methods(reference)
    for name in ("forward", "bwd"):
        ours[name].body = given[name].body
    target = pytester.path / "impl" / kata.id / f"{kata.module}.py"
    target.parent.mkdir(parents=True)
    target.write_text(ast.unparse(reference))
    run = run_kata(pytester, kata.id, pytester.path / "impl", "--function", "LayerFunction")
    assert run.ret == 0, run.output
    assert set(run.all_verdicts) == {"passed"}, run.output


def test_a_broken_operation_budget_shows_a_shrunk_input(pytester):
    """Too many operations depends on the input's size: Hypothesis shrinks it, so the
    input shown is one where one row, column or inner size less would have passed."""
    mutant = next(m for m in MUTANTS if m.name == "matmul_elementwise__three_loops")
    run = run_kata(pytester, mutant.kata, mutant.build(pytester.path / "impl"),
                   "--function", mutant.function)
    assert "rule broken: matmul_elementwise ran more than" in run.output, run.output
    block = run.output.split("On this input:\n", 1)[1].split("matmul_elementwise(a, b)")[0]
    shown: dict[str, object] = {"torch": torch}
    exec(textwrap.dedent(block), shown)
    variants: dict[str, object] = {"torch": torch}
    exec(mutant.source.read_text(), variants)
    three_loops = variants[mutant.name]
    budget = RuleSet.from_names(
        max_torch_calls=COURSE.kata("02_matmul").function("matmul_elementwise").max_torch_calls
    ).budget

    def over_budget(a, b):
        mode = RuleMode(RuleSet(), files=(), function="f", budget=None)
        with mode:
            three_loops(a, b)
        return mode.calls > budget({"a": a, "b": b})

    a, b = shown["a"], shown["b"]
    assert over_budget(a, b)
    for smaller in ((a[1:], b), (a, b[:, 1:]), (a[:, 1:], b[1:])):
        assert not over_budget(*smaller), (a.shape, b.shape)


def test_numpy_train_passes_on_the_seeds_where_a_quarter_was_asked():
    """Kata 14's `train` test draws a seed from 0 to 1000. When it asked for a last loss
    below a quarter of the first, the reference failed on these five seeds (a learner
    profile run hit 203): a correct solution failed one run in 200. Over all 1001 seeds
    the reference's last loss is at most 0.38 of its first."""
    kata = COURSE.kata("14_numpy_backprop")
    tests = load_module(KATAS / kata.id / "test_numpy_backprop.py", kata)
    reference = load_module(module_path(REFERENCE, kata), kata)
    x, y = tests.regression()
    for seed in (203, 469, 649, 731, 949):
        losses = reference.train(x, y, epochs=tests.EPOCHS, seed=seed)
        assert losses[-1] < losses[0] / tests.FALL, (seed, losses[0], losses[-1])
