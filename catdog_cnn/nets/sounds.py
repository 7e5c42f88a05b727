"""What every component of a trained network wants to hear, found once for the run folder (``sounds.npz``), so
that ``explain`` plays them without TensorFlow: gradient ascent on the waveform, one unit per window of a batch.
:func:`catdog_cnn.look.hear.wants_to_hear` does the same for one unit, with the same named defaults."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from .._keras import keras, tf
from ..config import (
    ASCENT_BAND_HZ,
    ASCENT_L2,
    ASCENT_RATE,
    ASCENT_SHIFT,
    ASCENT_START_LEVEL,
    ASCENT_STEPS,
    RELU_LEAK,
    SAMPLE_RATE,
    SEED,
    SEGMENT,
)
from ..serve.manifest import KERAS_FILE, record, writing
from ..serve.spec import SOUNDS_FILE, run_folder, write_sounds
from .runs import load_run

__all__ = ["band_limit", "component_sounds", "write_component_sounds"]


def band_limit(x: tf.Tensor, band_hz: tuple[float, float]) -> tf.Tensor:
    """Rows of ``x`` (n, segment) with every frequency outside ``band_hz`` removed (by the FFT)."""
    freqs = np.fft.rfftfreq(SEGMENT, 1 / SAMPLE_RATE)
    mask = tf.constant(((freqs >= band_hz[0]) & (freqs <= band_hz[1])).astype(np.complex64))
    return tf.signal.irfft(tf.signal.rfft(x) * mask, fft_length=[SEGMENT])


def _feature_layer(model: keras.Model) -> str:
    """The layer global pooling averages: the one before ``gap``."""
    names = [layer.name for layer in model.layers]
    return names[names.index("gap") - 1]


def _all_units(model: keras.Model, layer: str) -> keras.Model:
    """:func:`_ascent_objective` for every unit of ``layer`` at once: windows (k, segment, 1) to (k, units)."""
    out = model.get_layer(layer).output
    value = keras.ops.mean(out, axis=1)
    if layer.startswith("relu_"):
        value = value + RELU_LEAK * keras.ops.mean(model.get_layer(layer).input, axis=1)
    return keras.Model(model.inputs, value)


def component_sounds(
    model: keras.Model,
    *,
    steps: int = ASCENT_STEPS,
    rate: float = ASCENT_RATE,
    band_hz: tuple[float, float] = ASCENT_BAND_HZ,
    shift: int = ASCENT_SHIFT,
    l2: float = ASCENT_L2,
    seed: int = SEED,
) -> np.ndarray:
    """What every component (unit of the layer global pooling averages) wants to hear: :func:`wants_to_hear` for
    each unit, all found together in one batch (window i raises unit i), from the same seeded start and shifts.

    Returns
    -------
    np.ndarray, shape (components, segment)
        float32 in [-1, 1] at 16 kHz; ``explain`` plays the rows of the deciding components.
    """
    f = _all_units(model, _feature_layer(model))
    k = int(f.output.shape[-1])
    rng = np.random.default_rng(seed)
    start = (ASCENT_START_LEVEL * rng.standard_normal((1, SEGMENT))).astype(np.float32)
    x = tf.Variable(np.repeat(start, k, axis=0))
    shifts = rng.integers(-shift, shift + 1, size=steps) if shift else np.zeros(steps, dtype=int)
    own = tf.eye(k)

    @tf.function  # one graph for every step: the shift is an input, not a constant
    def step(by: tf.Tensor) -> None:
        with tf.GradientTape() as tape:
            rolled = tf.roll(x, by, axis=1)
            peak = tf.reduce_max(tf.abs(rolled), axis=1, keepdims=True) + 1e-8
            value = tf.reduce_sum(f((rolled / peak)[..., None], training=False) * own, axis=1)
            loss = tf.reduce_sum(-value + l2 * tf.reduce_mean(x**2, axis=1))
        grad = tape.gradient(loss, x)
        x.assign_sub(rate * grad / (tf.norm(grad, axis=1, keepdims=True) / np.sqrt(SEGMENT) + 1e-12))
        limited = band_limit(x, band_hz)
        x.assign(limited / (tf.reduce_max(tf.abs(limited), axis=1, keepdims=True) + 1e-8))

    for by in shifts:
        step(tf.constant(int(by), tf.int32))
    return x.numpy().astype(np.float32)


def write_component_sounds(run_dir: str | os.PathLike, *, steps: int = ASCENT_STEPS) -> Path:
    """Write a run folder's ``sounds.npz`` (:func:`component_sounds` of its model), recorded in its manifest as
    made from its ``model.keras``; returns its path."""
    folder = run_folder(run_dir)
    with writing(folder):
        model, _ = load_run(folder)
        names = write_sounds(folder, component_sounds(model, steps=steps))
        record(folder, names, made_from=dict.fromkeys(names, KERAS_FILE))
    return folder / SOUNDS_FILE
