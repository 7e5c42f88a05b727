"""Self-training: a first network finds the seconds of the dog training files that hold no dog; a second
network, m5's recipe from scratch, never trains on them.

A long dog recording holds many seconds without a bark, and m5's recipe teaches each of them "dog". Here a
first network (``--first``) scores every second of the dog training stream, in steps of a quarter second,
each window scaled to its peak as at test time. A dog training window is dropped when the first network gives
the second it lies nearest to a p(dog) below ``--below`` ("neither": not a cat either, so it is not relabelled
as one). Cat windows and everything else are m5's recipe. The second network is scored on every window of the
validation files, as every other study is; the test files are not touched.

First networks: ``m5`` (m5's recipe, every window labelled as its file) and ``lse4`` (trained on clip labels,
log-sum-exp over stretches of 4 windows: see ``clip_learning.py``), whose quiet dog seconds were never taught
"dog" and so should score low.

Both networks are kept under ``--saved`` (a first network kept there is not trained again).

Usage: python experiments/self_training.py [--seeds 0 1 2] [--first lse4] [--below 0.5] [--saved runs/self_training]
       [--out experiments/results/self_training.json] [--table-only]
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np

from catdog_cnn._keras import keras
from catdog_cnn.nets.evaluate import evaluate
from catdog_cnn.nets.recipes import recipe
from catdog_cnn.nets.runs import eval_options, predictor
from catdog_cnn.nets.train import train
from catdog_cnn.sound.data import load_split
from catdog_cnn.sound.generator import WindowSampler
from catdog_cnn.sound.windows import peak_normalize

sys.path.insert(0, str(Path(__file__).parent))
from clip_learning import adopted_m5, against_m5, save_rows, train_on_stretches, validation_cells  # noqa: E402

HOP = 4_000  # the first network scores the dog stream every quarter second
DOG = 1
FIRST_NAMES = {"m5": "m5 (every window labelled as its file)", "lse4": "clip labels, log-sum-exp over 4 windows"}


def stream_scores(stream: np.ndarray, segment: int, probability: Callable[[np.ndarray], np.ndarray]) -> np.ndarray:
    """p(dog) of the windows of ``stream`` starting every :data:`HOP` samples, each scaled to its peak."""
    starts = np.arange(0, len(stream) - segment + 1, HOP)
    windows = np.lib.stride_tricks.sliding_window_view(stream, segment)[starts]
    batches = [peak_normalize(windows[i : i + 256])[..., None] for i in range(0, len(starts), 256)]
    return np.concatenate([probability(batch) for batch in batches])


def relabelled_sampler(probability: Callable[[np.ndarray], np.ndarray], below: float, report: dict) -> type:
    """A :class:`WindowSampler` whose dog windows exclude those the first network scores below ``below``.

    ``report`` receives the share of kept dog offsets that were dropped."""

    class Relabelled(WindowSampler):
        def __init__(self, *args, **kwargs) -> None:
            super().__init__(*args, **kwargs)
            scores = stream_scores(self.streams[DOG], self.segment, probability)
            offsets = self.offsets[DOG]
            nearest = np.minimum(np.rint(offsets / HOP).astype(np.int64), len(scores) - 1)
            kept = offsets[scores[nearest] >= below]
            report["dropped_dog_windows"] = 1 - len(kept) / len(offsets)
            self.offsets[DOG] = kept if len(kept) else offsets

    return Relabelled


def first_network(name: str, seed: int, split, saved: Path):
    """The first network of ``seed``: m5's recipe, or clip labels with log-sum-exp over 4 windows.

    It is kept in ``saved`` and read from there when it was trained before."""
    path = saved / f"first-{name}-seed{seed}.keras"
    if path.is_file():
        return keras.models.load_model(path)
    if name == "m5":
        model = train(recipe("m5", seed=seed), split, verbose=0)[0]
    elif name == "lse4":
        model = train_on_stretches(seed, 4, "lse", split)[0]
    else:
        raise SystemExit(f"unknown first network {name!r}; choose m5 or lse4")
    saved.mkdir(parents=True, exist_ok=True)
    model.save(path)
    return model


def table(rows: list[dict], reference: list[dict]) -> str:
    """Validation windows and clips, mean ± sd over seeds, beside m5 as adopted."""
    groups = {"m5 as adopted: every window labelled as its file": reference}
    for row in rows:
        name = f"dog windows below {row['below']} by {FIRST_NAMES[row['first']]} dropped, then m5's recipe"
        groups.setdefault(name, []).append(row)
    lines = [
        "| training windows | seeds | dog windows dropped (%) | validation windows (%) | validation clips (%) "
        "| clips against m5, seed by seed |",
        "|---|---|---|---|---|---|",
    ]
    for name, group in groups.items():
        dropped = "–" if group is reference else f"{100 * np.mean([r['dropped_dog_windows'] for r in group]):.0f}"
        vote = against_m5(group, reference)
        lines.append(f"| {name} | {len(group)} | {dropped} | {validation_cells(group)} | {vote} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--first", default="lse4", choices=sorted(FIRST_NAMES))
    parser.add_argument("--below", type=float, default=0.5, help="drop dog windows the first network scores below")
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "results" / "self_training.json")
    parser.add_argument("--saved", type=Path, default=Path("runs/self_training"), help="where networks are kept")
    parser.add_argument("--table-only", action="store_true", help="train nothing; write the table of the rows kept")
    args = parser.parse_args()
    rows = json.loads(args.out.read_text())["rows"] if args.out.is_file() else []
    reference = adopted_m5(args.out.parent / "candidates.json")
    for seed in [] if args.table_only else args.seeds:
        split = load_split(seed=seed)
        first = predictor(first_network(args.first, seed, split, args.saved))
        report: dict = {}
        config = recipe("m5", seed=seed)
        model, history = train(config, split, verbose=0, sampler=relabelled_sampler(first, args.below, report))
        model.save(args.saved / f"{args.first}-below{args.below:g}-seed{seed}.keras")
        metrics = evaluate(predictor(model), split.validation, **eval_options(config))
        row = {"first": args.first, "below": args.below, "seed": seed, **report,
               "epochs_run": len(history["loss"]), "val_segment_accuracy": metrics["segment_accuracy"],
               "val_clip_accuracy": metrics["clip_accuracy_mean"]}  # fmt: skip
        key = (args.first, args.below, seed)
        rows = [r for r in rows if (r["first"], r["below"], r["seed"]) != key] + [row]
        print(f"{args.first} below {args.below} seed {seed}: dropped {report['dropped_dog_windows']:.1%} of dog "
              f"windows; validation windows {row['val_segment_accuracy']:.3f}, clips {row['val_clip_accuracy']:.3f}",
              flush=True)  # fmt: skip
        save_rows(args.out, rows, table(rows, reference))
    save_rows(args.out, rows, table(rows, reference))
    print(table(rows, reference))


if __name__ == "__main__":
    main()
