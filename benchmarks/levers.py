"""The levers that led from the original recipe to the m5 preset, scored on validation files.

Usage: python benchmarks/levers.py [--seed 0] [--only N ...] [--out benchmarks/results/levers.json]

Each step changes one thing from the step before and is trained once with the
same seed; the score is segment accuracy on every 1-s window of the validation
files (the test files are not touched).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from accuracy import FIRST_VERSION, FOUR_BLOCKS, NO_SPEED, NO_TILT  # the script beside this one

from catdog_cnn.data import load_split
from catdog_cnn.evaluate import evaluate
from catdog_cnn.train import eval_options, predictor, recipe, train

STEPS = [
    ("original recipe (class scaling, last epoch)", "original", {}),
    (
        "original net + window scaling, augmentation, early stop",
        "original",
        {"normalization": "window", "augment": True, "epochs": 40, "patience": 8},
    ),
    (
        "M5 shape, 32 filters",
        "m5",
        {
            "model": FOUR_BLOCKS | {"filters": 32, "log_compress": False},
            "reduce_lr": False,
            "ema": False,
            **FIRST_VERSION,
        },
    ),
    (
        "+ log compression after the first block",
        "m5",
        {"model": FOUR_BLOCKS | {"filters": 32}, "reduce_lr": False, "ema": False, **FIRST_VERSION},
    ),
    ("+ 40 filters, halve learning rate on plateau", "m5", {"model": FOUR_BLOCKS, "ema": False, **FIRST_VERSION}),
    ("+ moving average of the weights", "m5", {"model": FOUR_BLOCKS, **FIRST_VERSION}),
    (
        "+ speed perturbation 0.85-1.15 (not adopted)",
        "m5",
        {"model": FOUR_BLOCKS, **FIRST_VERSION, "speed": (0.85, 1.15)},
    ),
    (
        "+ band-limit and mains-hum augmentation, no speed",
        "m5",
        {"model": FOUR_BLOCKS, "threshold": 0.4, "patience_from": 0, **NO_SPEED},
    ),
    ("+ early stopping only from epoch 10", "m5", {"model": FOUR_BLOCKS, "threshold": 0.4, **NO_SPEED}),
    ("+ training windows from 10% of file peak, not 40%", "m5", {"model": FOUR_BLOCKS, **NO_SPEED}),
    ("+ a fifth block, 36 filters instead of 40", "m5", NO_SPEED),
    ("+ speed perturbation 0.9-1.1", "m5", NO_TILT),
    ("+ brighter or darker microphone on 60% of windows (= m5)", "m5", {}),
]


def validation_scores(preset: str, changes: dict, seed: int, split) -> dict:
    """Train ``preset`` with ``changes`` and ``seed``; its size, epochs run and validation accuracy."""
    config = recipe(preset, seed=seed, **changes)
    model, history = train(config, split, verbose=0)
    metrics = evaluate(predictor(model), split.validation, **eval_options(config))
    return {
        "params": model.count_params(),
        "epochs_run": len(history["loss"]),
        "val_segment_accuracy": metrics["segment_accuracy"],
        "val_clip_accuracy": metrics["clip_accuracy_mean"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--only", type=int, nargs="+", help="train only these steps (0-based); keep the others' rows")
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "results" / "levers.json")
    args = parser.parse_args()
    split = load_split(seed=args.seed)
    kept = {}
    if args.only and args.out.is_file():
        kept = {row["name"]: row for row in json.loads(args.out.read_text())["rows"]}
    rows = []
    for index, (name, preset, changes) in enumerate(STEPS):
        if args.only and index not in args.only:
            rows.append(kept[name])
            continue
        scores = validation_scores(preset, changes, args.seed, split)
        rows.append({"name": name, "preset": preset, "changes": changes} | scores)
        print(
            f"{name:58s} validation {scores['val_segment_accuracy']:.3f} (clip {scores['val_clip_accuracy']:.3f})",
            flush=True,
        )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"seed": args.seed, "rows": rows}, indent=2))


if __name__ == "__main__":
    main()
