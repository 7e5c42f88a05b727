"""Training windows centred on sound events, not anywhere above a peak threshold.

m5's recipe draws a training window at any offset whose peak reaches 0.1 of its file's peak, so a window may
hold one click at its edge and a second of background otherwise; in a long dog file, many such windows hold no
bark and are still taught "dog". Here a window is kept only when its middle half-second holds a sound event:
a 20-ms frame whose energy is at least ``--above`` dB over its file's noise floor (the 10th percentile of the
file's frame energies). Both classes are drawn this way; the peak threshold still applies. Everything else is
m5's recipe; the network is scored on every window of the validation files, as every other study is (scoring
is not restricted to events); the test files are not touched.

Usage: python experiments/event_windows.py [--seeds 0 1 2] [--above 20]
       [--out experiments/results/event_windows.json] [--table-only]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
from scipy.ndimage import maximum_filter1d

from catdog_cnn.nets.evaluate import evaluate
from catdog_cnn.nets.recipes import recipe
from catdog_cnn.nets.runs import eval_options, predictor
from catdog_cnn.nets.train import train
from catdog_cnn.sound.data import LABELS, load_split
from catdog_cnn.sound.generator import WindowSampler

sys.path.insert(0, str(Path(__file__).parent))
from clip_learning import adopted_m5, against_m5, save_rows, validation_cells  # noqa: E402

FRAME = 320  # 20 ms at 16 kHz
FLOOR_PERCENTILE = 10  # a file's noise floor: this percentile of its frames' energies


def event_frames(audio: np.ndarray, above_db: float) -> np.ndarray:
    """Per 20-ms frame of ``audio``: True where its energy is ``above_db`` dB or more over the file's floor."""
    n = max(len(audio) // FRAME, 1)
    frames = np.pad(audio, (0, max(n * FRAME - len(audio), 0)))[: n * FRAME].reshape(n, FRAME)
    energy = 10 * np.log10(np.mean(frames.astype(np.float64) ** 2, axis=1) + 1e-12)
    return energy >= np.percentile(energy, FLOOR_PERCENTILE) + above_db


def event_sampler(above_db: float, report: dict) -> type:
    """A :class:`WindowSampler` that keeps the offsets whose window has an event in its middle half-second.

    ``report`` receives, per class, the share of the peak-threshold offsets that were kept."""

    class EventCentred(WindowSampler):
        def __init__(self, *args, **kwargs) -> None:
            super().__init__(*args, **kwargs)
            for label, stream in enumerate(self.streams):
                ends = np.r_[self.file_starts[label][1:], len(stream)]
                near = np.zeros(len(stream), bool)
                for start, end in zip(self.file_starts[label], ends, strict=True):
                    per_sample = np.repeat(event_frames(stream[start:end], above_db), FRAME)[: end - start]
                    near[start : start + len(per_sample)] = per_sample
                near = maximum_filter1d(near.astype(np.uint8), size=self.segment // 2).astype(bool)  # ±0.25 s
                offsets = self.offsets[label]
                kept = offsets[near[np.minimum(offsets + self.segment // 2, len(stream) - 1)]]
                report[f"kept_{LABELS[label]}_windows"] = len(kept) / len(offsets)
                self.offsets[label] = kept if len(kept) else offsets

    return EventCentred


def table(rows: list[dict], reference: list[dict]) -> str:
    """Validation windows and clips, mean ± sd over seeds, beside m5 as adopted."""
    groups = {"m5 as adopted: any offset reaching 0.1 of its file's peak": reference}
    for row in rows:
        groups.setdefault(f"an event {row['above']:g} dB over its file's floor in the middle 0.5 s", []).append(row)
    lines = [
        "| training windows | seeds | share of windows kept, cat / dog (%) | validation windows (%) "
        "| validation clips (%) | clips against m5, seed by seed |",
        "|---|---|---|---|---|---|",
    ]
    for name, group in groups.items():
        kept = "–" if group is reference else " / ".join(
            f"{100 * np.mean([r[f'kept_{c}_windows'] for r in group]):.0f}" for c in LABELS
        )  # fmt: skip
        lines.append(f"| {name} | {len(group)} | {kept} | {validation_cells(group)} | {against_m5(group, reference)} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--above", type=float, default=20.0, help="dB over the file's noise floor for an event")
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "results" / "event_windows.json")
    parser.add_argument("--table-only", action="store_true", help="train nothing; write the table of the rows kept")
    args = parser.parse_args()
    rows = json.loads(args.out.read_text())["rows"] if args.out.is_file() else []
    reference = adopted_m5(args.out.parent / "candidates.json")
    for seed in [] if args.table_only else args.seeds:
        split = load_split(seed=seed)
        report: dict = {}
        config = recipe("m5", seed=seed)
        model, history = train(config, split, verbose=0, sampler=event_sampler(args.above, report))
        metrics = evaluate(predictor(model), split.validation, **eval_options(config))
        row = {"above": args.above, "seed": seed, **report, "epochs_run": len(history["loss"]),
               "val_segment_accuracy": metrics["segment_accuracy"],
               "val_clip_accuracy": metrics["clip_accuracy_mean"]}  # fmt: skip
        rows = [r for r in rows if (r["above"], r["seed"]) != (args.above, seed)] + [row]
        print(f"events {args.above:g} dB seed {seed}: kept {report}; validation windows "
              f"{row['val_segment_accuracy']:.3f}, clips {row['val_clip_accuracy']:.3f}", flush=True)  # fmt: skip
        save_rows(args.out, rows, table(rows, reference))
    save_rows(args.out, rows, table(rows, reference))
    print(table(rows, reference))


if __name__ == "__main__":
    main()
