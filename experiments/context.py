"""Longer context: m5 trained and scored on windows of 2 or 4 s instead of 1 s.

m5 ends in a global average over time, so a longer window costs no parameters: the same 19,369 weights hear
``--seconds`` at once, and a bark anywhere in them counts for the whole window. A long window also holds more
of a file's quiet seconds, so this is the window recipe's answer to the same question as clip labels. Every
training window is ``--seconds`` long (m5's recipe otherwise: the same peak threshold, augmentation and
scaling to each window's peak). The network is scored on the validation files in windows of the same length
every second (a file shorter than a window is padded into one window, as ``predict`` pads a short file), and,
the same weights on 1-s windows, as every other study is. The test files are not touched.

``--check`` trains nothing: it scores the kept networks on the official test files (beside m5's and the
pretrained references' rows of ``benchmarks/results/accuracy.json``) and on the validation files changed by
each condition of ``catdog_cnn.sound.robustness``
(beside m5's rows of ``benchmarks/results/robustness-validation.json``).

Usage: python experiments/context.py [--seeds 0 1 2] [--seconds 2] [--saved runs/context]
       [--out experiments/results/context.json] [--table-only] [--check]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
import time
from pathlib import Path

import numpy as np

from catdog_cnn._keras import keras
from catdog_cnn._quiet import c_stderr_silenced
from catdog_cnn.config import SAMPLE_RATE, SEGMENT
from catdog_cnn.nets.evaluate import evaluate
from catdog_cnn.nets.model import build_model
from catdog_cnn.nets.recipes import recipe
from catdog_cnn.nets.runs import eval_options, predictor
from catdog_cnn.nets.train import compile_for_training, set_seed, training_callbacks
from catdog_cnn.sound.data import load_split
from catdog_cnn.sound.generator import SegmentBatches, WindowSampler
from catdog_cnn.sound.robustness import CONDITIONS, perturbed

sys.path.insert(0, str(Path(__file__).parent))
from clip_learning import adopted_m5, against_m5  # noqa: E402


def train_long(seed: int, seconds: float, split) -> tuple[keras.Model, dict]:
    """m5's recipe with ``seed`` on windows of ``seconds``; returns the model and a short history."""
    config = recipe("m5", seed=seed)
    steps, length = config.optimisation, int(seconds * SAMPLE_RATE)
    set_seed(seed)
    make = lambda clips, augmentation: WindowSampler(  # noqa: E731
        clips, segment=length, augmentation=augmentation, threshold=config.windows.threshold,
        normalization=config.windows.normalization,
    )  # fmt: skip
    feed = SegmentBatches(make(split.train, config.augmentation), steps=steps.steps_per_epoch,
                          batch_size=steps.batch_size, seed=seed)  # fmt: skip
    validation = SegmentBatches(make(split.validation, None), steps=steps.validation_steps,
                                batch_size=steps.batch_size, seed=seed + 10_000, fixed=True).arrays()  # fmt: skip
    model = compile_for_training(build_model("m5", **{**config.model.options, "input_length": length}), config)
    start = time.perf_counter()
    with c_stderr_silenced():
        fit = model.fit(feed, epochs=steps.epochs, validation_data=validation, callbacks=training_callbacks(config),
                        verbose=0)  # fmt: skip
    return model, {"epochs_run": len(fit.history["loss"]), "seconds": time.perf_counter() - start}


def one_second_copy(model: keras.Model) -> keras.Model:
    """``model`` (an m5 network) as ``predict`` runs it: the same weights in a network whose input is one second."""
    if model.input_shape[1] == SEGMENT:
        return model
    short = build_model("m5", **{**recipe("m5").model.options, "input_length": SEGMENT})
    short.set_weights(model.get_weights())
    return short


