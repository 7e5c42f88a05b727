"""Shared fixtures: a seeded random generator, synthetic clips and the real dataset."""

from __future__ import annotations

import os
from pathlib import Path

import matplotlib
import numpy as np
import pytest

from catdog_cnn.config import DATA_ENV, SAMPLE_RATE
from catdog_cnn.sound.data import Clip

matplotlib.use("Agg")  # tests draw without a display; notebooks keep their inline backend


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(1234)


def tone(freq: float, seconds: float, amplitude: float = 0.5, rate: int = SAMPLE_RATE) -> np.ndarray:
    """A sine tone, float32."""
    t = np.arange(int(seconds * rate)) / rate
    return (amplitude * np.sin(2 * np.pi * freq * t)).astype(np.float32)


@pytest.fixture
def synthetic_clips(rng) -> list[Clip]:
    """Three 'cat' clips (low tones) and two 'dog' clips (high, louder bursts)."""
    cats = [Clip(f"cat_{i}.wav", 0, tone(300 + 50 * i, 2.5, 0.3)) for i in range(3)]
    dogs = []
    for i in range(2):
        audio = 0.01 * rng.standard_normal(3 * SAMPLE_RATE).astype(np.float32)
        audio[SAMPLE_RATE : SAMPLE_RATE + 4000] += tone(1200, 0.25, 0.9)
        dogs.append(Clip(f"dog_barking_{i}.wav", 1, audio))
    return cats + dogs


@pytest.fixture(scope="session")
def real_data_dir() -> Path:
    """The real dataset, named by $CATDOG_DATA_DIR (CI points it at ../shared/data/...)."""
    path = os.environ.get(DATA_ENV)
    if not path or not Path(path, "cats_dogs").is_dir():
        pytest.skip(f"real-data test: set {DATA_ENV} to the Audio Cats and Dogs folder")
    return Path(path)


@pytest.fixture(scope="session")
def real_split(real_data_dir):
    from catdog_cnn.sound.data import load_split

    return load_split(real_data_dir)


@pytest.fixture(scope="session")
def real_training_batch(real_split):
    """A function: ``per_class`` real training windows of each class (seeded), as (x (n, segment), y), float64."""
    from catdog_cnn.sound.windows import evaluation_windows

    windows = evaluation_windows(real_split.train)

    def batch(per_class: int):
        rng = np.random.default_rng(0)
        chosen = np.concatenate([rng.choice(np.flatnonzero(windows.y == c), per_class, replace=False) for c in (0, 1)])
        return windows.x[chosen, :, 0].astype(np.float64), windows.y[chosen].astype(np.float64)

    return batch
