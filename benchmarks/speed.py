"""Speed on this machine: generator throughput, epoch time, inference throughput (Keras, XLA, LiteRT),
and what a user of `catdog-cnn predict` waits for: start-up on a 5-s file with the LiteRT and the Keras
runtime (wall time and peak memory, and their ratio, in one run), and a 2-hour 48 kHz stereo file streamed.

The original recipe trains with XLA-compiled batch normalization
(``catdog_cnn.nets.model.XLABatchNormalization``); training steps are timed with it and
with Keras' own layer.

Usage: python benchmarks/speed.py [--only predict] [--out benchmarks/results/speed.json]
(--only predict measures the `predict` figures alone and keeps the others already in --out.)

Measured on the real training files (CATDOG_DATA_DIR). Prints a table and
writes the figures to a JSON file.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import keras
import numpy as np
import soundfile as sf

from catdog_cnn.config import BATCH_SIZE, PEAK_THRESHOLD, SAMPLE_RATE, SEGMENT
from catdog_cnn.nets.export import litert_predictor
from catdog_cnn.nets.model import build_model, multiply_adds
from catdog_cnn.nets.train import recipe, train
from catdog_cnn.sound.data import load_split
from catdog_cnn.sound.generator import WindowSampler, throughput


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
    return segments_per_s(litert_predictor(build_model()))


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


# Run from a small, fresh Python: a child forked from this large process would count its memory as its own peak.
MEASURE = """
import os, subprocess, sys, tempfile, time
with tempfile.TemporaryFile() as err:  # a file, not a pipe: a long progress bar cannot fill it and block
    start = time.perf_counter()
    child = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=err)
    _, status, usage = os.wait4(child.pid, 0)  # this child's own peak memory
    seconds = time.perf_counter() - start
    err.seek(0)
    print(os.waitstatus_to_exitcode(status), seconds, usage.ru_maxrss / 1024, err.read().decode()[-2000:])
"""


def timed_command(args: list[str]) -> tuple[float, float]:
    """Wall seconds and peak resident memory (MB) of one run of a command, which must succeed."""
    out = subprocess.run([sys.executable, "-c", MEASURE, *args], capture_output=True, text=True, check=True).stdout
    code, seconds, peak, errors = out.split(" ", 3)
    if int(code) != 0:
        raise SystemExit(f"{' '.join(args)} failed: {errors}")
    return float(seconds), float(peak)


def predict_startup(split, runs: int = 5) -> dict[str, float]:
    """`catdog-cnn predict` on a 5-s test recording, LiteRT against Keras, medians of ``runs`` runs each."""
    clip = next(c for c in split.test if c.seconds >= 5)
    results: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "five_seconds.wav"
        sf.write(path, clip.audio[: 5 * SAMPLE_RATE], SAMPLE_RATE, subtype="PCM_16")
        for runtime in ("litert", "keras"):
            command = [sys.executable, "-m", "catdog_cnn.cli", "predict", str(path), "--runtime", runtime]
            walls, peaks = zip(*(timed_command(command) for _ in range(runs)), strict=True)
            results[f"predict_5s_wall_s_{runtime}"] = float(np.median(walls))
            results[f"predict_5s_peak_mb_{runtime}"] = float(np.median(peaks))
    results["predict_5s_keras_over_litert_wall"] = (
        results["predict_5s_wall_s_keras"] / results["predict_5s_wall_s_litert"]
    )
    results["predict_5s_keras_over_litert_memory"] = (
        results["predict_5s_peak_mb_keras"] / results["predict_5s_peak_mb_litert"]
    )
    return results


def predict_long_file(hours: float = 2.0, rate: int = 48_000) -> dict[str, float]:
    """`catdog-cnn predict` streaming a long 48 kHz stereo WAV (tones in noise, written a minute at a time)."""
    rng = np.random.default_rng(0)
    t = np.arange(60 * rate) / rate
    minute = 0.2 * np.sin(2 * np.pi * 440 * t) * (np.sin(2 * np.pi * 0.5 * t) > 0)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "long.wav"
        with sf.SoundFile(path, "w", rate, 2, subtype="PCM_16", format="RF64") as f:
            for _ in range(round(hours * 60)):
                noise = 0.01 * rng.standard_normal((len(t), 2))
                f.write((minute[:, None] + noise).astype(np.float32))
        size = path.stat().st_size
        seconds, peak = timed_command([sys.executable, "-m", "catdog_cnn.cli", "predict", str(path), "--jsonl"])
    return {
        "predict_long_hours": hours,
        "predict_long_file_gb": size / 1e9,
        "predict_long_wall_s": seconds,
        "predict_long_peak_mb": peak,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "results" / "speed.json")
    parser.add_argument("--only", choices=["predict"], help="measure only the `predict` figures")
    args = parser.parse_args()
    split = load_split()
    results = {"machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores"}
    if args.only == "predict":
        kept = json.loads(args.out.read_text()) if args.out.is_file() else {}
        results = kept | results | predict_startup(split) | predict_long_file()
        args.out.write_text(json.dumps(results, indent=2))
        return print_results(results)
    results |= generator_throughput(split)
    results |= runtime_options()
    results |= epoch_time(split)  # switches op determinism on, as every training run does
    results["original_train_step_ms_deterministic"] = train_step_ms(False)
    results["original_train_step_ms_deterministic_xla_batch_norm"] = train_step_ms(False, batch_norm="xla")
    results |= predict_startup(split) | predict_long_file()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2))
    print_results(results)


def print_results(results: dict) -> None:
    for key, value in results.items():
        print(f"{key:40s} {value:,.2f}" if isinstance(value, float) else f"{key:40s} {value}")


if __name__ == "__main__":
    main()