def checks(seconds: float, seeds: list[int], saved: Path) -> dict:
    """The kept networks of ``seconds`` on the official test files and on changed validation files.

    Returns per seed the test windows and clips (windows of the trained length and, the same weights, of 1 s),
    and per robustness condition the validation windows and clips."""
    length = int(seconds * SAMPLE_RATE)
    test: list[dict] = []
    robust: dict[str, list[dict]] = {condition: [] for condition in CONDITIONS}
    for seed in seeds:
        split, config = load_split(seed=seed), recipe("m5", seed=seed)
        model = keras.models.load_model(saved / f"{seconds:g}s-seed{seed}.keras")
        on_long, on_short = predictor(model), predictor(one_second_copy(model))
        long = evaluate(on_long, split.test, segment=length, **eval_options(config))
        short = evaluate(on_short, split.test, **eval_options(config))
        test.append({"seed": seed, "segment_accuracy": long["segment_accuracy"],
                     "clip_accuracy": long["clip_accuracy_mean"], "segment_1s_accuracy": short["segment_accuracy"],
                     "clip_1s_accuracy": short["clip_accuracy_mean"]})  # fmt: skip
        for condition, change in CONDITIONS.items():
            clips = perturbed(split.validation, change, seed=seed)
            m = evaluate(on_long, clips, segment=length, **eval_options(config))
            m1 = evaluate(on_short, clips, **eval_options(config))
            robust[condition].append({"seed": seed, "segment_accuracy": m["segment_accuracy"],
                                      "clip_accuracy": m["clip_accuracy_mean"],
                                      "segment_1s_accuracy": m1["segment_accuracy"],
                                      "clip_1s_accuracy": m1["clip_accuracy_mean"]})  # fmt: skip
            print(f"seed {seed} {condition}: windows {m['segment_accuracy']:.3f}", flush=True)
    model = keras.models.load_model(saved / f"{seconds:g}s-seed{seeds[0]}.keras")
    timing = {"seconds_1s": network_seconds(one_second_copy(model), SEGMENT),
              f"seconds_{seconds:g}s": network_seconds(model, length)}  # fmt: skip
    print(timing)
    return {"test": test, "robustness": robust, "network_time_5s_file": timing}


def network_seconds(model: keras.Model, length: int, recording: float = 5.0, repeats: int = 20) -> float:
    """Median seconds LiteRT takes for the windows of a ``recording``-s file, windows of ``length`` every second:
    the network's share of what ``catdog-cnn predict`` waits for."""
    from catdog_cnn.nets.export import litert_predictor

    fast = litert_predictor(model)
    n = max(int(recording - length / SAMPLE_RATE) + 1, 1)
    windows = np.random.default_rng(0).uniform(-1, 1, (n, length, 1)).astype(np.float32)
    fast(windows)  # the first call plans the graph
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fast(windows)
        times.append(time.perf_counter() - start)
    return float(np.median(times))


def check_tables(seconds: float, found: dict, accuracy: Path, robustness: Path) -> tuple[str, str]:
    """The test rows beside m5's and the pretrained references', and robustness beside m5's on validation."""
    from catdog_cnn.nets.results import cell

    earlier = json.loads(accuracy.read_text())["results"]
    test = [
        "| network | seeds | test windows (%) | test clips (%) | the same weights on 1-s windows (%) "
        "| their clips (%) |",
        "|---|---|---|---|---|---|",
    ]
    for name in ("m5", "SoundNet-8 features + logistic regression", "BirdNET embedding (3 s) + logistic regression"):
        rows = earlier[name]
        test.append(f"| {name} | {len(rows)} | {cell(rows, 'segment_accuracy')} | "
                    f"{cell(rows, 'clip_accuracy_mean')} | – | – |")  # fmt: skip
    rows = found["test"]
    test.append(f"| m5 trained and scored on {seconds:g}-s windows | {len(rows)} | "
                + " | ".join(cell(rows, k) for k in ("segment_accuracy", "clip_accuracy", "segment_1s_accuracy",
                                                      "clip_1s_accuracy")) + " |")  # fmt: skip
    m5 = json.loads(robustness.read_text())["results"]
    robust = [f"| validation files: windows (clips) | m5 | trained on {seconds:g} s, scored on {seconds:g}-s windows "
              f"| trained on {seconds:g} s, scored on 1-s windows |", "|---|---|---|---|"]  # fmt: skip
    for condition, rows in found["robustness"].items():
        pairs = [(m5[condition]["m5"], ""), (rows, ""), (rows, "_1s")]
        cells = [f"{cell(r, f'segment{k}_accuracy')} ({cell(r, f'clip{k}_accuracy')})" for r, k in pairs]
        robust.append(f"| {condition} | " + " | ".join(cells) + " |")
    timing = found["network_time_5s_file"]
    test.append("")
    longer = timing[f"seconds_{seconds:g}s"]
    test.append(f"The network's share of `predict` on a 5-s file (LiteRT, median of 20): "
                f"{1000 * timing['seconds_1s']:.1f} ms with five 1-s windows, "
                f"{1000 * longer:.1f} ms with {seconds:g}-s windows every second.")  # fmt: skip
    return "\n".join(test), "\n".join(robust)


def m5_rows(results: Path) -> list[dict]:
    """m5's validation rows over every seed it was trained with (``candidates.json`` and, seeds 3 and 4,
    ``candidates-seeds-3-4.json``)."""
    rows = adopted_m5(results / "candidates.json")
    more = results / "candidates-seeds-3-4.json"
    if more.is_file():
        with contextlib.suppress(StopIteration):
            rows = rows + adopted_m5(more)
    return rows


