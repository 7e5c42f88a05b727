"""Changes to the m5 recipe, each scored over three seeds on validation files.

Usage: python benchmarks/candidates.py [--seeds 0 1 2] [--only N ...] [--out benchmarks/results/candidates.json]
       python benchmarks/candidates.py --paired FILE ...

A change is adopted into the m5 preset only when it raises mean validation
accuracy clearly, or, level with m5, holds up clearly better on validation
files changed as by another recording chain (robustness.py --files
validation); the test files are not touched. Each seed draws its own
validation files (20% of the training files, by file, per class). The closest
calls were trained with two more seeds:
python benchmarks/candidates.py --seeds 3 4 --only 8 17 18 20 --out benchmarks/results/candidates-seeds-3-4.json
and compared over all five seeds, seed by seed, with
python benchmarks/candidates.py --paired benchmarks/results/candidates*.json
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
from accuracy import FOUR_BLOCKS, NO_SPEED, NO_TILT  # the scripts beside this one
from levers import validation_scores

from catdog_cnn.data import load_split

CANDIDATES = [
    (
        "m5, four blocks, training windows from 40% of the file's peak",
        {"model": FOUR_BLOCKS, **NO_SPEED, "threshold": 0.4},
    ),
    (
        "m5, four blocks of 40 filters (training windows from 10% of the file's peak)",
        {"model": FOUR_BLOCKS, **NO_SPEED},
    ),
    (
        "four blocks + room reverberation on 30% of training windows (not adopted)",
        {"model": FOUR_BLOCKS, **NO_SPEED, "reverb_prob": 0.3},
    ),
    (
        "four blocks + mixup of training windows and labels, alpha 0.4 (not adopted)",
        {"model": FOUR_BLOCKS, **NO_SPEED, "mixup_alpha": 0.4},
    ),
    (
        "four blocks without log compression after the first (not adopted)",
        {**NO_SPEED, "model": FOUR_BLOCKS | {"log_compress": False}},
    ),
    (
        "four blocks with global max pooling instead of the average (not adopted)",
        {**NO_SPEED, "model": FOUR_BLOCKS | {"global_pool": "max"}},
    ),
    (
        "four blocks with dropout 0.4 instead of 0.2 (not adopted)",
        {**NO_SPEED, "model": FOUR_BLOCKS | {"dropout": 0.4}},
    ),
    (
        "four blocks with 150 steps per epoch instead of 75 (not adopted)",
        {"model": FOUR_BLOCKS, **NO_SPEED, "steps_per_epoch": 150},
    ),
    ("five blocks of 36 filters (adopted)", NO_SPEED),
    (
        "four blocks with kernels of 5 and 32 filters (not adopted)",
        {**NO_SPEED, "model": FOUR_BLOCKS | {"kernel_size": 5, "filters": 32}},
    ),
    (
        "four blocks with a 10-ms first kernel and 36 filters (not adopted)",
        {**NO_SPEED, "model": FOUR_BLOCKS | {"first_kernel_size": 160, "filters": 36}},
    ),
    (
        "six blocks of 32 filters, pooling by 3 (not adopted)",
        {**NO_SPEED, "model": {"n_layers": 6, "filters": 32, "pool_size": 3}},
    ),
    (
        "five blocks with kernels of 5 and 28 filters (not adopted)",
        {**NO_SPEED, "model": {"kernel_size": 5, "filters": 28}},
    ),
    (
        "five blocks without log compression after the first (not adopted)",
        {**NO_SPEED, "model": {"log_compress": False}},
    ),
    (
        "six blocks of 26 filters, kernels of 5, pooling by 3 (not adopted)",
        {**NO_SPEED, "model": {"n_layers": 6, "filters": 26, "kernel_size": 5, "pool_size": 3}},
    ),
    (
        "seven blocks of 28 filters, pooling by 3 (not adopted)",
        {**NO_SPEED, "model": {"n_layers": 7, "filters": 28, "pool_size": 3}},
    ),
    (
        "five blocks, 30 epochs on a cosine schedule, no early stopping (not adopted)",
        {**NO_SPEED, "epochs": 30, "cosine": True, "reduce_lr": False, "patience": None},
    ),
    ("five blocks + speed perturbation 0.9-1.1 (adopted)", NO_TILT),
    ("five blocks, every training file drawn equally often (not adopted)", {"balance": "file", **NO_SPEED}),
    ("five blocks + weight decay 0.05, decoupled (not adopted)", {"weight_decay": 0.05, **NO_SPEED}),
    ("five blocks + label smoothing 0.1 (not adopted)", {"label_smoothing": 0.1, **NO_SPEED}),
    (
        "five blocks + speed perturbation 0.9-1.1, every training file drawn equally often (not adopted)",
        {"speed": (0.9, 1.1), "balance": "file", **NO_TILT},
    ),
    ("five blocks + speed perturbation 0.8-1.25 (not adopted)", {"speed": (0.8, 1.25), **NO_TILT}),
    ("five blocks + speed perturbation, training windows of any loudness (not adopted)", {"threshold": 0.0, **NO_TILT}),
    (
        "five blocks + speed perturbation + another window behind 30% of windows (not adopted)",
        {"background_prob": 0.3, **NO_TILT},
    ),
    (
        "m5 with its batch normalization computed by XLA kernels: the same arithmetic, other round-off (not adopted)",
        {"model": {"batch_norm": "xla"}, **NO_TILT},
    ),
    (
        "five blocks of 52 filters, separable kernels of 9 after the first, as in MatchboxNet (not adopted)",
        {"model": {"separable": True, "kernel_size": 9, "filters": 52}, **NO_TILT},
    ),
    (
        "six blocks of 48 filters, separable kernels of 9 after the first, pooling by 3 (not adopted)",
        {"model": {"separable": True, "kernel_size": 9, "filters": 48, "n_layers": 6, "pool_size": 3}, **NO_TILT},
    ),
    (
        "m5 with 128 filters per block, over the 20,000-parameter limit (not adopted)",
        {"model": {"filters": 128}, **NO_TILT},
    ),
    (
        "m5 with 64 filters per block, over the 20,000-parameter limit (not adopted)",
        {"model": {"filters": 64}, **NO_TILT},
    ),
    (
        "m5 with 36 learned band-pass filters of 80 taps (5 ms) as first layer, as in SincNet (not adopted)",
        {"model": {"sinc": True}, **NO_TILT},
    ),
    (
        "m5 with 36 learned band-pass filters of 251 taps (16 ms) as first layer, as in SincNet (not adopted)",
        {"model": {"sinc": True, "first_kernel_size": 251}, **NO_TILT},
    ),
    (
        "m5 + a brighter or darker microphone (up to 6 dB per octave) on 30% of training windows (not adopted)",
        {"tilt_prob": 0.3},
    ),
    (
        "m5 + a brighter or darker microphone (up to 6 dB per octave) on 60% of training windows"
        " (adopted: the m5 preset)",
        {"tilt_prob": 0.6},
    ),
    (
        "m5 + a brighter or darker microphone (up to 6 dB per octave) on every training window (not adopted)",
        {"tilt_prob": 1.0},
    ),
    (
        "m5 + one band of 1/4 to 1 octave removed from half the training windows, a frequency mask (not adopted)",
        {"notch_prob": 0.5},
    ),
    (
        "m5 + 20-200 ms silenced in half the training windows, a time mask (not adopted)",
        {"gap_prob": 0.5},
    ),
]


def scores(changes: dict, seeds: list[int]) -> list[dict]:
    """Validation accuracy of the m5 recipe with ``changes``, one row per seed."""
    rows = []
    for seed in seeds:
        rows.append({"seed": seed} | validation_scores("m5", changes, seed, load_split(seed=seed)))
        print(f"  seed {seed}: validation {rows[-1]['val_segment_accuracy']:.3f}", flush=True)
    return rows


def table(results: list[dict]) -> str:
    lines = [
        "| m5 variant (validation, seeds " + ", ".join(map(str, results[0]["seeds"])) + ") | windows | clips |",
        "|---|---|---|",
    ]
    for result in results:
        seg = np.array([r["val_segment_accuracy"] for r in result["rows"]])
        clip = np.array([r["val_clip_accuracy"] for r in result["rows"]])
        cells = [f"{v.mean():.3f} ± {v.std(ddof=1):.3f}" for v in (seg, clip)]
        lines.append(f"| {result['name']} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def paired_table(paths: list[Path], reference: str = "five blocks of 36 filters (adopted)") -> str:
    """Candidates scored in every one of ``paths``, over all their seeds, each seed against ``reference``'s."""
    merged: dict[str, dict[int, float]] = {}
    for path in paths:
        for result in json.loads(path.read_text())["results"]:
            for row in result["rows"]:
                merged.setdefault(result["name"], {})[row["seed"]] = row["val_segment_accuracy"]
    seeds = sorted(merged[reference])
    lines = [
        f"| m5 variant (validation windows, seeds {', '.join(map(str, seeds))}) | mean | better than the reference |",
        "|---|---|---|",
    ]
    for name, by_seed in merged.items():
        if sorted(by_seed) != seeds:
            continue
        gain = np.array([by_seed[s] - merged[reference][s] for s in seeds])
        wins = "" if name == reference else f"{(gain > 0).sum()} of {len(seeds)} seeds, {gain.mean():+.3f}"
        lines.append(f"| {name} | {np.mean(list(by_seed.values())):.3f} | {wins} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--only", type=int, nargs="+", help="train only these candidates (0-based); keep the others")
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "results" / "candidates.json")
    parser.add_argument("--paired", type=Path, nargs="+", help="only print the candidates found in all these files")
    args = parser.parse_args()
    if args.paired:
        print(paired_table(args.paired))
        return
    kept = {}
    if args.only and args.out.is_file():
        kept = {result["name"]: result for result in json.loads(args.out.read_text())["results"]}
    results = []
    for index, (name, changes) in enumerate(CANDIDATES):
        if args.only and index not in args.only:
            if name in kept:  # a candidate not run yet has no row
                results.append(kept[name])
            continue
        print(name, flush=True)
        results.append({"name": name, "changes": changes, "seeds": args.seeds, "rows": scores(changes, args.seeds)})
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"results": results, "table": table(results)}, indent=2))
    print()
    print(table(results))


if __name__ == "__main__":
    main()
