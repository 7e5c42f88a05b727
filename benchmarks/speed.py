"""Speed on this machine: generator throughput, epoch time, inference throughput.

Usage: python benchmarks/speed.py [--out benchmarks/results/speed.json]

Measured on the real training files (CATDOG_DATA_DIR). Prints a table and
writes the figures to a JSON file.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from pathlib import Path

import numpy as np

from catdog_cnn.config import BATCH_SIZE, PEAK_THRESHOLD, SEGMENT
from catdog_cnn.data import load_split
from catdog_cnn.generator import WindowSampler, throughput
from catdog_cnn.model import build_model, multiply_adds
from catdog_cnn.train import recipe, set_seed, train


def original_style_batches(streams: list[np.ndarray], rng: np.random.Generator, batch_size: int) -> np.ndarray:
    """The original notebook's feed: draw one offset at a time, reject quiet windows."""
    batch = []
    while len(batch) < batch_size:
        stream = streams[len(batch) % 2]
        start = rng.integers(0, len(stream) - SEGMENT)
        window = stream[start : start + SEGMENT]
        if np.abs(window).max() >= PEAK_THRESHOLD:
            batch.append(window)
    return np.stack(batch)


def generator_throughput(split, n_batches: int = 200) -> dict[str, float]:
    sampler = WindowSampler(split.train)
    vectorized = throughput(sampler, n_batches=n_batches)
    rng = np.random.default_rng(0)
    start = time.perf_counter()
    for _ in range(n_batches):
        original_style_batches(sampler.streams, rng, BATCH_SIZE)
    loop = n_batches * BATCH_SIZE / (time.perf_counter() - start)
    return {"vectorized_windows_per_s": vectorized, "python_loop_windows_per_s": loop}


def epoch_time(split) -> dict[str, float]:
    config = recipe("original")
    start = time.perf_counter()
    _, history = train(config, split, verbose=0)
    total = time.perf_counter() - start
    return {
        "original_train_seconds_15_epochs": total,
        "original_seconds_per_epoch_median": float(np.median(history["seconds"])),
        "original_first_epoch_seconds": history["seconds"][0],
    }


def inference_throughput(n: int = 8192, batch_size: int = 512) -> dict[str, float]:
    set_seed(0)
    model = build_model()
    x = np.random.default_rng(0).standard_normal((n, SEGMENT, 1)).astype(np.float32)
    model.predict(x[:batch_size], batch_size=batch_size, verbose=0)  # build and trace once
    start = time.perf_counter()
    model.predict(x, batch_size=batch_size, verbose=0)
    per_s = n / (time.perf_counter() - start)
    macs = multiply_adds(model)
    return {
        "original_segments_per_s": per_s,
        "original_macs_per_segment": macs,
        "original_gflops": 2 * macs * per_s / 1e9,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "results" / "speed.json")
    args = parser.parse_args()
    split = load_split()
    results = {"machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores"}
    results |= generator_throughput(split)
    results |= inference_throughput()
    results |= epoch_time(split)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2))
    for key, value in results.items():
        print(f"{key:40s} {value:,.1f}" if isinstance(value, float) else f"{key:40s} {value}")


if __name__ == "__main__":
    main()
