"""Three m5 networks averaged, and one m5 taught by them: do the networks err on the same windows?

Usage: python experiments/ensemble.py [--seeds 0 1 2] [--members 3] [--runs runs/ensemble]
                                     [--out experiments/results/ensemble.json]

For each seed, trains m5 with that seed (the network candidates.py scores) and
with --members - 1 other seeds on the same training files, averages their
probabilities (an ensemble, over the 20,000-parameter limit), and trains m5
once more with the seed's own recipe and labels softened half-way towards the
ensemble's probability (knowledge distillation: one network of m5's size).
Scores all of them on the seed's validation files and, looked at only
afterwards, on the test files; counts the windows every member gets wrong and
those some member gets wrong. Trained members are kept under --runs and reused.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import keras
import numpy as np

from catdog_cnn.nets.evaluate import evaluate
from catdog_cnn.nets.runs import ensemble_predictor, predictor
from catdog_cnn.nets.train import recipe, train
from catdog_cnn.sound.data import load_split
from catdog_cnn.sound.generator import evaluation_windows

MEMBER_SEED = 1000  # other members of seed s train with seeds 1000 + 10 s + k, k = 1, 2, ...


def member(seed: int, k: int, split, runs: Path) -> keras.Model:
    """The k-th m5 network of ``seed``'s split (k = 0: m5 with that seed), trained or loaded from ``runs``."""
    path = runs / f"seed{seed}" / f"member{k}.keras"
    if path.is_file():
        return keras.models.load_model(path)
    model, _ = train(recipe("m5", seed=seed if k == 0 else MEMBER_SEED + 10 * seed + k), split, verbose=0)
    path.parent.mkdir(parents=True, exist_ok=True)
    model.save(path)
    return model


def wrong_windows(models: list[keras.Model], clips) -> dict[str, int]:
    """How many of ``clips``' windows every one of ``models`` gets wrong, and how many at least one does."""
    windows = evaluation_windows(clips)
    wrong = np.array([(predictor(m)(windows.x) > 0.5) != windows.y for m in models])
    return {"windows": len(windows.y), "wrong_by_all": int(wrong.all(0).sum()), "wrong_by_any": int(wrong.any(0).sum())}


def scores(predict, split) -> dict[str, float]:
    """Window and clip accuracy of ``predict`` on the validation and the test files."""
    result = {}
    for part in ("validation", "test"):
        metrics = evaluate(predict, getattr(split, part))
        result |= {f"{part}_windows": metrics["segment_accuracy"], f"{part}_clips": metrics["clip_accuracy_mean"]}
    return result


def table(rows: list[dict]) -> str:
    names = {
        "m5": "m5 (one network)",
        "members": "m5 with another seed (each)",
        "ensemble": "the networks averaged",
        "student": "m5 taught by the averaged networks",
    }
    lines = [
        "| seeds " + ", ".join(str(r["seed"]) for r in rows) + " | validation windows | validation clips"
        " | test windows | test clips |",
        "|---|---|---|---|---|",
    ]
    for key, name in names.items():
        cells = []
        for column in ("validation_windows", "validation_clips", "test_windows", "test_clips"):
            values = 100 * np.array([v for r in rows for v in np.atleast_1d(r[key][column])])
            cells.append(f"{values.mean():.1f} ± {values.std(ddof=1):.1f}")
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    networks = len(rows[0]["members"]["test_windows"]) + 1
    lines += ["", f"| windows wrong (mean of seeds, {networks} networks each) | validation | test |"]
    lines.append("|---|---|---|")
    for key, name in (("wrong_by_all", "by every network"), ("wrong_by_any", "by at least one network")):
        cells = []
        for part in ("validation", "test"):
            counts = [r[f"{part}_errors"] for r in rows]
            cells.append(f"{np.mean([c[key] for c in counts]):.1f} of {np.mean([c['windows'] for c in counts]):.0f}")
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--members", type=int, default=3)
    parser.add_argument("--runs", type=Path, default=Path("runs") / "ensemble")
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "results" / "ensemble.json")
    args = parser.parse_args()
    rows = []
    for seed in args.seeds:
        split = load_split(seed=seed)
        models = [member(seed, k, split, args.runs) for k in range(args.members)]
        each = [scores(predictor(m), split) for m in models]
        teacher = ensemble_predictor(models)
        student, _ = train(recipe("m5", seed=seed), split, teacher=teacher, verbose=0)
        row = {
            "seed": seed,
            "m5": each[0],
            "members": {key: [s[key] for s in each[1:]] for key in each[0]},
            "ensemble": scores(teacher, split),
            "student": scores(predictor(student), split),
            "parameters": {"m5": models[0].count_params(), "ensemble": sum(m.count_params() for m in models)},
            "validation_errors": wrong_windows(models, split.validation),
            "test_errors": wrong_windows(models, split.test),
        }
        rows.append(row)
        print(json.dumps(row), flush=True)
    result = {"seeds": args.seeds, "members": args.members, "rows": rows, "table": table(rows)}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2))
    print(result["table"])


if __name__ == "__main__":
    main()
