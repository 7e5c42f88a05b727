"""Does the sound rule of `catdog-cnn predict` change any prediction on the official test files?

`predict` leaves windows without sound to judge out of the vote (below ``config.SILENCE_DBFS`` with the
offset removed, or with less than ``config.MIN_SOUND_SECONDS`` of sound above it; see catdog_cnn.serve.predict),
and gives a file with no audible window no label. This script predicts every official test file (minus the leaked
duplicate) with the committed model's LiteRT twin twice, with the rule and without it (every window
votes, as `benchmarks/accuracy.py` scores them), and lists the files whose label or p(dog) changes.

Usage: python benchmarks/silence.py [--model models/m5] [--out benchmarks/results/silence.json]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from catdog_cnn.config import DEFAULT_MODEL, MIN_SOUND_SECONDS, SILENCE_DBFS
from catdog_cnn.serve.predict import load_predictor, predict_recording, run_options
from catdog_cnn.sound.data import AUDIO_FOLDER, find_data_dir, load_split


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", type=Path, default=DEFAULT_MODEL)
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "results" / "silence.json")
    args = parser.parse_args()
    predict, options = load_predictor(args.model), run_options(args.model)
    rows = []
    audio_dir = find_data_dir() / AUDIO_FOLDER
    for clip in load_split(seed=0).test:
        ruled = predict_recording(predict, audio_dir / clip.name, name=clip.name, **options)
        every = predict_recording(predict, audio_dir / clip.name, name=clip.name, silence_dbfs=-np.inf, **options)
        rows.append(
            {
                "file": clip.name,
                "windows": len(every["segments"]),
                "silent_windows": ruled["silent_windows"],
                "label_with_rule": ruled["label"],
                "label_without": every["label"],
                "p_dog_with_rule": ruled["p_dog"],
                "p_dog_without": every["p_dog"],
            }
        )
    changed = [r for r in rows if r["label_with_rule"] != r["label_without"]]
    moved = [r for r in rows if r["p_dog_with_rule"] != r["p_dog_without"]]
    lines = [
        f"| official test files, {args.model.name} | with the rule "
        f"({MIN_SOUND_SECONDS:g} s above {SILENCE_DBFS:g} dBFS) |",
        "|---|---|",
        f"| files | {len(rows)} |",
        f"| windows | {sum(r['windows'] for r in rows)} |",
        f"| silent windows (left out of the vote) | {sum(r['silent_windows'] for r in rows)} |",
        f"| files with a silent window | {sum(r['silent_windows'] > 0 for r in rows)} |",
        f"| files whose p(dog) moves | {len(moved)} |",
        f"| files whose label changes | {len(changed)} |",
    ]
    lines += [
        f"| {r['file']}: {r['label_without']} -> {r['label_with_rule']} "
        f"(p_dog {r['p_dog_without']} -> {r['p_dog_with_rule']}) | |"
        for r in changed
    ]
    table = "\n".join(lines)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    out = {
        "model": str(args.model),
        "silence_dbfs": SILENCE_DBFS,
        "min_sound_seconds": MIN_SOUND_SECONDS,
        "rows": rows,
        "table": table,
    }
    args.out.write_text(json.dumps(out, indent=2))
    print(table)


if __name__ == "__main__":
    main()
