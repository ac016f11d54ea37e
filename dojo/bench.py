"""`dojo bench`: the chapter's speed ladder, timed on the learner's own functions.

The book multiplies a (5, 784) batch by (784, 10) weights with three loops, then
two, then broadcasting, then einsum, and finally torch's `@`, and compares the
times. This module does the same with the learner's `matmul_loops`,
`matmul_elementwise` (02_matmul), `matmul_broadcast`, `matmul_no_loops`
(03_broadcasting) and `matmul_einsum` (04_einsum), then the same rungs of the NumPy
track (13_numpy_matmul) on NumPy arrays and NumPy's `@`, called directly (without the
graded tests' rule checks, which would slow them down). A function that is not
written yet is shown as such, never as a crash.

Timings are made to be compared from run to run and rung to rung: torch runs on one
thread for the whole ladder (on a loaded machine its threads wait for each other, and
`@` once read 28 ms instead of microseconds), each function is warmed up, then timed
in several runs, and the median is shown with its spread (half the interquartile
range), so one stalled run moves nothing.
"""

from __future__ import annotations

import contextlib
import math
import statistics
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from dojo import curriculum, outcomes, term
from dojo.i18n import N_, _

BOOK_SHAPE = (5, 784, 10)
TIME_LIMIT = 120.0  # seconds of CPU time for one step (the triple loop takes ~1 s a call)
THREADS = 1  # torch threads while the ladder runs
WARMUP = 0.05  # seconds of untimed calls before timing (the first, checked call is one)
MAX_WARMUPS = 10_000  # calls: the warm-up of a function too fast for the clock ends too
SHORTEST = 1e-6  # seconds: no call is taken to be faster (nothing in torch is)
SAMPLE = 0.005  # seconds: a timed run of a fast function repeats it this long (timeit's number)
MEASURE = 0.3  # seconds of timed runs per step for a fast function
MIN_RUNS = 3  # timed runs per step, at least...
MAX_RUNS = 50  # ...and at most
SLOW = 10.0  # seconds: a slow function gets fewer runs (at least one) to stay within this


NUMPY_KATA = "13_numpy_matmul"


@dataclass(frozen=True)
class Step:
    label: str
    kata: str | None  # None: the library's own `@`
    function: str
    numpy: bool = False  # the NumPy track: called on NumPy arrays


# The labels stay English here (tests and code name the steps by them); the table shows
# each in the learner's language (`_(step.label)`).
LADDER = (
    Step(N_("triple loop"), "02_matmul", "matmul_loops"),
    Step(N_("elementwise"), "02_matmul", "matmul_elementwise"),
    Step(N_("broadcast"), "03_broadcasting", "matmul_broadcast"),
    Step(N_("no loops"), "03_broadcasting", "matmul_no_loops"),
    Step("einsum", "04_einsum", "matmul_einsum"),
    Step("torch @", None, "a @ b"),
    # The NumPy track (13_numpy_matmul), the same rungs on NumPy arrays.
    Step(N_("np triple loop"), NUMPY_KATA, "matmul_loops", numpy=True),
    Step(N_("np elementwise"), "13_numpy_matmul", "matmul_elementwise", numpy=True),
    Step(N_("np broadcast"), "13_numpy_matmul", "matmul_broadcast", numpy=True),
    Step(N_("np no loops"), "13_numpy_matmul", "matmul_no_loops", numpy=True),
    Step("np einsum", "13_numpy_matmul", "matmul_einsum", numpy=True),
    Step("numpy @", None, "a @ b", numpy=True),
)


