"""How much faster the tuning grid runs with two trials at once than with one, on Ray on this machine.

Usage: python benchmarks/scale.py [--kernel-size 3 4] [--strides 2 3] [--seeds 0] [--epochs 2]
                                  [--runs runs/scale] [--out benchmarks/results/scale.json]

The same grid (catdog_cnn.nets.tuning.grid_trials of the original recipe) is trained twice on a Ray started on
this machine, into fresh folders: once with each trial given every core (one trial at a time), once with
each given one core (as many trials at once as there are cores). Prints both wall times and their ratio.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import time
from pathlib import Path

from catdog_cnn.nets.trials import run_trials
from catdog_cnn.nets.tuning import grid_trials


def timed(trials, folder: Path, threads: int) -> float:
    shutil.rmtree(folder, ignore_errors=True)
    start = time.perf_counter()
    run_trials(trials, folder, engine="ray", threads=threads)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--kernel-size", type=int, nargs="+", default=[3, 4])
    parser.add_argument("--strides", type=int, nargs="+", default=[2, 3])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0])
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--runs", type=Path, default=Path("runs") / "scale")
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "results" / "scale.json")
    args = parser.parse_args()
    cores = os.cpu_count() or 1
    trials = grid_trials({"kernel_size": args.kernel_size, "strides": args.strides}, args.seeds, epochs=args.epochs)
    one = timed(trials, args.runs / "one-at-a-time", threads=cores)
    many = timed(trials, args.runs / "at-once", threads=1)
    table = "\n".join([
        f"| {len(trials)} trials on {cores} cores | wall time (s) |",
        "|---|---|",
        f"| one trial at a time, {cores} threads each | {one:.0f} |",
        f"| {cores} trials at once, 1 thread each | {many:.0f} |",
        f"| speed-up | {one / many:.2f}× |",
    ])  # fmt: skip
    out = {"trials": len(trials), "cores": cores, "one_at_a_time_s": one, "at_once_s": many,
           "speedup": one / many, "table": table}  # fmt: skip
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(out, indent=2))
    print(table)


if __name__ == "__main__":
    main()
