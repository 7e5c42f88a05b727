"""Learning from clip labels: m5 trained on stretches of several seconds, each labelled as its file is.

Multiple-instance learning. A training example is a stretch of ``K`` consecutive one-second windows from one
class's files; the m5 network scores every window (its logit, the usual GAP + sigmoid-unit network), a pooling
over the ``K`` logits gives the stretch's logit, and the loss is the stretch's label against it. With a pooling
that follows the strongest windows (log-sum-exp, a smooth maximum), a quiet window inside a dog stretch is no
longer taught "dog" on its own. After training, the window network is an ordinary m5 model: it is scored on
every one-second window of the validation files (windows and clips, the clip vote as `predict` takes it), as
every other study is; the test files are not touched.

``--one-file`` draws each stretch wholly inside one file (files in proportion to the stretches they hold)
rather than anywhere in the class's files joined end to end.

Poolings: ``lse`` (log of the mean of exp(logit), a smooth maximum), ``top2`` (the mean of the two highest
logits: a dog stretch needs two dog windows, a cat stretch is judged by its two most dog-like), ``mean`` (the
mean logit: as if each window were taught on its own, a control with the same feed). Everything else is m5's
recipe, with batches of 32 windows (32 / K stretches).

Usage: python experiments/clip_learning.py [--seeds 0 1 2] [--windows 4] [--pooling lse mean]
       [--one-file] [--out experiments/results/clip_learning.json] [--table-only]
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np

from catdog_cnn._keras import keras
from catdog_cnn._quiet import c_stderr_silenced
from catdog_cnn.nets.evaluate import evaluate
from catdog_cnn.nets.model import build_model
from catdog_cnn.nets.recipes import recipe
from catdog_cnn.nets.results import cell
from catdog_cnn.nets.runs import eval_options, predictor
from catdog_cnn.nets.train import compile_for_training, set_seed, training_callbacks
from catdog_cnn.sound.data import load_split
from catdog_cnn.sound.generator import SegmentBatches, WindowSampler, _resampled
from catdog_cnn.sound.windows import peak_normalize

WINDOWS_PER_BATCH = 32  # as m5's batches: 32 windows, in 32 / K stretches


class StretchSampler(WindowSampler):
    """Draws balanced batches of ``k`` consecutive windows from one class's stream, each window augmented and
    scaled on its own, as m5's training windows are."""

    def __init__(self, *args, k: int, one_file: bool = False, **kwargs) -> None:
        self.k, self.one_file = k, one_file
        super().__init__(*args, **kwargs)

    def _starts(self, label: int, n: int, span: int, rng: np.random.Generator) -> np.ndarray:
        """Where ``n`` stretches of ``span`` samples start: anywhere in the class's stream, or (``one_file``)
        wholly inside one file, files drawn in proportion to the stretches they hold."""
        stream = self.streams[label]
        if not self.one_file:
            return rng.integers(0, len(stream) - span - 1, size=n)
        ends = np.r_[self.file_starts[label][1:], len(stream)]
        room = np.maximum(ends - self.file_starts[label] - span, 0)
        if room.sum() == 0:
            return rng.integers(0, len(stream) - span - 1, size=n)
        files = rng.choice(len(room), size=n, p=room / room.sum())
        return self.file_starts[label][files] + rng.integers(0, room[files])

    def batch(self, rng: np.random.Generator, batch_size: int) -> tuple[np.ndarray, np.ndarray]:
        labels = rng.permutation(np.arange(batch_size) % 2).astype(np.float32)
        length = self.k * self.segment
        x = np.empty((batch_size, length), np.float32)
        speed = self.augmentation.speed if self.augmentation else (1.0, 1.0)
        for label in (0, 1):
            rows = np.flatnonzero(labels == label)
            stream = self.streams[label]
            if len(stream) < length * speed[1] + 2:
                stream = np.pad(stream, (0, int(length * speed[1]) + 2 - len(stream)))
            starts = self._starts(label, len(rows), int(length * speed[1]) + 1, rng)
            x[rows] = _resampled(stream, starts, rng.uniform(*speed, size=len(rows)), length)
        windows = x.reshape(batch_size * self.k, self.segment)
        window_labels = np.repeat(labels, self.k)
        if self.augmentation is not None:
            windows, _ = self.augmentation(windows, window_labels, rng)
        windows = peak_normalize(windows)
        return windows.reshape(batch_size, length, 1).astype(np.float32), labels


