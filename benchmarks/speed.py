"""Speed on this machine: generator throughput, epoch time, inference throughput (Keras, XLA, LiteRT).

The original recipe trains with XLA-compiled batch normalization
(``catdog_cnn.model.XLABatchNormalization``); training steps are timed with it and
with Keras' own layer.

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

import keras
import numpy as np

from catdog_cnn.config import BATCH_SIZE, PEAK_THRESHOLD, SEGMENT
from catdog_cnn.data import load_split
from catdog_cnn.generator import WindowSampler, throughput
from catdog_cnn.litert import LiteRTPredictor
from catdog_cnn.model import build_model, multiply_adds
from catdog_cnn.train import recipe, train


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
        "original_final_val_accuracy": history["val_accuracy"][-1],  # same seed, same number
    }


def segments_per_s(predict, n: int = 8192, warmup: int = 512) -> float:
    """Segments per second that ``predict`` classifies, after one warm-up call (tracing, planning)."""
    x = np.random.default_rng(0).standard_normal((n, SEGMENT, 1)).astype(np.float32)
    predict(x[:warmup])
    start = time.perf_counter()
    predict(x)
    return n / (time.perf_counter() - start)


def inference_throughput(jit_compile: bool, batch_size: int = 512) -> float:
    """Keras' throughput for the original model (untrained weights: same cost)."""
    keras.utils.set_random_seed(0)
    model = build_model()
    model.compile(jit_compile=jit_compile)
    return segments_per_s(lambda x: model.predict(x, batch_size=batch_size, verbose=0))


def litert_throughput() -> float:
    """The same for the original model converted to LiteRT (XNNPACK kernels)."""
    keras.utils.set_random_seed(0)
    return segments_per_s(LiteRTPredictor(build_model()))


def train_step_ms(jit_compile: bool, steps: int = 30, batch_norm: str = "keras") -> float:
    """Milliseconds per training step of the original model on a batch of 32 windows."""
    keras.utils.set_random_seed(0)
    model = build_model(batch_norm=batch_norm)
    model.compile(optimizer="adam", loss="binary_crossentropy", jit_compile=jit_compile)
    x = np.random.default_rng(0).standard_normal((BATCH_SIZE, SEGMENT, 1)).astype(np.float32)
    y = (np.arange(BATCH_SIZE) % 2).astype(np.float32)
    for _ in range(5):  # build, trace and warm up
        model.train_on_batch(x, y)
    start = time.perf_counter()
    for _ in range(steps):
        model.train_on_batch(x, y)
    return 1000 * (time.perf_counter() - start) / steps


def runtime_options() -> dict[str, float]:
    """Inference and training-step speed with and without XLA, before op determinism is switched on.

    Keras refuses XLA once TensorFlow's op determinism is enabled, and the training
    recipes enable it (one seed, same numbers), so this runs first.
    """
    macs = multiply_adds(build_model())
    plain, xla, lite = inference_throughput(False), inference_throughput(True), litert_throughput()
    return {
        "original_macs_per_segment": macs,
        "original_segments_per_s": plain,
        "original_gflops": 2 * macs * plain / 1e9,
        "original_segments_per_s_xla": xla,
        "original_gflops_xla": 2 * macs * xla / 1e9,
        "original_segments_per_s_litert": lite,
        "original_gflops_litert": 2 * macs * lite / 1e9,
        "original_train_step_ms": train_step_ms(False),
        "original_train_step_ms_xla": train_step_ms(True),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "results" / "speed.json")
    args = parser.parse_args()
    split = load_split()
    results = {"machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores"}
    results |= generator_throughput(split)
    results |= runtime_options()
    results |= epoch_time(split)  # switches op determinism on, as every training run does
    results["original_train_step_ms_deterministic"] = train_step_ms(False)
    results["original_train_step_ms_deterministic_xla_batch_norm"] = train_step_ms(False, batch_norm="xla")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2))
    for key, value in results.items():
        print(f"{key:40s} {value:,.1f}" if isinstance(value, float) else f"{key:40s} {value}")


if __name__ == "__main__":
    main()
