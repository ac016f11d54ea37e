"""Hostile and broken learner code: endless loops, sleeps, exits, huge allocations,
threads and patches of torch end fast with the right verdict, and nothing leaks.

Each case is a real `pytest katas/NN --impl DIR` run in its own process (the code
under test may exit or leave threads behind), with the reference solution and one
function replaced. Each must end well within HOSTILE_LIMIT seconds.
"""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import dojoproject
import pytest
from katarun import COURSE, KATAS, REFERENCE, ROOT

HOSTILE_LIMIT = 30  # seconds of wall-clock time a hostile case may take, start to end


def impl_with(tmp_path: Path, kata_id: str, code: str) -> Path:
    """A directory laid out like katas/ whose kata is the reference plus `code`."""
    kata = COURSE.kata(kata_id)
    reference = (REFERENCE / kata.id / f"{kata.module}.py").read_text(encoding="utf-8")
    target = tmp_path / "impl" / kata.id / f"{kata.module}.py"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(reference + "\n\n" + textwrap.dedent(code), encoding="utf-8")
    return tmp_path / "impl"


def environment(tmp_path: Path) -> dict[str, str]:
    return dojoproject.dojo_env(tmp_path / "home", HYPOTHESIS_PROFILE="ci")


class Run:
    def __init__(self, returncode: int, output: str, seconds: float) -> None:
        self.returncode = returncode
        self.output = output
        self.seconds = seconds

    def verdict_lines(self) -> list[str]:
        return re.findall(r"^(?:passed|not started|wrong|crashed|rule broken|too slow): .*$",
                          self.output, re.M)


def run_katas(tmp_path: Path, impl: Path, *args: str) -> Run:
    start = time.monotonic()
    try:
        done = subprocess.run(
            [sys.executable, "-m", "pytest", *args, f"--impl={impl}", "-p",
             "no:cacheprovider", "--rootdir", str(ROOT), "-q"],
            cwd=ROOT, env=environment(tmp_path), capture_output=True, text=True,
            timeout=HOSTILE_LIMIT + 30,
        )
    except subprocess.TimeoutExpired as exc:
        pytest.fail(f"the run did not end in {HOSTILE_LIMIT + 30} s:\n{exc.stdout}")
    seconds = time.monotonic() - start
    run = Run(done.returncode, done.stdout + done.stderr, seconds)
    print(f"ended in {seconds:.1f} s")  # the closing note quotes these
    assert seconds < HOSTILE_LIMIT, f"took {seconds:.1f} s:\n{run.output}"
    return run


def kata_run(tmp_path: Path, kata_id: str, code: str, *functions: str) -> Run:
    impl = impl_with(tmp_path, kata_id, code)
    selected = [arg for name in functions for arg in ("--function", name)]
    return run_katas(tmp_path, impl, str(KATAS / kata_id), *selected)


def assert_failed_with(run: Run, verdict: str, text: str = "") -> None:
    __tracebackhide__ = True
    assert run.returncode == 1, run.output
    heads = [line for line in run.output.splitlines() if line.startswith(f"{verdict}: ")]
    assert heads, f"no '{verdict}' verdict:\n{run.output}"
    if text:
        assert any(text in line for line in heads), run.output
    assert "Traceback (most recent call last)" not in run.output, run.output


LOOPS_HEADER = """
import time


def matmul_loops(a, b):
"""


def test_a_sleeping_loop_is_too_slow_within_seconds(tmp_path):
    run = kata_run(tmp_path, "02_matmul", LOOPS_HEADER + """
    while True:
        time.sleep(0.5)
""", "matmul_loops")
    assert_failed_with(run, "too slow", "mostly waiting rather than computing")


def test_a_huge_allocation_on_every_call_fails_fast(tmp_path):
    run = kata_run(tmp_path, "02_matmul", LOOPS_HEADER + """
    table = [0] * 10**9
    return table
""", "matmul_loops")
    assert run.returncode == 1, run.output
    assert any(line.startswith(("crashed: ", "too slow: ")) for line in run.verdict_lines()), (
        run.output
    )
    assert "MemoryError" in run.output or "too slow" in run.output


def test_a_loop_that_swallows_every_exception_is_still_stopped(tmp_path):
    run = kata_run(tmp_path, "02_matmul", LOOPS_HEADER + """
    while True:
        try:
            while True:
                pass
        except BaseException:
            pass
""", "matmul_loops")
    assert_failed_with(run, "too slow", "used more than 1 s of CPU time")


