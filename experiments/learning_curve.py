"""Validation accuracy of the m5 recipe trained on fewer training files: is it short of data?

Usage: python experiments/learning_curve.py [--seeds 0 1 2] [--fractions 0.5 0.75 1.0]
                                           [--out experiments/results/learning_curve.json]

For each seed, the validation files stay as they are and m5 (as it was before
speed perturbation) trains on a random share of each class's training files
(by file); the score is accuracy on every 1-s window of the validation files.
The test files are not touched.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
from levers import validation_scores  # the files beside this one
from recipes import CANDIDATES

from catdog_cnn.sound.data import fewer_training_files, load_split

BEFORE_SPEED = next(study for study in CANDIDATES if study.name == "five blocks of 36 filters (adopted)")


def table(rows: list[dict], fractions: list[float]) -> str:
    lines = ["| training files | windows | clips |", "|---|---|---|"]
    for fraction in fractions:
        of = [r for r in rows if r["fraction"] == fraction]
        seg = np.array([r["val_segment_accuracy"] for r in of])
        clip = np.array([r["val_clip_accuracy"] for r in of])
        cells = [f"{v.mean():.3f} ± {v.std(ddof=1):.3f}" for v in (seg, clip)]
        files = np.mean([r["files"] for r in of])
        lines.append(f"| {fraction:.0%} ({files:.0f} files) | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--fractions", type=float, nargs="+", default=[0.5, 0.75, 1.0])
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "results" / "learning_curve.json")
    args = parser.parse_args()
    rows = []
    for seed in args.seeds:
        split = load_split(seed=seed)
        for fraction in args.fractions:
            fewer = fewer_training_files(split, fraction, seed=seed)
            rows.append({"seed": seed, "fraction": fraction, "files": len(fewer.train)})
            rows[-1] |= validation_scores(BEFORE_SPEED, seed, fewer)  # measured before speed perturbation
            print(f"seed {seed}, {fraction:.0%} of training files: validation {rows[-1]['val_segment_accuracy']:.3f}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"rows": rows, "table": table(rows, args.fractions)}, indent=2))
    print()
    print(table(rows, args.fractions))


if __name__ == "__main__":
    main()
