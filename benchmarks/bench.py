"""Time each kata's graded tests against the reference, and the suite's own tests.

    python benchmarks/bench.py                 # every kata, learner profile, then the suite
    python benchmarks/bench.py --profile ci --no-suite 02_matmul

Each kata runs in a fresh `pytest` process (as a learner runs it); the table
shows the test time pytest reports (without interpreter start and `import
torch`), the wall time of the whole process, and Hypothesis examples per second
of test time. Targets on a 2-core machine: each kata under 2 s of test time
with the learner profile; the suite under 3 minutes with the ci profile.
Timings are reported, not asserted: shared machines are noisy.
"""

from __future__ import annotations

import argparse
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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("katas", nargs="*", help="kata ids (default: all in curriculum.toml)")
    parser.add_argument("--profile", default="learner", help="Hypothesis profile for the katas")
    parser.add_argument("--impl", default="reference", help="implementation to time")
    parser.add_argument("--no-suite", action="store_true", help="skip the suite's own tests")
    parser.add_argument("--repeats", type=int, default=3,
                        help="cold runs per kata (and of the import floor): medians are shown")
    opts = parser.parse_args()

    course = curriculum.load(ROOT / "katas" / curriculum.REGISTRY_NAME)
    ids = opts.katas or [k.id for k in course.katas]
    base = floor(opts.repeats)
    print(f"katas with --impl {opts.impl}, profile {opts.profile}; medians of {opts.repeats} "
          f"cold runs; import floor ({FLOOR}): {base:.2f} s")
    print(f"{'kata':<22} {'test s':>7} {'wall s':>7} {'x floor':>8} {'examples':>9} {'ex/s':>8}")
    total = 0.0
    for kata_id in ids:
        runs = [
            run(
                [
                    f"katas/{kata_id}",
                    "--impl",
                    opts.impl,
                    "--hypothesis-profile",
                    opts.profile,
                    "-p",
                    "no:cacheprovider",
                    "--hypothesis-show-statistics",
                    "-q",
                ]
            )
            for _ in range(opts.repeats)
        ]
        test_time = statistics.median(r[0] for r in runs)
        wall = statistics.median(r[1] for r in runs)
        examples = runs[0][2]
        total += test_time
        rate = examples / test_time if test_time > 0 else float("nan")
        print(f"{kata_id:<22} {test_time:>7.2f} {wall:>7.2f} {wall / base:>7.2f}x "
              f"{examples:>9} {rate:>8.0f}")
    print(f"{'all katas':<22} {total:>7.2f}")
    if not opts.no_suite:
        test_time, wall, _, out = run(
            ["-q", "-p", "no:cacheprovider", "--hypothesis-profile", "ci"]
        )
        summary = out.strip().splitlines()[-1]
        print(f"\nsuite's own tests (ci profile): {test_time:.1f} s test time, {wall:.1f} s wall")
        print(f"  {summary}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