@dataclass(frozen=True)
class Timing:
    """Seconds per call: the median of `runs` timed runs of `loops` calls each, and the
    quartiles of those runs, after `warmups` untimed calls."""

    median: float
    low: float  # first quartile
    high: float  # third quartile
    runs: int
    loops: int
    warmups: int

    @property
    def spread(self) -> float | None:
        """Half the interquartile range, as a fraction of the median (None: one run)."""
        if self.runs < 2:
            return None
        return (self.high - self.low) / 2 / self.median if self.median > 0 else 0.0

    @classmethod
    def of(cls, samples: list[float], loops: int, warmups: int) -> Timing:
        if len(samples) < 2:
            return cls(samples[0], samples[0], samples[0], len(samples), loops, warmups)
        low, _median, high = statistics.quantiles(samples, n=4, method="inclusive")
        return cls(statistics.median(samples), low, high, len(samples), loops, warmups)


@dataclass
class Row:
    step: Step
    timing: Timing | None = None  # None: not timed; `state` says why
    state: str = ""  # "", "not started", "crashed", "too slow", ... (see `state_label`)
    detail: str = ""  # a footnote, in the learner's language: the exception, how wrong...


WRONG_RESULT = "wrong result"
NOT_IN_CURRICULUM = "not in this curriculum"
FILE_MISSING = "file missing"
DOES_NOT_IMPORT = "does not import"
NOT_DEFINED = "not defined"
# How the states that are not verdicts read (the names above stay English: they are
# identifiers, as the verdicts are).
_STATE_LABELS = {
    WRONG_RESULT: N_("wrong result"),
    NOT_IN_CURRICULUM: N_("not in this curriculum"),
    FILE_MISSING: N_("file missing"),
    DOES_NOT_IMPORT: N_("does not import"),
    NOT_DEFINED: N_("not defined"),
}


def state_label(state: str) -> str:
    """A row's state as the learner reads it: a verdict's label, or one of the above."""
    if state in _STATE_LABELS:
        return _(_STATE_LABELS[state])
    return outcomes.label(state)


def parse_shape(text: str) -> tuple[int, int, int]:
    """"5,784,10" (or "5x784x10") -> (5, 784, 10)."""
    parts = text.lower().replace("x", ",").replace("×", ",").split(",")
    try:
        m, k, n = (int(p) for p in parts)
    except ValueError:
        raise ValueError(
            _("bad --shape {shape!r}: expected three sizes M,K,N, e.g. 5,784,10").format(
                shape=text
            )
        ) from None
    if min(m, k, n) < 1:
        raise ValueError(
            _("bad --shape {shape!r}: every size must be 1 or more").format(shape=text)
        )
    return m, k, n


Clock = Callable[[], float]


def time_calls(call: Callable[[], Any], first: float, clock: Clock = time.perf_counter) -> Timing:
    """Time `call`, whose first call (already made) took `first` seconds.

    Warm up with more untimed calls until `WARMUP` seconds have passed, then time
    `MIN_RUNS` to `MAX_RUNS` runs (about `MEASURE` seconds in all, never much more than
    `SLOW`), each of enough calls to last `SAMPLE` seconds. A function so slow that one
    more call would pass `SLOW` keeps the first call's time (one run).
    """
    if first >= SLOW:
        return Timing.of([first], 1, 0)
    warmups, warm, per_call = 1, first, first
    recent: list[float] = []
    while warm < WARMUP and warmups < MAX_WARMUPS:
        start = clock()
        call()
        elapsed = clock() - start
        warmups += 1
        warm += elapsed
        recent.append(elapsed)
    if recent:
        per_call = statistics.median(recent)
    per_call = max(per_call, SHORTEST)
    loops = max(1, math.ceil(SAMPLE / per_call))
    run = loops * per_call
    runs = min(MAX_RUNS, max(MIN_RUNS, math.floor(MEASURE / run)))
    if runs * run > SLOW:
        runs = max(1, math.floor(SLOW / run))
    samples = []
    for _run in range(runs):
        start = clock()
        for _call in range(loops):
            call()
        samples.append((clock() - start) / loops)
    return Timing.of(samples, loops, warmups)


