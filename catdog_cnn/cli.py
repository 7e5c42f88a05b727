"""The ``catdog-cnn`` command line: fetch-data, train, evaluate, predict."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from .config import DATA_ENV, DEFAULT_DATA_DIR, DEFAULT_MODEL, SEED, CatDogError

__all__ = ["main", "build_parser"]

DESCRIPTION = f"""\
Tell cat sounds from dog sounds with a 1-D CNN that reads the raw 16 kHz waveform.

The dataset is found in this order: --data-dir, the environment variable
{DATA_ENV}, then {DEFAULT_DATA_DIR}.
"""


def _fetch(args: argparse.Namespace) -> int:
    from .data import fetch_data

    path = fetch_data(args.dest)
    print(f"dataset ready in {path}")
    return 0


def _train(args: argparse.Namespace) -> int:
    from .train import recipe, run

    changes = {
        k: v
        for k, v in {"seed": args.seed, "epochs": args.epochs, "steps_per_epoch": args.steps}.items()
        if v is not None
    }
    config = recipe(args.preset, **changes)
    out = args.out or Path("runs") / f"{args.preset}-seed{config.seed}"
    metrics = run(config, out, data_dir=args.data_dir, progress=True)
    test = metrics["test"]
    print(f"model written to {out}")
    print(
        f"test: segment accuracy {test['segment_accuracy']:.3f}, clip accuracy {test['clip_accuracy_mean']:.3f} "
        f"(mean vote), {test['clip_accuracy_majority']:.3f} (majority), segment AUC {test['segment_auc']:.3f}"
    )
    print(f"{metrics['seconds_per_epoch']:.1f} s per epoch, {metrics['train_seconds']:.0f} s in all")
    return 0


def _add_runtime_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--runtime",
        choices=["keras", "litert"],
        default="keras",
        help="run the network with Keras (default) or converted to LiteRT, faster on a CPU, same results",
    )


def _probability_function(model, runtime: str):
    """Keras' own ``predict``, or the same model converted to LiteRT (several times faster on a CPU)."""
    from .train import predictor

    if runtime == "litert":
        from .litert import LiteRTPredictor

        return LiteRTPredictor(model)
    return predictor(model)


def _evaluate(args: argparse.Namespace) -> int:
    from .data import load_split
    from .evaluate import evaluate
    from .train import eval_options, load_run

    model, config = load_run(args.model)
    split = load_split(args.data_dir, validation_fraction=config.validation_fraction, seed=config.seed)
    clips = {"test": split.test, "validation": split.validation}[args.on]
    options = eval_options(config) | ({"normalization": args.normalization} if args.normalization else {})
    metrics = evaluate(_probability_function(model, args.runtime), clips, **options)
    metrics["dropped_duplicates"] = split.dropped
    if args.json:
        print(json.dumps(metrics, indent=2))
        return 0
    for name, twin, side in split.dropped:
        print(f"dropped {name} from {side}: same audio as {twin} in train")
    print(
        f"{args.on} files: {metrics['n_clips']}, windows: {metrics['n_segments']} "
        f"(normalization: {metrics['normalization']})"
    )
    for key in ("segment_accuracy", "clip_accuracy_mean", "clip_accuracy_majority", "segment_auc", "clip_auc"):
        print(f"  {key:24s} {metrics[key]:.3f}")
    print(f"  segment confusion [[cat->cat, cat->dog], [dog->cat, dog->dog]]: {metrics['segment_confusion']}")
    print(f"  clip confusion: {metrics['clip_confusion']}")
    print(f"\n{'file':24s} {'label':5s} {'p_dog':>6s} {'vote':5s} windows")
    for row in metrics["files"]:
        mark = "" if row["label"] == ("dog" if row["p_dog"] > 0.5 else "cat") else "  <- wrong"
        print(f"{row['file']:24s} {row['label']:5s} {row['p_dog']:6.3f} {row['vote']:5s} {row['windows']:4d}{mark}")
    return 0


