"""Is the official test split harder than this dataset's other files? m5 scored with every file as a test file once.

Usage: python experiments/cross_validation.py [--folds 3] [--seeds 0 1 2]
                                             [--out experiments/results/cross_validation.json]

All 276 files (the official training and test files, minus the test file that
duplicates a training file) are dealt into --folds folds, by file, per class;
with 3 folds, each test side has 92 files and each training side 184, as the
official split has 97 and 179. For each fold, m5 and the log-mel baseline train
on the other folds (m5 with 20% of them held out for validation, as always)
and are scored on every 1-s window of the fold's files. Each seed deals the
folds anew and trains with that seed. This measures how much the score depends on which
files happen to be tested, and where the official test split falls among
other draws. It chooses nothing: the m5 preset and its accuracy table stay
as they were, trained on the official training files only.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from catdog_cnn.anchors.baseline import LogMelBaseline
from catdog_cnn.config import CROSS_VALIDATION_FOLDS, LONG_FILE_SECONDS
from catdog_cnn.nets.evaluate import evaluate
from catdog_cnn.nets.runs import eval_options, predictor
from catdog_cnn.nets.train import recipe, train
from catdog_cnn.sound.data import Split, cross_validation_splits, load_split


def fold_row(fold: int, split: Split, official_test: set[str], seed: int) -> dict:
    """Train m5 and the baseline on one fold's training files; their scores on its test files."""
    config = recipe("m5", seed=seed)
    model, _ = train(config, split, verbose=0)
    m5 = evaluate(predictor(model), split.test, **eval_options(config))
    baseline = evaluate(LogMelBaseline().fit_clips(split.train, seed=seed).predict, split.test)
    dogs = [c for c in split.test if c.label == 1]
    return {
        "seed": seed,
        "fold": fold,
        "files": len(split.test),
        "official_test_files": sum(c.name in official_test for c in split.test),
        "windows": m5["n_segments"],
        "long_dog_share": sum(c.seconds for c in dogs if c.seconds > LONG_FILE_SECONDS) / sum(c.seconds for c in dogs),
        "m5_segment_accuracy": m5["segment_accuracy"],
        "m5_clip_accuracy": m5["clip_accuracy_mean"],
        "baseline_segment_accuracy": baseline["segment_accuracy"],
        "baseline_clip_accuracy": baseline["clip_accuracy_mean"],
    }


def table(rows: list[dict]) -> str:
    """One line per fold, then the mean ± sd over folds, in percent."""
    lines = [
        "| seed, held-out fold | files (official test) | long dog audio | m5 windows | m5 clips"
        " | baseline windows | baseline clips |",
        "|---|---|---|---|---|---|---|",
    ]
    keys = [
        "long_dog_share",
        "m5_segment_accuracy",
        "m5_clip_accuracy",
        "baseline_segment_accuracy",
        "baseline_clip_accuracy",
    ]
    for row in rows:
        cells = " | ".join(f"{100 * row[k]:.1f}" for k in keys)
        lines.append(f"| {row['seed']}, {row['fold'] + 1} | {row['files']} ({row['official_test_files']}) | {cells} |")
    if len(rows) > 1:
        values = [100 * np.array([r[k] for r in rows]) for k in keys]
        cells = " | ".join(f"{v.mean():.1f} ± {v.std(ddof=1):.1f}" for v in values)
        files = np.mean([r["files"] for r in rows])
        lines.append(f"| mean ± sd over {len(rows)} draws | {files:.0f} per draw | {cells} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--folds", type=int, default=CROSS_VALIDATION_FOLDS)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2], help="each deals the folds and trains")
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "results" / "cross_validation.json")
    args = parser.parse_args()
    official = load_split(validation_fraction=0.0)
    official_test = {c.name for c in official.test}
    rows = []
    for seed in args.seeds:
        splits = cross_validation_splits(official.train + official.test, args.folds, seed=seed)
        for fold, split in enumerate(splits):
            rows.append(fold_row(fold, split, official_test, seed))
            print(table(rows[-1:]).splitlines()[-1], flush=True)
    result = {"folds": args.folds, "seeds": args.seeds, "dropped": official.dropped, "rows": rows, "table": table(rows)}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2))
    print()
    print(result["table"])


if __name__ == "__main__":
    main()
