"""Two choices made after training, scored on validation first: averaging copies, moving the threshold.

Usage: python experiments/test_time.py [--seeds 0 1 2] [--runs runs/benchmark] [--model m5]
                                      [--out experiments/results/test_time.json]

Takes the models benchmarks/accuracy.py trained (run folders under --runs) and
scores every 1-s window of each seed's validation files, then of the test files:
- as trained (probability of dog > 0.5);
- averaging the probabilities of copies of each window that sound the same:
  the window with its sign flipped, and the window rotated by a quarter,
  half and three quarters of its length (its end joined to its start);
- with the threshold that scores best on that seed's validation windows
  (0.05 to 0.95 in steps of 0.01) instead of 0.5.
A choice would be kept only if it raises validation accuracy; the test
column is shown for what it is worth, not to choose.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from catdog_cnn.nets.recipes import RECIPES, VERSIONS, run_name
from catdog_cnn.nets.runs import load_run, predictor
from catdog_cnn.sound.data import load_split
from catdog_cnn.sound.generator import evaluation_windows

THRESHOLDS = np.round(np.arange(0.05, 0.955, 0.01), 2)


def rotated(x: np.ndarray) -> list[np.ndarray]:
    """Windows ``x`` (n, length, 1) rotated by a quarter, a half and three quarters of their length."""
    return [np.roll(x, k * (x.shape[1] // 4), axis=1) for k in (1, 2, 3)]


COPIES = {  # name: the copies of windows x whose probabilities are averaged
    "the window as it is": lambda x: [x],
    "mean with its sign flipped": lambda x: [x, -x],
    "mean with it rotated by 1/4, 1/2, 3/4": lambda x: [x, *rotated(x)],
    "mean of all five": lambda x: [x, -x, *rotated(x)],
}


def table(rows: dict[str, dict[str, list[float]]], title: str) -> str:
    """Mean ± sd over seeds of each row's validation and test accuracy, in percent."""
    lines = [f"| {title} | validation windows | test windows |", "|---|---|---|"]
    for name, row in rows.items():
        cells = [f"{100 * np.mean(row[p]):.1f} ± {100 * np.std(row[p], ddof=1):.1f}" for p in ("validation", "test")]
        label = name + (f" ({', '.join(f'{t:.2f}' for t in row['threshold'])})" if "threshold" in row else "")
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--runs", type=Path, default=Path("runs") / "benchmark")
    parser.add_argument("--model", default="m5", choices=[*RECIPES, *VERSIONS], help="a preset or an earlier version")
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "results" / "test_time.json")
    args = parser.parse_args()
    rows: dict[str, dict[str, list[float]]] = {}
    for seed in args.seeds:
        split = load_split(seed=seed)
        model, config = load_run(args.runs / run_name(args.model, seed))
        predict = predictor(model)
        probabilities = {}
        for part in ("validation", "test"):
            windows = evaluation_windows(getattr(split, part), normalization=config.windows.eval_normalization)
            averaged = {name: np.mean([predict(c) for c in make(windows.x)], axis=0) for name, make in COPIES.items()}
            for name, p in averaged.items():
                rows.setdefault(name, {}).setdefault(part, []).append(float(((p > 0.5) == windows.y).mean()))
            probabilities[part] = (averaged["the window as it is"], windows.y)
        pv, yv = probabilities["validation"]
        best = THRESHOLDS[np.argmax([((pv > t) == yv).mean() for t in THRESHOLDS])]
        row = rows.setdefault("the window as it is, threshold chosen on validation", {"threshold": []})
        row["threshold"].append(float(best))
        for part, (p, y) in probabilities.items():
            row.setdefault(part, []).append(float(((p > best) == y).mean()))
    text = table(rows, f"{args.model}, seeds {', '.join(map(str, args.seeds))}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"model": args.model, "seeds": args.seeds, "rows": rows, "table": text}, indent=2))
    print(text)


if __name__ == "__main__":
    main()