def stretch_model(window_model: keras.Model, k: int, pooling: str) -> tuple[keras.Model, keras.layers.Dense]:
    """The network over a stretch of ``k`` windows: every window's logit from ``window_model``'s layers, pooled.

    Returns the stretch model (its output p(dog) of the stretch) and its logit layer, whose weights are the
    window model's sigmoid unit after training.
    """
    segment = window_model.input_shape[1]
    features = keras.Model(window_model.inputs, window_model.get_layer("gap").output)
    logit = keras.layers.Dense(1, name="window_logit")
    inputs = keras.Input((k * segment, 1))
    windows = keras.layers.Reshape((k, segment, 1))(inputs)
    pooled = keras.layers.TimeDistributed(features)(windows)
    dropped = keras.layers.Dropout(window_model.get_layer("dropout").rate)(pooled)
    logits = logit(dropped)[..., 0]  # (batch, k)
    if pooling == "lse":
        stretch = keras.ops.logsumexp(logits, axis=1) - np.log(k)
    elif pooling == "top2":
        stretch = keras.ops.mean(keras.ops.top_k(logits, 2)[0], axis=1)
    elif pooling == "mean":
        stretch = keras.ops.mean(logits, axis=1)
    else:
        raise SystemExit(f"unknown pooling {pooling!r}; choose lse, top2 or mean")
    outputs = keras.layers.Activation("sigmoid")(stretch[:, None])
    return keras.Model(inputs, outputs), logit


def train_on_stretches(
    seed: int, k: int, pooling: str, split, *, quick: bool = False, one_file: bool = False
) -> tuple[keras.Model, dict]:
    """m5's recipe with ``seed``, trained on stretches of ``k`` windows; returns the window model and a history.

    ``quick`` trains m5's quick version (a few short epochs), to check that everything runs."""
    config = recipe("m5", seed=seed, quick=quick)
    steps = config.optimisation
    set_seed(seed)
    bags = max(WINDOWS_PER_BATCH // k, 2)
    make = lambda clips, augmentation: StretchSampler(  # noqa: E731
        clips, k=k, one_file=one_file, augmentation=augmentation, threshold=config.windows.threshold,
        normalization=config.windows.normalization,
    )  # fmt: skip
    feed = SegmentBatches(make(split.train, config.augmentation), steps=steps.steps_per_epoch, batch_size=bags,
                          seed=seed)  # fmt: skip
    validation = SegmentBatches(make(split.validation, None), steps=steps.validation_steps, batch_size=bags,
                                seed=seed + 10_000, fixed=True).arrays()  # fmt: skip
    window_model = build_model(config.model.preset, **config.model.options)
    model, logit = stretch_model(window_model, k, pooling)
    compile_for_training(model, config)
    start = time.perf_counter()
    with c_stderr_silenced():
        fit = model.fit(feed, epochs=steps.epochs, validation_data=validation, callbacks=training_callbacks(config),
                        verbose=0)  # fmt: skip
    window_model.get_layer("dense").set_weights(logit.get_weights())
    return window_model, {"epochs_run": len(fit.history["loss"]), "seconds": time.perf_counter() - start}


POOLING_NAMES = {
    "lse": "clip labels, log-sum-exp over {k} windows",
    "top2": "clip labels, mean of the 2 highest logits of {k} windows",
    "mean": "clip labels, mean logit over {k} windows",
}
ONE_FILE = ", each stretch inside one file"


def validation_cells(group: list[dict]) -> str:
    """Two table cells: validation windows and clips, mean ± sd in percent over the rows of ``group``."""
    return " | ".join(cell(group, key) for key in ("val_segment_accuracy", "val_clip_accuracy"))


def against_m5(group: list[dict], reference: list[dict], key: str = "val_clip_accuracy") -> str:
    """A table cell comparing ``group`` with m5 seed by seed: on how many seeds it gets more (fewer) right."""
    if group is reference:
        return ""
    m5 = {r["seed"]: r[key] for r in reference}
    gain = [r[key] - m5[r["seed"]] for r in group if r["seed"] in m5]
    more, fewer = sum(g > 1e-9 for g in gain), sum(g < -1e-9 for g in gain)
    return f"more right in {more}, fewer in {fewer} of {len(gain)}"


def table(rows: list[dict], reference: list[dict]) -> str:
    """Validation windows and clips, mean ± sd over seeds, for m5 as adopted and each pooling tried."""
    groups = {"m5 as adopted: every window labelled as its file": reference}
    for row in rows:
        name = POOLING_NAMES[row["pooling"]].format(k=row["windows"]) + (ONE_FILE if row.get("one_file") else "")
        groups.setdefault(name, []).append(row)
    lines = [
        "| training examples | seeds | validation windows (%) | validation clips (%) "
        "| clips against m5, seed by seed |",
        "|---|---|---|---|---|",
    ]
    for name, group in groups.items():
        lines.append(f"| {name} | {len(group)} | {validation_cells(group)} | {against_m5(group, reference)} |")
    return "\n".join(lines)


def save_rows(out: Path, rows: list[dict], text: str) -> None:
    """Write a study's ``rows`` and their Markdown table ``text`` to ``out``, where docs/generate.py reads it."""
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"rows": rows, "table": text}, indent=2) + "\n")


