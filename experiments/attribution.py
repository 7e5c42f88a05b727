"""Which attribution names what the decision rests on: deletion curves over the test windows.

Usage: python experiments/attribution.py [--models original m5] [--windows N]
                                        [--out experiments/results/attribution.json]

For every test window of each committed model (the official test files minus the leaked duplicate), each
method of catdog_cnn.look.attribution ranks the window's twenty 50-ms slices; the slices are then silenced in that
order, most relevant first, and p of the predicted class is followed. The area under that curve (mean over
the 21 steps, 0 to 1) is lower for a method that finds the evidence sooner; a random order is the floor.
--windows N scores N windows spread evenly over the test windows (a quick look, not a result).
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np

from catdog_cnn.config import MODELS_DIR
from catdog_cnn.look import attribution
from catdog_cnn.nets.runs import eval_options, load_run
from catdog_cnn.sound.data import load_split
from catdog_cnn.sound.generator import evaluation_windows


def scores(name: str, n_windows: int | None) -> dict:
    """Deletion area, mean curve and seconds per window of every method, for one committed model."""
    model, config = load_run(MODELS_DIR / name)
    windows = evaluation_windows(load_split(seed=config.seed).test, **eval_options(config))
    x = windows.x
    if n_windows:
        x = x[np.linspace(0, len(x) - 1, n_windows).astype(int)]
    rows = {}
    for method in attribution.METHODS:
        start = time.perf_counter()
        relevance = attribution.relevance(model, x, method)
        seconds = (time.perf_counter() - start) / len(x)
        curves = attribution.deletion_curves(model, x, relevance)
        rows[method] = {
            "deletion_area": attribution.deletion_area(curves),
            "mean_curve": curves.mean(axis=0).round(4).tolist(),
            "ms_per_window": 1000 * seconds,
        }
        print(f"  {name:8s} {method:16s} area {rows[method]['deletion_area']:.3f}", flush=True)
    return {"windows": len(x), "methods": rows}


def table(results: dict) -> str:
    names = list(results)
    lines = [
        "| attribution | " + " | ".join(f"{n}: deletion area (lower is better)" for n in names) + " | ms per window |",
        "|---|" + "---|" * len(names) + "---|",
    ]
    for method in attribution.METHODS:
        cells = [f"{results[n]['methods'][method]['deletion_area']:.3f}" for n in names]
        ms = results[names[-1]]["methods"][method]["ms_per_window"]
        lines.append(f"| {method} | " + " | ".join(cells) + f" | {ms:.1f} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--models", nargs="+", default=["original", "m5"], help="committed models, by folder name")
    parser.add_argument("--windows", type=int, help="score this many test windows, spread evenly (a quick look)")
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "results" / "attribution.json")
    args = parser.parse_args()
    results = {name: scores(name, args.windows) for name in args.models}
    out = {"results": results, "table": table(results)}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(out, indent=2))
    print()
    print(out["table"])


if __name__ == "__main__":
    main()
