"""Test accuracy of the original configuration, the improved model and the log-mel baseline.

Usage: python benchmarks/accuracy.py [--seeds 0 1 2] [--presets original m5 ...] [--merge] [--reuse]
                                     [--engine local|ray] [--address HOST:PORT] [--threads N]
                                     [--out benchmarks/results/accuracy.json]

Every configuration is trained once per seed on the official training files
(validation files carved from them choose the early-stopping epoch) and scored
on the official test files minus the leaked duplicate, over consecutive 1-s
windows. Prints mean +- sd over seeds and writes every figure to a JSON file.

Each (configuration, seed) is one trial of catdog_cnn.trials, trained into its run folder under --runs; a
folder that already holds metrics.json is kept, so an interrupted benchmark resumes (delete --runs to train
afresh). --engine ray trains the trials at once on Ray (see docs/scale.md); with --threads 2 on this
2-core machine a trial sums as a local one does, and the committed results are reproduced exactly.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np

from catdog_cnn.baseline import LogMelBaseline
from catdog_cnn.data import load_split
from catdog_cnn.evaluate import evaluate
from catdog_cnn.recipes import VERSIONS, config_from_dict, run_name
from catdog_cnn.runs import rescore
from catdog_cnn.train import recipe
from catdog_cnn.trials import ENGINES, Trial, run_trials

BASELINE = "log-mel + logistic regression"
KEYS = ("segment_accuracy", "clip_accuracy_mean", "clip_accuracy_majority", "segment_auc")


def summary(metrics: dict) -> dict:
    return {k: metrics[k] for k in KEYS}


def seconds_to_kept_epoch(folder: Path) -> float:
    """Training seconds until the epoch whose weights the run kept (the last one without early stopping)."""
    history = json.loads((folder / "history.json").read_text())
    steps = config_from_dict(json.loads((folder / "config.json").read_text())).optimisation
    kept = len(history["seconds"])
    if steps.patience and kept < steps.epochs:  # stopped early: the best epoch it watched
        start = steps.patience_from
        kept = start + int(np.argmin(history["val_loss"][start:])) + 1
    return float(sum(history["seconds"][:kept]))


def run_folder(runs: Path, name: str, seed: int) -> Path:
    """Where the run of configuration ``name`` (a preset or one of the recipes' VERSIONS) with ``seed`` is kept."""
    return runs / run_name(name, seed)


def cnn_rows(name: str, seed: int, runs: Path, *, reuse: bool = False) -> dict[str, dict]:
    """The rows of a trained configuration's run folder (scored again on the test files with ``reuse``)."""
    folder = run_folder(runs, name, seed)
    metrics = rescore(folder) if reuse else json.loads((folder / "metrics.json").read_text())
    rows = {
        name: summary(metrics["test"])
        | {"train_seconds": metrics["train_seconds"], "seconds_to_kept_epoch": seconds_to_kept_epoch(folder)}
    }
    if name == "original":  # the original's windows, scaled two ways at test time
        rows["original, test windows unscaled"] = summary(metrics["test_variants"]["none, min_peak=0.0"])
    return rows


def baseline_rows(seed: int) -> dict[str, dict]:
    split = load_split(seed=seed)
    start = time.perf_counter()
    model = LogMelBaseline().fit_clips(split.train, seed=seed)
    seconds = time.perf_counter() - start
    return {BASELINE: summary(evaluate(model.predict, split.test)) | {"train_seconds": seconds}}


def table(per_seed: dict[str, list[dict]]) -> str:
    lines = [
        "| configuration | segment accuracy | clip accuracy (mean vote) | clip accuracy (majority) | segment AUC |"
        " train time (s) | to the kept epoch (s) |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, rows in per_seed.items():
        cells = []
        for key in (*KEYS, "train_seconds", "seconds_to_kept_epoch"):
            values = np.array([r[key] for r in rows if key in r])
            if values.size == 0:
                cells.append("")
            elif key in ("train_seconds", "seconds_to_kept_epoch"):
                cells.append(f"{values.mean():.0f}")
            else:
                cells.append(f"{100 * values.mean():.1f} ± {100 * values.std(ddof=1):.1f}")
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--presets", nargs="+", default=["original", *VERSIONS, "m5"])
    parser.add_argument("--no-baseline", action="store_true", help="skip the log-mel baseline")
    parser.add_argument("--reuse", action="store_true", help="score the models already in --runs instead of training")
    parser.add_argument("--merge", action="store_true", help="keep the other configurations' rows of --out")
    parser.add_argument("--runs", type=Path, default=Path("runs") / "benchmark")
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "results" / "accuracy.json")
    parser.add_argument("--engine", choices=ENGINES, default="local", help="where the trainings run (default local)")
    parser.add_argument("--address", help="HOST:PORT of a Ray cluster (default: a Ray on this machine)")
    parser.add_argument("--threads", type=int, help="TensorFlow threads per training (default: every core locally)")
    args = parser.parse_args()
    trials = [Trial(name, recipe(name, seed=seed)) for seed in args.seeds for name in args.presets]
    if not args.reuse:
        run_trials(trials, args.runs, engine=args.engine, address=args.address, threads=args.threads)
    per_seed: dict[str, list[dict]] = {}
    for seed in args.seeds:
        rows = {} if args.no_baseline else baseline_rows(seed)
        for preset in args.presets:
            rows |= cnn_rows(preset, seed, args.runs, reuse=args.reuse)
        for name, row in rows.items():
            per_seed.setdefault(name, []).append(row | {"seed": seed})
            print(f"seed {seed} {name}: " + ", ".join(f"{k} {v:.3f}" for k, v in row.items()), flush=True)
    if args.merge and args.out.is_file():
        kept = json.loads(args.out.read_text())["results"]
        per_seed = {name: per_seed.get(name, rows) for name, rows in kept.items()} | per_seed
    order = [BASELINE, "original", "original, test windows unscaled", *VERSIONS, "m5"]
    per_seed = dict(sorted(per_seed.items(), key=lambda item: order.index(item[0]) if item[0] in order else 99))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"seeds": args.seeds, "results": per_seed, "table": table(per_seed)}, indent=2))
    print()
    print(table(per_seed))


if __name__ == "__main__":
    main()
