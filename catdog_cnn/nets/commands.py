"""The commands that train and score networks: ``train``, ``tune``, ``evaluate``, ``export-litert`` and
``prepare`` (they load TensorFlow when they run, not when the parser is built)."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np

from ..config import ASCENT_STEPS, DEFAULT_MODEL, ENGINES, RECIPE_NAMES, SEED
from ..serve.commands import RUNTIMES, add_runtime_option
from ..serve.spec import run_folder

__all__ = ["add_commands"]


def _keras(model_dir: Path) -> Callable[[np.ndarray], np.ndarray]:
    from .runs import load_run, predictor

    return predictor(load_run(model_dir)[0])


RUNTIMES["keras"] = ("the Keras model: loads TensorFlow", _keras)


def _train(args: argparse.Namespace) -> int:
    from .runs import run
    from .train import recipe

    changes = {
        k: v
        for k, v in {"seed": args.seed, "epochs": args.epochs, "steps_per_epoch": args.steps}.items()
        if v is not None
    }

    config = recipe(args.preset, **changes)
    out = args.out or Path("runs") / f"{args.preset}-seed{config.seed}"
    existed = out.exists()
    try:
        metrics = run(config, out, data_dir=args.data_dir, progress=True)
    except KeyboardInterrupt:
        kept = f"{out} is as it was before" if existed else f"nothing was written to {out}"
        print(f"\ntraining interrupted: {kept}.", file=sys.stderr)
        return 130
    _prepare_folder(out)
    test = metrics["test"]
    print(f"model written to {out} (model.keras; model.tflite, inference.json and sounds.npz for predict and explain)")
    print(
        f"test: segment accuracy {test['segment_accuracy']:.3f}, clip accuracy {test['clip_accuracy_mean']:.3f} "
        f"(mean vote), {test['clip_accuracy_majority']:.3f} (majority), segment AUC {test['segment_auc']:.3f}"
    )
    print(f"{metrics['seconds_per_epoch']:.1f} s per epoch, {metrics['train_seconds']:.0f} s in all")
    return 0


def _probability_function(model, runtime: str, model_path: Path):
    """Keras' own ``predict``, the model's LiteRT twin (the committed one, else converted now), or the NumPy network
    of its inference spec."""
    from .runs import predictor

    if runtime == "numpy":
        return RUNTIMES["numpy"][1](model_path)
    if runtime == "litert":
        from ..serve.manifest import LITERT_FILE
        from ..serve.predict import load_predictor
        from .export import litert_predictor

        twin = run_folder(model_path) / LITERT_FILE
        return load_predictor(model_path) if twin.is_file() else litert_predictor(model)
    return predictor(model)


def _evaluate(args: argparse.Namespace) -> int:
    from ..sound.data import load_split
    from .evaluate import evaluate
    from .runs import eval_options, load_run

    model, config = load_run(args.model)
    split = load_split(args.data_dir, validation_fraction=config.validation_fraction, seed=config.seed)
    clips = {"test": split.test, "validation": split.validation}[args.on]
    options = eval_options(config) | ({"normalization": args.normalization} if args.normalization else {})
    metrics = evaluate(_probability_function(model, args.runtime, args.model), clips, **options)
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
    wrong = [row for row in metrics["files"] if row["label"] != ("dog" if row["p_dog"] > 0.5 else "cat")]
    rows = metrics["files"] if args.files else wrong
    title = "every file" if args.files else f"the {len(wrong)} files called wrong (--files lists every file)"
    print(f"\n{title}:\n{'file':24s} {'label':5s} {'p_dog':>6s} {'vote':5s} windows")
    for row in rows:
        mark = "  <- wrong" if row in wrong and args.files else ""
        print(f"{row['file']:24s} {row['label']:5s} {row['p_dog']:6.3f} {row['vote']:5s} {row['windows']:4d}{mark}")
    return 0


def _export(args: argparse.Namespace) -> int:
    from .export import export

    path = export(args.model)
    print(f"LiteRT model written to {path}, with the inference spec beside it")
    return 0


def _prepare_folder(folder: Path, *, steps: int = ASCENT_STEPS) -> None:
    from .export import export
    from .sounds import write_component_sounds

    print(f"preparing {folder} for predict and explain: the LiteRT twin, the inference spec and the components' "
          f"sounds ({steps} steps of gradient ascent)", file=sys.stderr, flush=True)  # fmt: skip
    export(folder)  # the twin and the spec
    write_component_sounds(folder, steps=steps)


def _prepare(args: argparse.Namespace) -> int:
    _prepare_folder(run_folder(args.model), steps=args.steps)
    print(f"{run_folder(args.model)}: model.tflite, inference.json, inference.npz and sounds.npz written")
    return 0


def _tune(args: argparse.Namespace) -> int:
    from .trials import run_trials, table
    from .tuning import grid_trials

    grid = {"kernel_size": args.kernel_size, "strides": args.strides, "filters": args.filters}
    changes = {k: v for k, v in {"epochs": args.epochs, "steps_per_epoch": args.steps}.items() if v is not None}
    trials = grid_trials({k: v for k, v in grid.items() if v}, args.seeds, preset=args.preset, **changes)
    rows = run_trials(trials, args.out, results=args.out / "trials.json", engine=args.engine, address=args.address,
                      threads=args.threads, data_dir=args.data_dir)  # fmt: skip
    print(table(rows))
    print(f"every trial's row in {args.out / 'trials.json'}")
    return 0


def add_engine_options(p: argparse.ArgumentParser) -> None:
    """``--engine``, ``--address`` and ``--threads``: where the trials of a command run."""
    p.add_argument("--engine", choices=ENGINES, default="local",
                   help="local: one trial after another in this process; ray: trials at once on Ray")  # fmt: skip
    p.add_argument("--address", default=None,
                   help="HOST:PORT of a Ray cluster (ray start --head); default: a Ray on this machine")  # fmt: skip
    p.add_argument("--threads", type=int, default=None,
                   help="TensorFlow threads per trial, and its CPUs on Ray (default: every core locally, 1 on Ray); "
                   "the same --threads gives the same numbers on either engine")  # fmt: skip


def add_commands(sub: argparse._SubParsersAction) -> None:
    """Add this wing's commands to ``catdog-cnn``'s parser."""
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
        choices=RECIPE_NAMES,
        help="'original' reproduces the original notebook; 'm5' is the improved model",
    )
    p.add_argument("--seed", type=int, default=None, help=f"random seed (default {SEED})")
    p.add_argument("--epochs", type=int, default=None, help="number of epochs (default: the preset's)")
    p.add_argument("--steps", type=int, default=None, help="steps per epoch (default: the preset's)")
    p.add_argument("--out", type=Path, default=None, help="run folder (default runs/PRESET-seedN)")
    p.add_argument("--data-dir", type=Path, default=None, help="dataset folder")
    p.set_defaults(func=_train)

    p = sub.add_parser(
        "tune",
        help="train a grid of network shapes, several seeds each, and rank them on validation files",
        description="Every combination of the knobs given, each with every seed, as one trial: a training run "
        "of the preset with that network, scored on its validation files (never on test). Finished trials are "
        "kept in --out and skipped when the command runs again.",
    )
    p.add_argument("--preset", default="original", choices=RECIPE_NAMES, help="the recipe the grid changes")
    p.add_argument("--kernel-size", type=int, nargs="+", default=[3, 4, 5], help="kernel sizes (default 3 4 5)")
    p.add_argument("--strides", type=int, nargs="+", default=[2, 3], help="strides (default 2 3)")
    p.add_argument("--filters", type=int, nargs="+", default=None, help="filters per layer (default: the preset's)")
    p.add_argument("--seeds", type=int, nargs="+", default=[0, 1], help="seeds per combination (default 0 1)")
    p.add_argument("--epochs", type=int, default=4, help="epochs per trial (default 4)")
    p.add_argument("--steps", type=int, default=None, help="steps per epoch (default: the preset's)")
    p.add_argument("--out", type=Path, default=Path("runs") / "tune", help="folder of the trials' run folders")
    p.add_argument("--data-dir", type=Path, default=None, help="dataset folder")
    add_engine_options(p)
    p.set_defaults(func=_tune)

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
    p.add_argument("--files", action="store_true", help="list every file (default: only those called wrong)")
    add_runtime_option(p, default="keras")
    p.set_defaults(func=_evaluate)

    p = sub.add_parser(
        "export-litert",
        help="write the LiteRT twin (model.tflite) of a run folder's model.keras",
        description="Convert a run folder's model.keras to model.tflite, which `predict` runs without TensorFlow.",
    )
    p.add_argument("--model", type=Path, default=DEFAULT_MODEL, help=f"run folder (default {DEFAULT_MODEL})")
    p.set_defaults(func=_export)

    p = sub.add_parser(
        "prepare",
        help="write what predict, explain and export-web need of a run folder (an older one lacks some)",
        description="Write a run folder's LiteRT twin (model.tflite), its inference spec (inference.json and "
        "inference.npz: how windows are cut and scaled, and the network's layers for NumPy) and the sounds its "
        "components want to hear (sounds.npz, for explain). `catdog-cnn train` does this itself.",
    )
    p.add_argument("--model", type=Path, default=DEFAULT_MODEL, help=f"run folder (default {DEFAULT_MODEL})")
    p.add_argument("--steps", type=int, default=ASCENT_STEPS,
                   help=f"gradient-ascent steps per sound (default {ASCENT_STEPS})")  # fmt: skip
    p.set_defaults(func=_prepare)
