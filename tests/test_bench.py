"""`dojo bench` times the ladder the same way every run: torch on one thread, a warm-up,
then several timed runs whose median and spread are shown. No test here asserts a
timing: a fake clock and counted calls say what was run and what was reported."""

from __future__ import annotations

import io
import itertools
import statistics
from collections.abc import Iterable
from pathlib import Path

import dojoproject
import pytest
import torch
from rich.console import Console

from dojo import bench, curriculum


class FakeClock:
    """A clock that moves only when a fake function runs (and, if asked, a little at
    every read)."""

    def __init__(self, per_read: float = 0.0) -> None:
        self.now = 100.0
        self.per_read = per_read

    def __call__(self) -> float:
        self.now += self.per_read
        return self.now


class FakeFunction:
    """Each call takes the next of `durations` seconds on `clock`, and is counted."""

    def __init__(self, clock: FakeClock, durations: Iterable[float]) -> None:
        self.clock = clock
        self.durations = iter(durations)
        self.calls = 0

    def __call__(self) -> None:
        self.calls += 1
        self.clock.now += next(self.durations)


def test_a_fast_function_is_warmed_up_then_timed_in_runs_of_many_calls():
    clock = FakeClock()
    fn = FakeFunction(clock, itertools.repeat(0.001))
    timing = bench.time_calls(fn, 0.001, clock)  # the first call was the caller's
    assert timing.warmups * 0.001 >= bench.WARMUP  # untimed calls first...
    assert timing.warmups > 1
    assert timing.loops * 0.001 >= bench.SAMPLE  # ...then runs long enough to time
    assert bench.MIN_RUNS <= timing.runs <= bench.MAX_RUNS
    assert fn.calls == timing.warmups - 1 + timing.runs * timing.loops  # all of them done
    assert timing.median == pytest.approx(0.001)
    assert timing.spread == pytest.approx(0.0)


def test_a_hiccup_in_one_run_moves_neither_the_median_nor_the_spread():
    """A loaded machine stalls a run now and then: the median does not notice."""
    clock = FakeClock()
    stall = 8  # the ninth call takes 2.5 s instead of 10 ms
    fn = FakeFunction(clock, itertools.chain([0.010] * stall, [2.5], itertools.repeat(0.010)))
    timing = bench.time_calls(fn, 0.010, clock)
    assert timing.warmups - 1 < stall < fn.calls  # the stall fell inside a timed run
    assert timing.loops == 1 and timing.runs >= 9
    assert timing.median == pytest.approx(0.010)
    assert timing.spread == pytest.approx(0.0)
    assert bench.format_spread(timing, Console(file=io.StringIO())) == "±0.0%"


def test_the_median_and_the_spread_come_from_the_runs():
    clock = FakeClock()
    runs = [0.02, 0.04, 0.03, 0.05, 0.01]  # per run of one call (slow enough for loops=1)
    fn = FakeFunction(clock, runs * 100)
    timing = bench.time_calls(fn, 0.2, clock)  # slow: no more warm-up, MIN_RUNS runs
    assert (timing.warmups, timing.loops, timing.runs) == (1, 1, bench.MIN_RUNS)
    samples = runs[: bench.MIN_RUNS]
    assert timing.median == pytest.approx(statistics.median(samples))
    low, _, high = statistics.quantiles(samples, n=4, method="inclusive")
    assert (timing.low, timing.high) == (pytest.approx(low), pytest.approx(high))
    assert timing.spread == pytest.approx((high - low) / 2 / timing.median)


@pytest.mark.parametrize(("first", "runs"), [(1.0, 3), (4.0, 2), (bench.SLOW, 1), (30.0, 1)])
def test_a_slow_function_gets_fewer_runs_never_endless_ones(first, runs):
    clock = FakeClock()
    fn = FakeFunction(clock, itertools.repeat(first))
    timing = bench.time_calls(fn, first, clock)
    assert timing.runs == runs and timing.loops == 1
    made = 0 if first >= bench.SLOW else runs  # past SLOW: the first call is the timing
    assert fn.calls == made
    assert timing.median == pytest.approx(first)
    if runs == 1:
        assert timing.spread is None
        assert bench.format_spread(timing, Console(file=io.StringIO())) == "1 run"


RECORDING = '''\
import pathlib
import torch

LOG = pathlib.Path({log!r})


def _record():
    with LOG.open("a") as log:
        log.write(f"{{torch.get_num_threads()}}\\n")


def matmul_loops(a, b):
    _record()
    return a @ b


def matmul_elementwise(a, b):
    _record()
    raise ValueError("a crash on the ladder")
'''