def test_endless_recursion_after_raising_the_recursion_limit_ends(tmp_path):
    run = kata_run(tmp_path, "02_matmul", LOOPS_HEADER + """
    import sys

    sys.setrecursionlimit(10**7)
    return matmul_loops(a, b)
""", "matmul_loops")
    assert run.returncode == 1, run.output
    assert any(line.startswith(("crashed: ", "too slow: ")) for line in run.verdict_lines())
    assert "RecursionError" in run.output or "too slow" in run.output


def test_an_endless_loop_at_import_is_too_slow_for_every_function(tmp_path):
    run = kata_run(tmp_path, "02_matmul", "while True:\n    pass\n")
    assert run.returncode == 1, run.output
    summary = run.output.split("dojo: functions passed per kata", 1)[1]
    assert "02_matmul  0/3  dense_layer: too slow, matmul_loops: too slow, " \
        "matmul_elementwise: too slow" in summary, run.output
    assert "takes too long to import" in run.output


def test_a_thread_left_spinning_is_a_broken_rule_and_the_run_ends(tmp_path):
    run = kata_run(tmp_path, "02_matmul", """
import threading


def matmul_loops(a, b):
    def spin():
        while True:
            pass

    threading.Thread(target=spin).start()
    return a @ b
""", "matmul_loops")
    assert_failed_with(run, "rule broken", "started a thread")


def test_a_forbidden_operation_in_another_thread_is_a_broken_rule(tmp_path):
    run = kata_run(tmp_path, "02_matmul", """
from concurrent.futures import ThreadPoolExecutor


def matmul_loops(a, b):
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(lambda: a @ b).result()
""", "matmul_loops")
    assert_failed_with(run, "rule broken", "started a thread")


@pytest.mark.parametrize("exit_call", ["sys.exit(0)", "raise SystemExit", "exit()",
                                       "os._exit(0)"])
def test_exiting_from_a_function_is_a_crash_that_is_recorded(tmp_path, exit_call):
    run = kata_run(tmp_path, "02_matmul", f"""
import os
import sys


def matmul_loops(a, b):
    {exit_call}
""", "matmul_loops")
    assert_failed_with(run, "crashed", "your code ended the program")
    assert "02_matmul  0/1  matmul_loops: crashed" in run.output


def test_exiting_at_import_is_a_crash_naming_the_line(tmp_path):
    run = kata_run(tmp_path, "02_matmul", "import sys\n\nsys.exit(0)\n", "dense_layer")
    assert_failed_with(run, "crashed")
    assert re.search(r"crashed: .*matmul\.py does not import \(line \d+\): it calls "
                     r"sys\.exit\(0\)", run.output), run.output


def test_a_keyboard_interrupt_raised_by_code_is_its_crash_not_the_end_of_the_run(tmp_path):
    run = kata_run(tmp_path, "02_matmul", LOOPS_HEADER + """
    raise KeyboardInterrupt
""")
    assert_failed_with(run, "crashed", "raised KeyboardInterrupt itself")
    assert "would stop the whole test run. Raise another exception, or return." in run.output
    assert "02_matmul  2/3  matmul_loops: crashed" in run.output  # every test ran


def test_a_real_ctrl_c_stops_the_run_and_claims_no_pass(tmp_path):
    sleeping = tmp_path / "sleeping"
    impl = impl_with(tmp_path, "02_matmul", LOOPS_HEADER + f"""
    open({str(sleeping)!r}, "w").close()
    while True:
        time.sleep(0.05)
""")
    process = subprocess.Popen(
        [sys.executable, "-m", "pytest", str(KATAS / "02_matmul"), f"--impl={impl}",
         "-p", "no:cacheprovider", "--rootdir", str(ROOT), "-q"],
        cwd=ROOT, env=environment(tmp_path), stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, text=True,
    )
    # Ctrl-C once matmul_loops sleeps (torch imported, dense_layer graded): not after
    # a fixed wait, which a busy machine can outlast.
    deadline = time.monotonic() + HOSTILE_LIMIT
    while not sleeping.exists() and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert sleeping.exists(), f"matmul_loops never ran:\n{process.communicate()[0]}"
    time.sleep(0.2)
    process.send_signal(signal.SIGINT)
    output, _ = process.communicate(timeout=HOSTILE_LIMIT)
    assert process.returncode == 2, output  # pytest's "interrupted"
    assert "KeyboardInterrupt" in output
    summary = output.split("dojo: functions passed per kata", 1)[1]
    assert "all passed" not in summary
    assert "(the run was interrupted)" in summary, output