def adopted_m5(candidates: Path) -> list[dict]:
    """m5's own validation rows, from the candidates study (the candidate that became the m5 preset)."""
    results = json.loads(candidates.read_text())["results"]
    return next(c["rows"] for c in results if "(adopted: the m5 preset)" in c["name"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--windows", type=int, default=4, help="windows per training stretch (K)")
    parser.add_argument("--pooling", nargs="+", default=["lse"])
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "results" / "clip_learning.json")
    parser.add_argument("--one-file", action="store_true", help="draw each stretch wholly inside one file")
    parser.add_argument("--table-only", action="store_true", help="train nothing; write the table of the rows kept")
    args = parser.parse_args()
    rows = json.loads(args.out.read_text())["rows"] if args.out.is_file() else []
    if args.table_only:
        reference = adopted_m5(args.out.parent / "candidates.json")
        save_rows(args.out, rows, table(rows, reference))
        print(table(rows, reference))
        return
    for pooling in args.pooling:
        for seed in args.seeds:
            split = load_split(seed=seed)
            model, info = train_on_stretches(seed, args.windows, pooling, split, one_file=args.one_file)
            metrics = evaluate(predictor(model), split.validation, **eval_options(recipe("m5", seed=seed)))
            row = {"pooling": pooling, "windows": args.windows, "seed": seed, "one_file": args.one_file, **info,
                   "val_segment_accuracy": metrics["segment_accuracy"],
                   "val_clip_accuracy": metrics["clip_accuracy_mean"]}  # fmt: skip
            key = (pooling, args.windows, seed, args.one_file)
            rows = [r for r in rows if (r["pooling"], r["windows"], r["seed"], r.get("one_file", False)) != key]
            rows.append(row)
            print(f"{pooling} K={args.windows} seed {seed}: validation windows {row['val_segment_accuracy']:.3f}, "
                  f"clips {row['val_clip_accuracy']:.3f} ({info['epochs_run']} epochs, {info['seconds']:.0f} s)",
                  flush=True)  # fmt: skip
            reference = adopted_m5(args.out.parent / "candidates.json")
            save_rows(args.out, rows, table(rows, reference))


if __name__ == "__main__":
    main()