def table(rows: list[dict], reference: list[dict]) -> str:
    """Validation windows (of the trained length and of 1 s) and clips, mean ± sd over seeds, beside m5 over
    the same seeds, and seed by seed: the seeds whose clips are more (fewer) right than m5's."""
    from catdog_cnn.nets.results import cell

    def cells(group: list[dict], keys: tuple[str, ...]) -> str:
        return " | ".join(cell(group, key) for key in keys)

    lines = [
        "| window | seeds | validation windows of that length (%) | their clips (%) | 1-s windows (%) "
        "| their clips (%) | clips against m5, seed by seed |",
        "|---|---|---|---|---|---|---|",
    ]
    m5 = {r["seed"]: r for r in reference}
    groups: dict[float, list[dict]] = {}
    for row in rows:
        groups.setdefault(row["window_seconds"], []).append(row)
    for seconds, group in sorted(groups.items()):
        group = [r for r in group if r["seed"] in m5]
        same = [m5[r["seed"]] for r in group]
        lines.append(f"| 1 s (m5 as adopted) | {len(same)} | "
                     + cells(same, ("val_segment_accuracy", "val_clip_accuracy") * 2) + " | |")  # fmt: skip
        keys = ("val_segment_accuracy", "val_clip_accuracy", "val_1s_segment_accuracy", "val_1s_clip_accuracy")
        lines.append(f"| {seconds:g} s | {len(group)} | {cells(group, keys)} | {against_m5(group, reference)} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--seconds", type=float, default=2.0, help="window length in seconds")
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "results" / "context.json")
    parser.add_argument("--saved", type=Path, default=Path("runs/context"), help="where the networks are kept")
    parser.add_argument("--check", action="store_true",
                        help="train nothing; score the kept networks on the test files and on changed validation "
                             "files")  # fmt: skip
    parser.add_argument("--table-only", action="store_true",
                        help="train nothing; write the tables of the rows and the check kept")  # fmt: skip
    args = parser.parse_args()
    kept = json.loads(args.out.read_text()) if args.out.is_file() else {}
    rows = kept.get("rows", [])
    reference = m5_rows(args.out.parent)
    if args.check or (args.table_only and "checked" in kept):
        found = checks(args.seconds, args.seeds, args.saved) if args.check else kept["checked"]
        results = Path(__file__).parents[1] / "benchmarks" / "results"
        test, robust = check_tables(args.seconds, found, results / "accuracy.json",
                                    results / "robustness-validation.json")  # fmt: skip
        kept |= {"checked": {"seconds": args.seconds, **found}, "test_table": test, "robustness_table": robust}
        args.out.write_text(json.dumps(kept, indent=2) + "\n")
        print(test, robust, sep="\n\n")
        if args.check:
            return
    for seed in [] if args.table_only else args.seeds:
        split = load_split(seed=seed)
        config = recipe("m5", seed=seed)
        model, info = train_long(seed, args.seconds, split)
        length = int(args.seconds * SAMPLE_RATE)
        args.saved.mkdir(parents=True, exist_ok=True)
        model.save(args.saved / f"{args.seconds:g}s-seed{seed}.keras")
        long = evaluate(predictor(model), split.validation, segment=length, **eval_options(config))
        short = evaluate(predictor(one_second_copy(model)), split.validation, **eval_options(config))
        row = {"window_seconds": args.seconds, "seed": seed, **info,
               "val_segment_accuracy": long["segment_accuracy"], "val_clip_accuracy": long["clip_accuracy_mean"],
               "val_1s_segment_accuracy": short["segment_accuracy"],
               "val_1s_clip_accuracy": short["clip_accuracy_mean"]}  # fmt: skip
        rows = [r for r in rows if (r["window_seconds"], r["seed"]) != (args.seconds, seed)] + [row]
        print(f"{args.seconds:g}-s windows seed {seed}: validation windows {row['val_segment_accuracy']:.3f}, clips "
              f"{row['val_clip_accuracy']:.3f}; as 1-s windows {row['val_1s_segment_accuracy']:.3f}, "
              f"{row['val_1s_clip_accuracy']:.3f} ({info['epochs_run']} epochs, {info['seconds']:.0f} s)",
              flush=True)  # fmt: skip
        kept |= {"rows": rows, "table": table(rows, reference)}
        args.out.write_text(json.dumps(kept, indent=2) + "\n")
    kept |= {"rows": rows, "table": table(rows, reference)}
    args.out.write_text(json.dumps(kept, indent=2) + "\n")
    print(table(rows, reference))


if __name__ == "__main__":
    main()