@pytest.mark.parametrize(
    ("code", "what"),
    [
        ("return torch.ops.aten.mm.default(a, b)", "torch.ops.aten.mm.default"),
        ("return torch.ops.aten.mm(a, b)", "torch.ops.aten.mm"),
        ("with torch._C.DisableTorchFunction():\n        return a @ b",
         "torch._C.DisableTorchFunction"),
    ],
    ids=["aten-overload", "aten-packet", "disable-torch-function"],
)
def test_escape_routes_around_the_rules_are_broken_rules(tmp_path, code, what):
    run = kata_run(tmp_path, "02_matmul", f"""
import torch


def matmul_loops(a, b):
    {code}
""", "matmul_loops")
    assert_failed_with(run, "rule broken", what)


def test_im2col_called_directly_is_a_broken_rule(tmp_path):
    run = kata_run(tmp_path, "12_unfold_conv", """
import torch


def unfold(x, kernel_size, *, stride=1, padding=0):
    pair = lambda v: (v, v) if isinstance(v, int) else tuple(v)
    return torch._C._nn.im2col(x, pair(kernel_size), (1, 1), pair(padding), pair(stride))
""", "unfold")
    assert_failed_with(run, "rule broken", "torch._C._nn.im2col")


@pytest.mark.parametrize(
    "patch",
    [
        "torch.matmul = lambda a, b: a.new_zeros(a.shape[0], b.shape[1])",
        "torch.Tensor.__matmul__ = lambda a, b: a.new_zeros(a.shape[0], b.shape[1])",
        "import dojo.checks\ndojo.checks.assert_matmul = lambda *args, **kwargs: None",
    ],
    ids=["torch.matmul", "Tensor.__matmul__", "dojo.checks"],
)
def test_patching_torch_or_the_dojo_is_caught_and_does_not_leak(tmp_path, patch):
    impl = impl_with(tmp_path, "02_matmul", f"""
import torch

{patch}


def matmul_loops(a, b):
    return a.new_zeros(a.shape[0], b.shape[1])
""")
    impl_with(tmp_path, "03_broadcasting", "")  # the reference, in the same run
    run = run_katas(tmp_path, impl, str(KATAS / "02_matmul"), str(KATAS / "03_broadcasting"))
    assert_failed_with(run, "rule broken", "must not change PyTorch")
    summary = run.output.split("dojo: functions passed per kata", 1)[1]
    assert "02_matmul        0/3" in summary, run.output
    assert "03_broadcasting  8/8  all passed" in summary, run.output


def test_patching_torch_inside_a_function_is_caught_and_undone(tmp_path):
    impl = impl_with(tmp_path, "02_matmul", """
import torch


def dense_layer(x, w, b):
    torch.Tensor.__matmul__ = lambda p, q: torch.zeros(p.shape[0], q.shape[1])
    return x @ w.t() + b
""")
    impl_with(tmp_path, "03_broadcasting", "")
    run = run_katas(tmp_path, impl, str(KATAS / "02_matmul"), str(KATAS / "03_broadcasting"))
    assert_failed_with(run, "rule broken", "replaced Tensor.__matmul__")
    assert "03_broadcasting  8/8  all passed" in run.output, run.output


def test_import_by_name_in_a_plain_python_kata_is_a_broken_rule(tmp_path):
    run = kata_run(tmp_path, "01_neuron", """
def neuron(inputs, weights, bias):
    return float(__import__("numpy").dot(inputs, weights)) + bias
""", "neuron")
    assert_failed_with(run, "rule broken", "used __import__")


def test_torch_changing_itself_as_it_loads_is_not_a_patch(tmp_path):
    """A fresh process, as a learner runs it: the first optimizer step imports
    torch._dynamo, which wraps torch.manual_seed. That is torch's own doing, not the
    learner's (this suite's process has torch._dynamo loaded already: see conftest)."""
    run = run_katas(tmp_path, REFERENCE, str(KATAS / "12_unfold_conv"), "-k", "train_cnn")
    assert run.returncode == 0, run.output
    assert "12_unfold_conv  1/1  all passed" in run.output, run.output