@contextlib.contextmanager
def one_thread() -> Iterator[None]:
    """torch on `THREADS` thread(s) inside the block, its own setting restored after."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(THREADS)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def _measure(
    step: Step, fn: Callable[..., Any], a: Any, b: Any, expected: Any, clock: Clock
) -> Row:
    import numpy as np
    import torch

    from dojo import guard

    row = Row(step)
    kind = np.ndarray if step.numpy else torch.Tensor
    if step.numpy:
        a, b = a.numpy(), b.numpy()
    try:
        with guard.cpu_time_limit(TIME_LIMIT, step.function):
            start = clock()
            got = fn(a, b)
            first = clock() - start
            if not isinstance(got, kind) or tuple(got.shape) != tuple(expected.shape):
                shape = tuple(got.shape) if isinstance(got, kind) else type(got).__name__
                what = (
                    _("returned {got}, expected an array of shape {shape}") if step.numpy
                    else _("returned {got}, expected a tensor of shape {shape}")
                )
                row.state = WRONG_RESULT
                row.detail = what.format(got=shape, shape=tuple(expected.shape))
                return row
            row.timing = time_calls(lambda: fn(a, b), first, clock)
    except outcomes.TooSlow:
        row.state = outcomes.TOO_SLOW
        row.detail = _("stopped after {seconds:g} s of CPU time").format(seconds=TIME_LIMIT)
        return row
    except NotImplementedError as exc:
        if outcomes.is_placeholder(exc):
            row.state = outcomes.NOT_STARTED
        else:
            row.state, row.detail = outcomes.CRASHED, f"NotImplementedError: {exc}"
        return row
    except Exception as exc:
        row.state, row.detail = outcomes.CRASHED, f"{type(exc).__name__}: {exc}"
        return row
    if step.numpy:
        got = torch.from_numpy(np.array(got, copy=True))
    error = (got.double() - expected.double()).abs().max().item() if got.numel() else 0.0
    if not torch.allclose(got.double(), expected.double(), rtol=1e-4, atol=1e-3):
        row.state = WRONG_RESULT
        row.detail = _("differs from a @ b by up to {error:.3g}").format(error=error)
    return row


def run(
    root: Path, course: curriculum.Curriculum, shape: tuple[int, int, int],
    clock: Clock = time.perf_counter,
) -> list[Row]:
    """Time every step of the ladder, torch on one thread (its setting restored after)."""
    with one_thread():
        return _run(course, shape, clock)


def _run(course: curriculum.Curriculum, shape: tuple[int, int, int], clock: Clock) -> list[Row]:
    import torch

    from dojo import loader

    m, k, n = shape
    gen = torch.Generator().manual_seed(0)
    a = torch.randn(m, k, generator=gen)
    b = torch.randn(k, n, generator=gen)
    expected = a @ b
    modules: dict[str, Any] = {}
    rows = []
    for step in LADDER:
        if step.numpy and _absent(course, NUMPY_KATA):
            continue  # a course without the NumPy track: no NumPy rungs
        if step.kata is None:
            rows.append(_measure(step, lambda x, y: x @ y, a, b, expected, clock))
            continue
        if step.kata not in modules:
            try:
                kata = course.kata(step.kata)
            except KeyError:
                modules[step.kata] = NOT_IN_CURRICULUM
            else:
                path = loader.module_path(course.katas_dir, kata)
                try:
                    modules[step.kata] = loader.load_module(path, kata)
                except loader.ImplError as exc:
                    state = FILE_MISSING if not path.is_file() else DOES_NOT_IMPORT
                    modules[step.kata] = (state, str(exc))
        module = modules[step.kata]
        if isinstance(module, str):
            rows.append(Row(step, state=module))
        elif isinstance(module, tuple):
            rows.append(Row(step, state=module[0], detail=module[1]))
        elif not callable(getattr(module, step.function, None)):
            rows.append(Row(step, state=NOT_DEFINED, detail=_("no {function} in the file").format(
                function=step.function
            )))
        else:
            rows.append(_measure(step, getattr(module, step.function), a, b, expected, clock))
    return rows


def _absent(course: curriculum.Curriculum, kata_id: str) -> bool:
    try:
        course.kata(kata_id)
    except KeyError:
        return True
    return False


def format_seconds(seconds: float, con: Console) -> str:
    micro = "µs" if term.unicode_ok(con) else "us"
    if seconds >= 1:
        return f"{seconds:.2f} s"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.2f} ms"
    return f"{seconds * 1e6:.1f} {micro}"


def format_spread(timing: Timing, con: Console) -> str:
    """`±3%`: half the interquartile range of the runs, against the median."""
    spread = timing.spread
    if spread is None:
        return _("1 run")
    percent = spread * 100
    plus_minus = "±" if term.unicode_ok(con) else "+-"
    return f"{plus_minus}{percent:.1f}%" if percent < 10 else f"{plus_minus}{percent:,.0f}%"


def format_ratio(ratio: float, times: str) -> str:
    if ratio >= 10:
        return f"{ratio:,.0f}{times}"
    if ratio >= 0.95:
        return f"{ratio:.1f}{times}"
    return f"{ratio:.2g}{times}"  # faster than torch's @: 0.45×, never 0.0×


def show(rows: list[Row], shape: tuple[int, int, int], con: Console) -> None:
    m, k, n = shape
    times = "×" if term.unicode_ok(con) else "x"
    con.print(Text(
        _("The speed ladder: ({m}, {k}) {times} ({k}, {n}) in float32 on one CPU thread, your "
          "functions against torch's @").format(m=m, k=k, n=n, times=times), style="bold",
    ))
    baseline = next((r.timing.median for r in rows if r.step.kata is None and r.timing), None)
    ratios = {
        id(r): r.timing.median / baseline
        for r in rows if r.timing is not None and baseline
    }
    top = max(ratios.values(), default=1.0)
    table = Table(box=None, pad_edge=False, header_style="bold")
    table.add_column(_("step"), no_wrap=True, min_width=11)
    table.add_column(_("function"), no_wrap=True, min_width=18)
    table.add_column(_("time"), justify="right", no_wrap=True, min_width=11)
    table.add_column(_("spread"), justify="right", no_wrap=True, min_width=6)
    table.add_column(f"{times} @", justify="right", no_wrap=True, min_width=9)
    table.add_column(_("(log scale)"), no_wrap=True, min_width=16)
    notes = []
    runs = []
    for row in rows:
        name = row.step.function
        if row.timing is None:
            time_text = Text(state_label(row.state),
                             style=term.VERDICT_STYLES.get(row.state, "yellow"))
            spread_text, ratio_text, bar = Text(""), Text("-"), Text("")
        else:
            runs.append(row.timing.runs)
            time_text = Text(format_seconds(row.timing.median, con))
            spread_text = Text(format_spread(row.timing, con), style="dim")
            ratio = ratios.get(id(row))
            ratio_text = Text("-" if ratio is None else format_ratio(ratio, times))
            bar = term.log_bar(ratio or 1.0, top, 16, con) if ratio is not None else Text("")
            if row.state:
                time_text.append(" !", style="red")
        if row.detail:
            notes.append(f"{row.step.function}: {state_label(row.state)}: {row.detail}")
        table.add_row(_(row.step.label), name, time_text, spread_text, ratio_text, bar)
    con.print(table)
    for note in notes:
        con.print(Text(note, style="dim"))
    if runs:
        counted = (
            f"{min(runs)}" if min(runs) == max(runs)
            else _("{low} to {high}").format(low=min(runs), high=max(runs))
        )
        con.print(Text(
            _("Times are per call: the median of {runs} timed runs after a warm-up; the spread "
              "is half their interquartile range.").format(runs=counted), style="dim",
        ))
    katas = sorted({r.step.kata for r in rows if r.step.kata})
    con.print(Text(_("Functions from {katas}; bars grow with the log of the ratio.").format(
        katas=", ".join(katas)
    ), style="dim"))
    if any(r.state == outcomes.NOT_STARTED for r in rows):
        con.print(_("Steps marked not started get their time once you write them."))
