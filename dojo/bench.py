"""`dojo bench`: the chapter's speed ladder, timed on the learner's own functions.

The book multiplies a (5, 784) batch by (784, 10) weights with three loops, then
two, then broadcasting, then einsum, and finally torch's `@`, and compares the
times. This module does the same with the learner's `matmul_loops`,
`matmul_elementwise` (02_matmul), `matmul_broadcast`, `matmul_no_loops`
(03_broadcasting) and `matmul_einsum` (04_einsum), called directly (without the
graded tests' rule checks, which would slow them down). A function that is not
written yet is shown as such, never as a crash.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from dojo import curriculum, outcomes, term

BOOK_SHAPE = (5, 784, 10)
TIME_LIMIT = 120.0  # seconds of CPU time for one call (the triple loop takes ~1 s)
MEASURE = 0.2  # seconds spent timing a fast function (several calls, best kept)


@dataclass(frozen=True)
class Step:
    label: str
    kata: str | None  # None: torch's own `@`
    function: str


LADDER = (
    Step("triple loop", "02_matmul", "matmul_loops"),
    Step("elementwise", "02_matmul", "matmul_elementwise"),
    Step("broadcast", "03_broadcasting", "matmul_broadcast"),
    Step("no loops", "03_broadcasting", "matmul_no_loops"),
    Step("einsum", "04_einsum", "matmul_einsum"),
    Step("torch @", None, "a @ b"),
)


@dataclass
class Row:
    step: Step
    seconds: float | None = None  # None: not timed; `state` says why
    state: str = ""  # "", "not started", "crashed", "too slow", ...
    detail: str = ""  # a footnote: the exception, how wrong the result is


def parse_shape(text: str) -> tuple[int, int, int]:
    """"5,784,10" (or "5x784x10") -> (5, 784, 10)."""
    parts = text.lower().replace("x", ",").replace("×", ",").split(",")
    try:
        m, k, n = (int(p) for p in parts)
    except ValueError:
        raise ValueError(
            f"bad --shape {text!r}: expected three sizes M,K,N, e.g. 5,784,10"
        ) from None
    if min(m, k, n) < 1:
        raise ValueError(f"bad --shape {text!r}: every size must be 1 or more")
    return m, k, n


def _time(fn: Callable[[], Any], first: float) -> float:
    """Seconds per call: the first call's time when slow, else the best of several."""
    if first >= MEASURE:
        return first
    best = first
    deadline = time.perf_counter() + MEASURE
    while time.perf_counter() < deadline:
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def _measure(step: Step, fn: Callable[..., Any], a: Any, b: Any, expected: Any) -> Row:
    import torch

    from dojo import guard

    row = Row(step)
    try:
        with guard.cpu_time_limit(TIME_LIMIT, step.function):
            start = time.perf_counter()
            got = fn(a, b)
            first = time.perf_counter() - start
            if not isinstance(got, torch.Tensor) or got.shape != expected.shape:
                shape = tuple(got.shape) if isinstance(got, torch.Tensor) else type(got).__name__
                row.state, row.detail = "wrong result", f"returned {shape}, expected a tensor " \
                    f"of shape {tuple(expected.shape)}"
                return row
            row.seconds = _time(lambda: fn(a, b), first)
    except outcomes.TooSlow:
        row.state = "too slow"
        row.detail = f"stopped after {TIME_LIMIT:g} s of CPU time"
        return row
    except NotImplementedError as exc:
        if outcomes.is_placeholder(exc):
            row.state = outcomes.NOT_STARTED
        else:
            row.state, row.detail = "crashed", f"NotImplementedError: {exc}"
        return row
    except Exception as exc:
        row.state, row.detail = "crashed", f"{type(exc).__name__}: {exc}"
        return row
    error = (got.double() - expected.double()).abs().max().item()
    if not torch.allclose(got.double(), expected.double(), rtol=1e-4, atol=1e-3):
        row.state, row.detail = "wrong result", f"differs from a @ b by up to {error:.3g}"
    return row


def run(root: Path, course: curriculum.Curriculum, shape: tuple[int, int, int]) -> list[Row]:
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
        if step.kata is None:
            rows.append(_measure(step, lambda x, y: x @ y, a, b, expected))
            continue
        if step.kata not in modules:
            try:
                kata = course.kata(step.kata)
            except KeyError:
                modules[step.kata] = "not in this curriculum"
            else:
                path = loader.module_path(course.katas_dir, kata)
                try:
                    modules[step.kata] = loader.load_module(path, kata)
                except loader.ImplError as exc:
                    state = "file missing" if not path.is_file() else "does not import"
                    modules[step.kata] = (state, str(exc))
        module = modules[step.kata]
        if isinstance(module, str):
            rows.append(Row(step, state=module))
        elif isinstance(module, tuple):
            rows.append(Row(step, state=module[0], detail=module[1]))
        elif not callable(getattr(module, step.function, None)):
            rows.append(Row(step, state="not defined", detail=f"no {step.function} in the file"))
        else:
            rows.append(_measure(step, getattr(module, step.function), a, b, expected))
    return rows


def format_seconds(seconds: float, con: Console) -> str:
    micro = "µs" if term.unicode_ok(con) else "us"
    if seconds >= 1:
        return f"{seconds:.2f} s"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.2f} ms"
    return f"{seconds * 1e6:.1f} {micro}"


def show(rows: list[Row], shape: tuple[int, int, int], con: Console) -> None:
    m, k, n = shape
    times = "×" if term.unicode_ok(con) else "x"
    con.print(Text(
        f"The speed ladder: ({m}, {k}) {times} ({k}, {n}) in float32 on the CPU, "
        "your functions against torch's @", style="bold",
    ))
    baseline = next((r.seconds for r in rows if r.step.kata is None), None)
    ratios = {
        id(r): r.seconds / baseline
        for r in rows if r.seconds is not None and baseline
    }
    top = max(ratios.values(), default=1.0)
    table = Table(box=None, pad_edge=False, header_style="bold")
    table.add_column("step", no_wrap=True, min_width=11)
    table.add_column("function", no_wrap=True, min_width=18)
    table.add_column("time", justify="right", no_wrap=True, min_width=11)
    table.add_column(f"{times} @", justify="right", no_wrap=True, min_width=9)
    table.add_column("(log scale)", no_wrap=True, min_width=16)
    notes = []
    for row in rows:
        name = row.step.function
        if row.seconds is None:
            time_text = Text(row.state, style=term.VERDICT_STYLES.get(row.state, "yellow"))
            ratio_text, bar = Text("-"), Text("")
        else:
            time_text = Text(format_seconds(row.seconds, con))
            ratio = ratios.get(id(row))
            ratio_text = Text(
                "-" if ratio is None else f"{ratio:,.0f}{times}" if ratio >= 10
                else f"{ratio:.1f}{times}"
            )
            bar = term.log_bar(ratio or 1.0, top, 16, con) if ratio is not None else Text("")
            if row.state:
                time_text.append(" !", style="red")
        if row.detail:
            notes.append(f"{row.step.function}: {row.state}: {row.detail}")
        table.add_row(row.step.label, name, time_text, ratio_text, bar)
    con.print(table)
    for note in notes:
        con.print(Text(note, style="dim"))
    katas = sorted({r.step.kata for r in rows if r.step.kata})
    con.print(Text(f"Functions from {', '.join(katas)}; bars grow with the log of the ratio.",
                   style="dim"))
    if any(r.state == outcomes.NOT_STARTED for r in rows):
        con.print("Steps marked not started get their time once you write them.")
