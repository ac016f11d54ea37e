"""Time each kata's graded tests against the reference, and the suite's own tests.

    python benchmarks/bench.py                 # every kata, learner profile, then the suite
    python benchmarks/bench.py --profile ci --no-suite 02_matmul
    python benchmarks/bench.py --no-suite --watch --all-in-one --repeats 5

Each kata runs in a fresh `pytest` process (as a learner runs it); the table
shows the test time pytest reports (collection and tests, without interpreter
start and `import torch`), the wall time of the whole process and that time as a
multiple of the import floor (a Python that only imports torch, hypothesis and
pytest, measured in the same run), and Hypothesis examples per second of test
time. `--watch` times what `dojo watch` runs after a save in a warm process
(benchmarks/watch_latency.py); `--all-in-one` times `pytest katas`.

Goals on a 2-core machine: each kata's cold run at most 1.3x the floor
(12_unfold_conv, which trains a CNN, 2x); in watch, the verdict for the function
being edited within 0.3 s and the whole kata within 1.5 s; `pytest katas` within 3x
the floor plus the katas' test times; the suite (`pytest -n auto`) under 3 minutes.
Timings are reported, not asserted: shared machines are noisy.
"""
from __future__ import annotations

import argparse
import json
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from dojo import curriculum  # noqa: E402

_SECONDS = re.compile(r" in ([0-9.]+)s")
_EXAMPLES = re.compile(r"(\d+) passing")


def run(args: list[str]) -> tuple[float, float, int, str]:
    """(pytest's test time, wall time, passing examples, output) of one pytest run."""
    start = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", *args], cwd=ROOT, capture_output=True, text=True
    )
    wall = time.perf_counter() - start
    out = proc.stdout + proc.stderr
    found = _SECONDS.findall(out)
    test_time = float(found[-1]) if found else float("nan")
    examples = sum(int(n) for n in _EXAMPLES.findall(out))
    if proc.returncode not in (0,):
        print(out[-3000:], file=sys.stderr)
        raise SystemExit(f"pytest {' '.join(args)} failed with exit code {proc.returncode}")
    return test_time, wall, examples, out


FLOOR = "import torch, hypothesis, pytest"  # what any kata run must import first