def _predict(args: argparse.Namespace) -> int:
    from .data import load_wav
    from .evaluate import predict_clip
    from .train import eval_options, load_run

    model, config = load_run(args.model)
    predict = _probability_function(model, args.runtime)
    results, failed = [], False
    for path in args.files:
        try:
            result = predict_clip(predict, load_wav(path), **eval_options(config))
        except CatDogError as err:
            print(str(err) if str(err).startswith(str(path)) else f"{path}: {err}", file=sys.stderr)
            failed = True
            continue
        results.append({"path": str(path), **result})
        if not args.json:
            seconds = " ".join(f"{p:.2f}" for p in result["segments"])
            print(f"{path}: {result['label']} (p_dog {result['p_dog']:.3f}; per second: {seconds})")
    if args.json:
        print(json.dumps(results, indent=2))
    return 1 if failed else 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``catdog-cnn`` and its four commands."""
    parser = argparse.ArgumentParser(
        prog="catdog-cnn", description=DESCRIPTION, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser(
        "fetch-data",
        help="download the Kaggle dataset and verify its checksums",
        description="Download 'Audio Cats and Dogs' from Kaggle (no account needed) "
        "and check its layout and SHA-256 sums.",
    )
    p.add_argument("--dest", type=Path, default=DEFAULT_DATA_DIR, help=f"target folder (default {DEFAULT_DATA_DIR})")
    p.set_defaults(func=_fetch)

    p = sub.add_parser(
        "train",
        help="train a model and write a run folder",
        description="Train on the official training files (validation carved from them), "
        "evaluate on the test files, and write model.keras, config.json, "
        "history.json and metrics.json.",
    )
    p.add_argument(
        "--preset",
        default="original",
        choices=["original", "m5"],
        help="'original' reproduces the original notebook; 'm5' is the improved model",
    )
    p.add_argument("--seed", type=int, default=None, help=f"random seed (default {SEED})")
    p.add_argument("--epochs", type=int, default=None, help="number of epochs (default: the preset's)")
    p.add_argument("--steps", type=int, default=None, help="steps per epoch (default: the preset's)")
    p.add_argument("--out", type=Path, default=None, help="run folder (default runs/PRESET-seedN)")
    p.add_argument("--data-dir", type=Path, default=None, help="dataset folder")
    p.set_defaults(func=_train)

    p = sub.add_parser(
        "evaluate",
        help="score a trained model on the test (or validation) files",
        description="Accuracy per 1-s segment and per clip (mean-probability and majority "
        "vote), ROC AUC, confusion matrices and a per-file table.",
    )
    p.add_argument(
        "--model", type=Path, default=DEFAULT_MODEL, help=f"run folder or .keras file (default {DEFAULT_MODEL})"
    )
    p.add_argument("--on", choices=["test", "validation"], default="test", help="which files (default test)")
    p.add_argument(
        "--normalization",
        choices=["window", "none"],
        default=None,
        help="scaling of the windows (default: the one the model was trained for)",
    )
    p.add_argument("--data-dir", type=Path, default=None, help="dataset folder")
    p.add_argument("--json", action="store_true", help="print the metrics as JSON")
    _add_runtime_option(p)
    p.set_defaults(func=_evaluate)

    p = sub.add_parser(
        "predict",
        help="say whether WAV files hold a cat or a dog",
        description="Print, per file, the probability of dog, the label and the "
        "per-second probabilities. A file that fails is reported on stderr "
        "as 'FILE: reason'; the others are still predicted; the exit status "
        "is then 1.",
    )
    p.add_argument("files", nargs="+", type=Path, metavar="FILE", help="WAV files (any rate, any channels)")
    p.add_argument(
        "--model", type=Path, default=DEFAULT_MODEL, help=f"run folder or .keras file (default {DEFAULT_MODEL})"
    )
    p.add_argument("--json", action="store_true", help="print a JSON list of {path, p_dog, label, segments}")
    _add_runtime_option(p)
    p.set_defaults(func=_predict)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except CatDogError as err:
        print(err, file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