@pytest.fixture
def threads():
    before = torch.get_num_threads()
    torch.set_num_threads(3)
    yield 3
    torch.set_num_threads(before)


def recording_project(tmp_path: Path, elementwise_raises: type[BaseException] = ValueError
                      ) -> tuple[Path, Path]:
    root = dojoproject.real(tmp_path / "clone", ["02_matmul"])
    log = tmp_path / "threads.log"
    source = RECORDING.format(log=str(log)).replace("ValueError", elementwise_raises.__name__)
    (root / "katas" / "02_matmul" / "matmul.py").write_text(source)
    return root, log


def test_the_ladder_runs_on_one_thread_and_puts_torchs_setting_back(tmp_path, threads):
    root, log = recording_project(tmp_path)
    course = curriculum.load(root / "katas" / curriculum.REGISTRY_NAME)
    clock = FakeClock(per_read=0.001)  # every timed stretch "takes" 1 ms
    rows = bench.run(root, course, (2, 3, 2), clock=clock)
    assert torch.get_num_threads() == threads  # put back
    seen = log.read_text().split()
    by_label = {row.step.label: row for row in rows}
    loops = by_label["triple loop"]
    assert loops.timing is not None
    # the checked first call, the warm-up, then every call of every timed run
    assert len(seen) == loops.timing.warmups + loops.timing.runs * loops.timing.loops + 1
    assert set(seen) == {"1"}  # one thread throughout, the crash's call included
    assert by_label["elementwise"].state == "crashed"
    assert by_label["torch @"].timing is not None
    assert by_label["torch @"].timing.runs >= bench.MIN_RUNS


def test_the_thread_setting_comes_back_even_when_the_ladder_is_interrupted(tmp_path, threads):
    root, log = recording_project(tmp_path, KeyboardInterrupt)
    course = curriculum.load(root / "katas" / curriculum.REGISTRY_NAME)
    with pytest.raises(KeyboardInterrupt):
        bench.run(root, course, (2, 3, 2), clock=FakeClock(per_read=0.001))
    assert torch.get_num_threads() == threads
    assert set(log.read_text().split()) == {"1"}


def timing(median: float, spread: float = 0.0, runs: int = 9) -> bench.Timing:
    return bench.Timing(median, median * (1 - spread), median * (1 + spread), runs, 1, 1)


ROWS = [
    bench.Row(bench.LADDER[0], timing(0.5, runs=3)),
    bench.Row(bench.LADDER[1], timing(400e-6, 0.031)),
    bench.Row(bench.LADDER[2], state="not started"),
    bench.Row(bench.LADDER[3], timing(12.0, runs=1)),
    bench.Row(bench.LADDER[4], timing(5e-6, 0.004)),  # faster than torch's @
    bench.Row(bench.LADDER[5], timing(10e-6, 0.12)),
]


class Ascii(io.StringIO):
    encoding = "ascii"


@pytest.mark.parametrize("stream", [io.StringIO, Ascii])
def test_the_ladder_shows_medians_their_spread_and_the_runs(stream):
    out = stream()
    bench.show(ROWS, (5, 784, 10), Console(file=out, width=120, color_system=None))
    text = out.getvalue()
    pm, times, micro = ("±", "×", "µs") if stream is io.StringIO else ("+-", "x", "us")
    lines = {line.split()[0]: line for line in text.splitlines() if line.strip()}
    assert "in float32 on one CPU thread" in text
    assert lines["elementwise"].split()[1:6] == [
        "matmul_elementwise", "400.0", micro, f"{pm}3.1%", f"40{times}"
    ]
    assert lines["einsum"].split()[1:6] == ["matmul_einsum", "5.0", micro, f"{pm}0.4%",
                                            f"0.5{times}"]  # never 0.0x
    assert lines["no"].split()[2:6] == ["matmul_no_loops", "12.00", "s", "1"]  # 1 run
    assert "1 run" in lines["no"]
    assert f"{pm}12%" in lines["torch"] and f"1.0{times}" in lines["torch"]
    assert "not started" in lines["broadcast"]
    assert ("Times are per call: the median of 1 to 9 timed runs after a warm-up; the spread "
            "is half their interquartile range.") in text


def test_the_warm_up_of_a_function_too_fast_for_the_clock_ends():
    clock = FakeClock()  # never moves: every call "takes" no time at all
    fn = FakeFunction(clock, itertools.repeat(0.0))
    timing = bench.time_calls(fn, 0.0, clock)
    assert timing.warmups == bench.MAX_WARMUPS
    assert fn.calls == timing.warmups - 1 + timing.runs * timing.loops