def floor(repeats: int) -> float:
    """The import floor: the median wall time of a Python that imports what a kata run
    needs and nothing else, measured in the same run as the katas."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", FLOOR], cwd=ROOT, check=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def kata_args(kata_id: str, opts: argparse.Namespace) -> list[str]:
    return [f"katas/{kata_id}", f"--impl={opts.impl}", f"--hypothesis-profile={opts.profile}",
            "-p", "no:cacheprovider", "-q"]


def examples(kata_id: str, opts: argparse.Namespace) -> int:
    """Passing examples of one run, counted in a run of its own: collecting Hypothesis'
    statistics slows the run down, so the timed runs do without."""
    return run([*kata_args(kata_id, opts), "--hypothesis-show-statistics"])[2]


def watch_latency(kata_id: str, opts: argparse.Namespace) -> dict[str, object]:
    """What `dojo watch` runs after a save, timed in one warm process of its own."""
    proc = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "watch_latency.py"), kata_id,
         "--impl", opts.impl, "--profile", opts.profile, "--repeats", str(opts.repeats)],
        cwd=ROOT, capture_output=True, text=True,
    )
    if proc.returncode != 0:
        print(proc.stdout[-2000:] + proc.stderr[-2000:], file=sys.stderr)
        raise SystemExit(f"watch latency of {kata_id} failed")
    result: dict[str, object] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("katas", nargs="*", help="kata ids (default: all in curriculum.toml)")
    parser.add_argument("--profile", default="learner", help="Hypothesis profile for the katas")
    parser.add_argument("--impl", default="reference", help="implementation to time")
    parser.add_argument("--no-suite", action="store_true", help="skip the suite's own tests")
    parser.add_argument("--watch", action="store_true",
                        help="also time what dojo watch runs after a save (warm process)")
    parser.add_argument("--cuda", action="store_true",
                        help="also time each kata on --device=cpu and --device=cuda alone "
                             "(needs a GPU)")
    parser.add_argument("--all-in-one", action="store_true",
                        help="also time `pytest katas` (every kata in one process)")
    parser.add_argument("--repeats", type=int, default=3,
                        help="cold runs per kata (and of the import floor): medians are shown")
    opts = parser.parse_args()

    course = curriculum.load(ROOT / "katas" / curriculum.REGISTRY_NAME)
    ids = opts.katas or [k.id for k in course.katas]
    base = floor(opts.repeats)
    print(f"katas with --impl={opts.impl}, profile {opts.profile}; medians of {opts.repeats} "
          f"cold runs; import floor ({FLOOR}): {base:.2f} s")
    print(f"{'kata':<22} {'test s':>7} {'wall s':>7} {'x floor':>8} {'examples':>9} {'ex/s':>8}")
    total = 0.0
    for kata_id in ids:
        runs = [run(kata_args(kata_id, opts)) for _ in range(opts.repeats)]
        test_time = statistics.median(r[0] for r in runs)
        wall = statistics.median(r[1] for r in runs)
        count = examples(kata_id, opts)
        total += test_time
        rate = count / test_time if test_time > 0 else float("nan")
        print(f"{kata_id:<22} {test_time:>7.2f} {wall:>7.2f} {wall / base:>7.2f}x "
              f"{count:>9} {rate:>8.0f}")
    print(f"{'all katas':<22} {total:>7.2f}")
    if opts.all_in_one:
        walls = [run(["katas", f"--impl={opts.impl}", f"--hypothesis-profile={opts.profile}",
                      "-p", "no:cacheprovider", "-q"])[1] for _ in range(opts.repeats)]
        wall = statistics.median(walls)
        print(f"\npytest katas (all in one process): {wall:.2f} s wall = {wall / base:.2f}x "
              f"the floor; 3x the floor plus the katas' test times: {3 * base + total:.2f} s")
    if opts.cuda:
        print(f"\nCPU vs CUDA, test time per kata (medians of {opts.repeats}):")
        print(f"{'kata':<22} {'cpu s':>7} {'cuda s':>7} {'cuda/cpu':>9}")
        for kata_id in ids:
            times = {
                device: statistics.median(
                    run([*kata_args(kata_id, opts), f"--device={device}"])[0]
                    for _ in range(opts.repeats)
                )
                for device in ("cpu", "cuda")
            }
            print(f"{kata_id:<22} {times['cpu']:>7.2f} {times['cuda']:>7.2f} "
                  f"{times['cuda'] / times['cpu']:>8.2f}x")
    if opts.watch:
        print(f"\ndojo watch, warm process, medians of {opts.repeats} (goals: the function "
              "being edited 0.3 s, the whole kata 1.5 s)")
        print(f"{'kata':<22} {'function':>9} {'slowest':>28} {'whole kata':>11}")
        for kata_id in ids:
            found = watch_latency(kata_id, opts)
            per_function: dict[str, float] = found["functions"]  # type: ignore[assignment]
            slowest = max(per_function, key=lambda name: per_function[name])
            typical = statistics.median(per_function.values())
            print(f"{kata_id:<22} {typical:>8.2f}s {slowest:>20} {per_function[slowest]:>6.2f}s "
                  f"{found['whole']:>10.2f}s")
    if not opts.no_suite:
        test_time, wall, _, out = run(
            ["-q", "-p", "no:cacheprovider", "--hypothesis-profile", "ci", "-n", "auto"]
        )
        summary = out.strip().splitlines()[-1]
        print(f"\nsuite's own tests (ci profile, -n auto): {test_time:.1f} s test time, "
              f"{wall:.1f} s wall")
        print(f"  {summary}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
