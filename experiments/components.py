"""Do the pooled components mean the same across seeds, and which class does each serve?

Usage: python experiments/components.py [--seeds 0 1 2] [--runs runs/benchmark] [--models original m5]
                                       [--out experiments/results/components.json]

Uses the models benchmarks/accuracy.py trained (run folders under --runs; train them first with
`python benchmarks/accuracy.py`). For every test window (the official test files minus the leaked duplicate)
each seed's pooled components are computed; the components of every other seed are paired with the first
seed's by activation correlation (catdog_cnn.look.compare.match_components). A component that is learned again by
another seed has a partner it correlates with closely; one a seed learned on its own has none.
Also reports, for each seed, which components push towards dog on dog windows and towards cat on cat windows.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from catdog_cnn.config import CatDogError
from catdog_cnn.look import compare, peel
from catdog_cnn.nets.recipes import run_name
from catdog_cnn.nets.runs import eval_options, load_run
from catdog_cnn.sound.data import load_split
from catdog_cnn.sound.generator import evaluation_windows

CLOSE = 0.8  # a paired component with at least this correlation counts as learned again


def seed_decisions(name: str, seeds: list[int], runs: Path) -> list[tuple[peel.Decision, np.ndarray]]:
    """Every seed's decision terms on its test windows (the same files for every seed), with their labels."""
    out = []
    for seed in seeds:
        folder = runs / run_name(name, seed)
        if not (folder / "model.keras").is_file():
            raise CatDogError(f"{folder}: no model; train it with `python benchmarks/accuracy.py --presets {name}`")
        model, config = load_run(folder)
        windows = evaluation_windows(load_split(seed=seed).test, **eval_options(config))
        out.append((peel.decision(model, windows.x), windows.y))
    return out


def summary(name: str, seeds: list[int], runs: Path) -> dict:
    decisions = seed_decisions(name, seeds, runs)
    first = decisions[0][0].pooled
    pairs = []
    for seed, (d, _) in zip(seeds[1:], decisions[1:], strict=True):
        _, r = compare.match_components(first, d.pooled)
        alive = first.std(axis=0) > 0
        close, median = float(np.mean(r[alive] >= CLOSE)), float(np.median(r[alive]))
        pairs.append({"seed": seed, "correlations": r.round(4).tolist(), "close_share": close, "median": median})
    by_class = []
    for seed, (d, y) in zip(seeds, decisions, strict=True):
        means = compare.mean_contributions(d, y)
        by_class.append({"seed": seed, "components": int(d.pooled.shape[1]),
                         "dog_side": int(np.sum(d.weights > 0)), "cat_side": int(np.sum(d.weights < 0)),
                         "silent": int(np.sum(d.pooled.std(axis=0) == 0)),
                         "mean_contribution": means.round(4).tolist()})  # fmt: skip
    return {"pairs": pairs, "by_class": by_class}


def table(results: dict) -> str:
    lines = [
        f"| model | seed paired with the first | components learned again (r ≥ {CLOSE}) | median r |",
        "|---|---|---|---|",
    ]
    for name, result in results.items():
        for pair in result["pairs"]:
            lines.append(f"| {name} | {pair['seed']} | {pair['close_share']:.0%} | {pair['median']:.2f} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--runs", type=Path, default=Path("runs") / "benchmark")
    parser.add_argument("--models", nargs="+", default=["original", "m5"])
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "results" / "components.json")
    args = parser.parse_args()
    results = {name: summary(name, args.seeds, args.runs) for name in args.models}
    out = {"seeds": args.seeds, "results": results, "table": table(results)}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(out, indent=2))
    print(out["table"])


if __name__ == "__main__":
    main()
