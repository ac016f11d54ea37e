"""Time what `dojo watch` runs after a save, in one warm process, as the watch does.

    python benchmarks/watch_latency.py 03_broadcasting --impl reference --repeats 5

After the watch's first run (not timed), each round times, for every function of the
kata, the run a save starts while that function is the one being edited
(`--function NAME -x`), then the whole kata, as the watch re-grades it once the
function passes. Prints one JSON line: medians in seconds per function and for the
whole kata. File-event latency (about 30 ms with watchfiles) is not included.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from dojo import curriculum, runner, watch  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("kata")
    parser.add_argument("--impl", default="reference")
    parser.add_argument("--profile", default="learner")
    parser.add_argument("--repeats", type=int, default=5)
    opts = parser.parse_args()
    course = curriculum.load(ROOT / "katas" / curriculum.REGISTRY_NAME)
    kata = course.kata(opts.kata)
    kata_dir = ROOT / "katas" / kata.id
    common = (f"--impl={opts.impl}", f"--hypothesis-profile={opts.profile}",
              "-p", "no:cacheprovider")
    watcher = watch.Watcher(ROOT, kata, kata_dir / f"{kata.module}.py", con=None)  # type: ignore[arg-type]
    watcher._prepare()

    def timed(*args: str) -> float:
        start = time.perf_counter()
        run = runner.run_kata(kata_dir, (*common, *args))
        elapsed = time.perf_counter() - start
        if run.exit_code != 0:
            sys.stderr.write(run.output[-3000:])
            raise SystemExit(f"{kata.id} {' '.join(args)}: exit code {run.exit_code}")
        return elapsed

    first = timed()
    per_function: dict[str, list[float]] = {fn.name: [] for fn in kata.functions}
    whole: list[float] = []
    for _ in range(opts.repeats):
        for fn in kata.functions:
            per_function[fn.name].append(timed("--function", fn.name, "-x"))
        whole.append(timed())
    print(json.dumps({
        "kata": kata.id,
        "first": first,
        "functions": {name: statistics.median(t) for name, t in per_function.items()},
        "whole": statistics.median(whole),
    }))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
