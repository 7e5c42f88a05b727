"""The commands that answer a user, without TensorFlow: ``predict``, ``explain``, ``export-web``."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from ..config import DEFAULT_MODEL, EXPLAIN_SOUNDS, CatDogError
from ..sound.inputs import printable

__all__ = ["RUNTIMES", "add_commands", "add_runtime_option"]


def _litert(model_dir: Path) -> Callable[[np.ndarray], np.ndarray]:
    from .predict import load_predictor

    return load_predictor(model_dir)


def _numpy(model_dir: Path) -> Callable[[np.ndarray], np.ndarray]:
    from .numpy_net import NumpyNet
    from .spec import load_spec

    return NumpyNet(load_spec(model_dir).layers)


# How ``predict`` runs a run folder's network: the name, what it needs, and the probability function it makes.
# The training wing adds "keras" (nets.commands), for an install that has TensorFlow.
RUNTIMES: dict[str, tuple[str, Callable[[Path], Callable[[np.ndarray], np.ndarray]]]] = {
    "litert": ("the model.tflite beside model.keras: no TensorFlow, starts fast", _litert),
    "numpy": ("the NumPy network of the folder's inference spec: no TensorFlow, slower", _numpy),
}


def add_runtime_option(parser: argparse.ArgumentParser, *, default: str) -> None:
    """``--runtime``: which of :data:`RUNTIMES` runs the network."""
    told = "; ".join(f"{name}: {what}" for name, (what, _) in RUNTIMES.items())
    parser.add_argument("--runtime", choices=list(RUNTIMES), default=default,
                        help=f"how to run the network ({told}); default {default}")  # fmt: skip


def _predictor(model_dir: Path, runtime: str) -> tuple[Callable[[np.ndarray], np.ndarray], dict[str, Any]]:
    """The probability function and window options of a run folder."""
    from .predict import run_options

    return RUNTIMES[runtime][1](model_dir), run_options(model_dir)


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
    from ..sound.inputs import expand_inputs
    from .predict import predict_recording

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


def _explain(args: argparse.Namespace) -> int:
    from .report_path import check_output
    from .spec import load_spec

    source = sys.stdin.buffer if args.input == "-" else args.input
    check_output(args.out, source, force=args.force)  # before any work
    load_spec(args.model)

    def say(line: str) -> None:
        print(f"  {line} ...", file=sys.stderr, flush=True)

    print(f"explaining {printable(args.input)} with {args.model}:", file=sys.stderr, flush=True)
    from .explain import write_report

    path = write_report(source, args.out, args.model, force=args.force, sounds=args.sounds, progress=say)
    print(f"report written to {printable(str(path))}")
    return 0


def _export_web(args: argparse.Namespace) -> int:
    from ..config import MODELS_DIR
    from .web import export_web, run_names

    chosen: list[Path] = args.models or [MODELS_DIR / n for n in ("original", "m5")]
    files = export_web(args.out, run_names(chosen), examples=args.examples, training=args.training_windows,
                       data_dir=args.data_dir, force=args.force)  # fmt: skip
    size = sum(f.stat().st_size for f in files) / 1e6
    out, page = printable(str(args.out)), printable(str(args.out / "index.html"))
    print(f"{len(files)} files, {size:.2f} MB, in {out}: open {page} or serve the folder")
    return 0


def add_commands(sub: argparse._SubParsersAction) -> None:
    """Add this wing's commands to ``catdog-cnn``'s parser."""
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
    add_runtime_option(p, default="litert")
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
