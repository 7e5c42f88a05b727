"""Where m5 goes wrong on the test files: by class, by file length and by window loudness.

Usage: python experiments/errors.py [--seeds 0 1 2] [--runs runs/benchmark] [--model m5]
                                   [--long-seconds 7] [--out experiments/results/errors.json]

Scores the models benchmarks/accuracy.py trained (run folders under --runs) on
every 1-s window of the test files, as accuracy.py does, and splits the windows
by class, by whether their file is longer than --long-seconds, and by the
window's peak relative to its file's peak. Also prints how much of each class's
audio lies in long files in the training, validation and test files, and the
test files every seed gets wrong.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from catdog_cnn.config import LONG_FILE_SECONDS
from catdog_cnn.nets.evaluate import clip_votes, long_share, window_groups
from catdog_cnn.nets.recipes import RECIPES, VERSIONS, run_name
from catdog_cnn.nets.runs import load_run, predictor
from catdog_cnn.sound.data import LABELS, load_split
from catdog_cnn.sound.generator import evaluation_windows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--runs", type=Path, default=Path("runs") / "benchmark")
    parser.add_argument("--model", default="m5", choices=[*RECIPES, *VERSIONS], help="a preset or an earlier version")
    parser.add_argument("--long-seconds", type=float, default=LONG_FILE_SECONDS)
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "results" / "errors.json")
    args = parser.parse_args()
    shares, correct, wrong_files = {}, {}, []
    for seed in args.seeds:
        split = load_split(seed=seed)
        for part in ("train", "validation", "test"):
            shares.setdefault(part, []).append(long_share(getattr(split, part), long_seconds=args.long_seconds))
        model, config = load_run(args.runs / run_name(args.model, seed))
        windows = evaluation_windows(split.test, normalization=config.windows.eval_normalization)
        p = np.asarray(predictor(model)(windows.x)).ravel()
        right = (p > 0.5) == windows.y
        for group, mask in window_groups(split.test, windows, long_seconds=args.long_seconds).items():
            correct.setdefault(group, {"windows": int(mask.sum()), "accuracy": []})
            correct[group]["accuracy"].append(float(right[mask].mean()))
        mean_p, _ = clip_votes(p, windows.clip, len(windows.names))
        wrong_files.append(
            {n for n, m, y in zip(windows.names, mean_p, windows.clip_labels, strict=True) if (m > 0.5) != y}
        )
    lines = ["| test windows | windows | accuracy |", "|---|---|---|"]
    for group, row in correct.items():
        acc = 100 * np.array(row["accuracy"])
        lines.append(f"| {group} | {row['windows']} | {acc.mean():.1f} ± {acc.std(ddof=1):.1f} |")
    lines += ["", f"| share of audio in files over {args.long_seconds:g} s | cats | dogs |", "|---|---|---|"]
    for part, per_seed in shares.items():
        cells = [f"{100 * np.mean([s[name] for s in per_seed]):.0f}%" for name in LABELS]
        lines.append(f"| {part} | " + " | ".join(cells) + " |")
    always_wrong = sorted(set.intersection(*wrong_files))
    table = "\n".join(lines)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    result = {"model": args.model, "seeds": args.seeds, "windows": correct, "long_share": shares}
    result |= {"wrong_with_every_seed": always_wrong, "table": table}
    args.out.write_text(json.dumps(result, indent=2))
    print(table)
    print("\ntest clips wrong with every seed:", ", ".join(always_wrong) or "none")


if __name__ == "__main__":
    main()
