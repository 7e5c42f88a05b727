"""The levers that led from the original recipe to the m5 preset, scored on validation files.

Usage: python experiments/levers.py [--seed 0] [--only NAME ...] [--out experiments/results/levers.json]

Each step changes one thing from the step before and is trained once with the
same seed; the score is segment accuracy on every 1-s window of the validation
files (the test files are not touched).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
from pathlib import Path

from recipes import LEVERS, Study  # the files beside this one
from transforms import training_options

from catdog_cnn.nets.evaluate import evaluate
from catdog_cnn.nets.recipes import config_to_dict
from catdog_cnn.nets.runs import eval_options, predictor
from catdog_cnn.nets.train import train
from catdog_cnn.sound.data import load_split


def recipe_record(study: Study) -> dict:
    """``study``'s recipe as its results file keeps it, with its study options."""
    return config_to_dict(study.recipe) | {"options": study.options}


def validation_scores(study: Study, seed: int, split) -> dict:
    """Train ``study``'s recipe with ``seed``; its size, epochs run and validation accuracy."""
    config = dataclasses.replace(study.recipe, seed=seed)
    model, history = train(config, split, verbose=0, **training_options(study.options))
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
    parser.add_argument(
        "--only", nargs="+", metavar="NAME", help="train only these steps, by name; keep the others' rows"
    )
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "results" / "levers.json")
    args = parser.parse_args()
    split = load_split(seed=args.seed)
    kept = {}
    if args.only and args.out.is_file():
        kept = {row["name"]: row for row in json.loads(args.out.read_text())["rows"]}
    rows = []
    unknown = set(args.only or []) - {study.name for study in LEVERS}
    if unknown:
        raise SystemExit(f"no such step: {sorted(unknown)}; the steps are named in experiments/recipes.py")
    for study in LEVERS:
        if args.only and study.name not in args.only:
            rows.append(kept[study.name])
            continue
        scores = validation_scores(study, args.seed, split)
        rows.append({"name": study.name, "status": study.status, "recipe": recipe_record(study)} | scores)
        print(
            f"{study.name:58s} validation {scores['val_segment_accuracy']:.3f} "
            f"(clip {scores['val_clip_accuracy']:.3f})",
            flush=True,
        )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"seed": args.seed, "rows": rows}, indent=2))


if __name__ == "__main__":
    main()
