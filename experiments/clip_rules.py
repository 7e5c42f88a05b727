"""How a clip's windows are combined, for networks trained on windows and on clip labels, on validation files.

``predict`` calls a clip a dog when the mean p(dog) of its windows is over 0.5. A network trained with
log-sum-exp pooling over stretches learned to answer a stretch by its most dog-like windows, so the rule that
matches its training is the log-sum-exp of the clip's window logits (minus the log of their number), which is
above 0 when a few windows are strongly dog. Each rule is scored on every window of each seed's validation files,
for networks kept by the studies (``--models NAME=PATTERN``, the pattern holding ``{seed}``), on 1-s windows as
``predict`` cuts them (a network trained on longer windows keeps its weights); the test files are not touched.

Usage: python experiments/clip_rules.py [--seeds 0 1 2]
       [--models "NAME=runs/context/2s-seed{seed}.keras" ...]
       [--out experiments/results/clip_rules.json]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
from scipy.special import logit, logsumexp

from catdog_cnn._keras import keras
from catdog_cnn.nets.recipes import recipe
from catdog_cnn.nets.results import cell
from catdog_cnn.nets.runs import eval_options, predictor
from catdog_cnn.sound.data import load_split
from catdog_cnn.sound.generator import evaluation_windows

sys.path.insert(0, str(Path(__file__).parent))
from context import one_second_copy  # noqa: E402

DEFAULT_MODELS = [
    "clip labels, log-sum-exp over 4 windows=runs/self_training/first-lse4-seed{seed}.keras",
    "trained on 2-s windows=runs/context/2s-seed{seed}.keras",
]
P_LIMIT = 1e-7  # probabilities are clipped to [P_LIMIT, 1 - P_LIMIT] before their logit is taken


def clip_rules(p: np.ndarray, clip: np.ndarray, n_clips: int) -> dict[str, np.ndarray]:
    """Each rule's dog decision (bool, shape (n_clips,)) from window probabilities ``p`` of clips ``clip``."""
    z = logit(np.clip(p, P_LIMIT, 1 - P_LIMIT))
    counts = np.bincount(clip, minlength=n_clips)
    mean = lambda v: np.bincount(clip, weights=v, minlength=n_clips) / counts  # noqa: E731
    lse = np.array([logsumexp(z[clip == i]) - np.log(counts[i]) for i in range(n_clips)])
    return {
        "mean p(dog) over 0.5 (predict's rule)": mean(p) > 0.5,
        "mean logit over 0": mean(z) > 0,
        "log-sum-exp of logits over 0": lse > 0,
        "more than half of the windows dog": mean((p > 0.5).astype(float)) > 0.5,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--models", nargs="+", default=DEFAULT_MODELS, help="NAME=PATTERN with {seed}")
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "results" / "clip_rules.json")
    args = parser.parse_args()
    accuracy: dict[str, dict[str, list[float]]] = {}
    for seed in args.seeds:
        split = load_split(seed=seed)
        windows = evaluation_windows(split.validation, **eval_options(recipe("m5", seed=seed)))
        for spec in args.models:
            name, pattern = spec.split("=", 1)
            p = predictor(one_second_copy(keras.models.load_model(pattern.format(seed=seed))))(windows.x)
            for rule, dog in clip_rules(p, windows.clip, len(windows.names)).items():
                accuracy.setdefault(name, {}).setdefault(rule, []).append(float(np.mean(dog == windows.clip_labels)))
    lines = ["| network | clip rule | seeds | validation clips (%) |", "|---|---|---|---|"]
    for name, rules in accuracy.items():
        for rule, values in rules.items():
            lines.append(f"| {name} | {rule} | {len(values)} | {cell([{'a': v} for v in values], 'a')} |")
    table = "\n".join(lines)
    args.out.write_text(json.dumps({"accuracy": accuracy, "table": table}, indent=2) + "\n")
    print(table)


if __name__ == "__main__":
    main()
