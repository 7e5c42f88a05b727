"""Listening to a trained network: which frequencies each layer answers, and what a unit wants to hear.

Three tools, all playable as sound:

- :func:`tone_probe` drives the network with pure tones and records every
  unit's mean activation at each frequency: which layer listens where.
- :func:`wants_to_hear` finds, by gradient ascent on the waveform, a second of
  sound that drives one unit (or the dog or cat output) as hard as it can, kept
  audio-like by a band limit, random shifts and an L2 penalty (activation
  maximization, as Lee et al. used it to hear SampleCNN's layers).
- :func:`top_excerpts` finds the windows of real recordings a unit likes best
  and joins them into one clip (dataset auralization, as for SoundNet).
"""

from __future__ import annotations

from dataclasses import dataclass

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
from ..nets.sounds import band_limit as _band_limit
from ..sound.windows import peak_normalize
from .peel import activation_model, activations, peelable_layers, sigmoid_unit

__all__ = [
    "ToneProbe",
    "tone",
    "chirp",
    "tone_probe",
    "wants_to_hear",
    "unit_activation",
    "top_excerpts",
    "sound_traits",
]

PROBE_AMPLITUDE = 0.5  # tones are played at this peak (then scaled per window as the model expects)
TRAIT_FRAME = 320  # samples (20 ms) per frame when sound_traits measures how bursty a sound is


def tone(freq: float, *, seconds: float = SEGMENT / SAMPLE_RATE, amplitude: float = PROBE_AMPLITUDE) -> np.ndarray:
    """A sine at ``freq`` Hz, float32 at 16 kHz."""
    t = np.arange(int(seconds * SAMPLE_RATE)) / SAMPLE_RATE
    return (amplitude * np.sin(2 * np.pi * freq * t)).astype(np.float32)


def chirp(low_hz: float = 50.0, high_hz: float = 8000.0, *, seconds: float = 4.0) -> np.ndarray:
    """A logarithmic sweep from ``low_hz`` to ``high_hz``, at :data:`PROBE_AMPLITUDE`."""
    t = np.arange(int(seconds * SAMPLE_RATE)) / SAMPLE_RATE
    k = np.log(high_hz / low_hz) / seconds
    return (PROBE_AMPLITUDE * np.sin(2 * np.pi * low_hz * (np.exp(k * t) - 1) / k)).astype(np.float32)


@dataclass
class ToneProbe:
    """Mean activation of every unit of every probed layer, per tone.

    ``freqs`` (n,) in Hz; ``responses[layer]`` has shape (n, units): the mean over
    time of the unit's output while the tone plays. For ``conv_*`` layers the
    bias is taken off and the RMS is kept instead of the mean, so that the first
    layer reads as its filters' gains (``sqrt(1/2) * amplitude * |H(f)|``).
    """

    freqs: np.ndarray
    responses: dict[str, np.ndarray]


def tone_probe(
    model: keras.Model,
    freqs: np.ndarray,
    *,
    layers: list[str] | None = None,
    normalization: str = "window",
    batch_size: int = 64,
) -> ToneProbe:
    """Play a one-second tone at each of ``freqs`` through ``model`` and record every unit's answer.

    ``normalization="window"`` scales each tone to peak 1, as the model's test windows are.
    ``layers`` defaults to every peelable layer but ``gap`` and ``dense``.
    """
    names = layers or [n for n in peelable_layers(model) if n not in ("gap", "dense")]
    x = np.stack([tone(f) for f in freqs])
    x = (peak_normalize(x) if normalization == "window" else x)[..., None].astype(np.float32)
    peeled = activation_model(model)
    parts: dict[str, list[np.ndarray]] = {n: [] for n in names}
    for i in range(0, len(x), batch_size):
        acts = activations(model, x[i : i + batch_size], peeled=peeled)
        for name in names:
            a = acts[name]
            if name.startswith("conv_"):
                bias = model.get_layer(name).get_weights()[-1] if model.get_layer(name).use_bias else 0.0
                parts[name].append(np.sqrt(np.mean((a - bias) ** 2, axis=1)))
            else:
                parts[name].append(a.mean(axis=1))
    return ToneProbe(np.asarray(freqs, dtype=float), {n: np.concatenate(p) for n, p in parts.items()})


def _objective(model: keras.Model, layer: str, unit: int | None) -> keras.Model:
    """A model from the waveform to the quantity to raise: the logit for ``"dense"``, else a unit's mean output."""
    if layer == "dense":
        weights, bias = sigmoid_unit(model)
        gap = model.get_layer("gap").output
        return keras.Model(model.inputs, keras.ops.sum(gap * weights, axis=-1) + bias)
    out = model.get_layer(layer).output
    return keras.Model(model.inputs, keras.ops.mean(out[..., unit], axis=1))


def _ascent_objective(model: keras.Model, layer: str, unit: int | None) -> keras.Model:
    """:func:`_objective`, with a slope where a ReLU unit is silent: a small share of its input is added."""
    if layer.startswith("relu_"):
        before, after = model.get_layer(layer).input[..., unit], model.get_layer(layer).output[..., unit]
        value = keras.ops.mean(after, axis=1) + RELU_LEAK * keras.ops.mean(before, axis=1)
        return keras.Model(model.inputs, value)
    return _objective(model, layer, unit)


def unit_activation(model: keras.Model, x: np.ndarray, *, layer: str, unit: int | None = None) -> np.ndarray:
    """What :func:`wants_to_hear` raises, for windows ``x`` (shape (n, segment)): the logit, or a unit's mean output."""
    f = _objective(model, layer, unit)
    return np.asarray(f([np.asarray(x, np.float32)[..., None]], training=False))


def wants_to_hear(
    model: keras.Model,
    *,
    layer: str = "dense",
    unit: int | None = None,
    sign: float = 1.0,
    steps: int = ASCENT_STEPS,
    rate: float = ASCENT_RATE,
    band_hz: tuple[float, float] = ASCENT_BAND_HZ,
    shift: int = ASCENT_SHIFT,
    l2: float = ASCENT_L2,
    seed: int = SEED,
) -> np.ndarray:
    """A second of sound that drives ``layer``'s ``unit`` as hard as it can (activation maximization).

    ``layer="dense"`` raises the logit (dog); ``sign=-1`` lowers it (cat). The
    ascent starts from seeded quiet noise; before each step the sound is rotated
    by a random shift of up to ``shift`` samples (so that no single position is
    learnt), and after it the sound is kept inside ``band_hz``, scaled back to
    peak 1 (as the model's test windows are), with an L2 penalty of ``l2``.

    Returns
    -------
    np.ndarray, shape (segment,)
        float32 in [-1, 1] at 16 kHz; the same ``seed`` gives the same sound.
    """
    f = _ascent_objective(model, layer, unit)
    rng = np.random.default_rng(seed)
    x = tf.Variable((ASCENT_START_LEVEL * rng.standard_normal((1, SEGMENT))).astype(np.float32))
    shifts = rng.integers(-shift, shift + 1, size=steps) if shift else np.zeros(steps, dtype=int)
    for k in range(steps):
        with tf.GradientTape() as tape:
            rolled = tf.roll(x, int(shifts[k]), axis=1)
            peak = tf.reduce_max(tf.abs(rolled)) + 1e-8
            value = sign * tf.reduce_mean(f([rolled[..., None] / peak], training=False))
            loss = -value + l2 * tf.reduce_mean(x**2)
        grad = tape.gradient(loss, x)
        x.assign_sub(rate * grad / (tf.norm(grad) / np.sqrt(SEGMENT) + 1e-12))
        limited = _band_limit(x, band_hz)
        x.assign(limited / (tf.reduce_max(tf.abs(limited)) + 1e-8))
    return x.numpy()[0].astype(np.float32)


def top_excerpts(
    model: keras.Model,
    windows: np.ndarray,
    *,
    layer: str,
    unit: int | None = None,
    k: int = 5,
    names: list[str] | None = None,
) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """The ``k`` windows that drive ``layer``'s ``unit`` hardest, and one clip of them in that order.

    Parameters
    ----------
    windows : np.ndarray, shape (n, segment[, 1])
        Scaled as the model expects (for example :func:`~catdog_cnn.sound.windows.evaluation_windows`' ``x``).
    names : list of str
        What each window is (its file), returned for the chosen ones.

    Returns
    -------
    indices : np.ndarray of int, shape (k,)
        Best first; ties broken by index.
    clip : np.ndarray, shape (k * segment,)
        The windows one after another, each at its own level.
    chosen_names : list of str
    """
    x = np.asarray(windows, np.float32).reshape(len(windows), -1)
    values = unit_activation(model, x, layer=layer, unit=unit)
    order = np.lexsort((np.arange(len(values)), -np.round(values, 4)))[:k]
    return order, x[order].ravel(), [names[i] for i in order] if names else []


def sound_traits(x: np.ndarray, *, frame: int = TRAIT_FRAME, sample_rate: int = SAMPLE_RATE) -> dict[str, float]:
    """Three numbers that say what a sound is like, to compare what a network wants to hear with real windows.

    Returns
    -------
    dict
        ``centroid_hz``: the spectrum's centre of mass (bright sounds high); ``below_1khz``: the share of
        energy below 1 kHz; ``burstiness_db``: how much louder the loud 20-ms frames (90th percentile) are than
        the quiet ones (10th percentile), high for barks in silence, low for a steady hum.
    """
    x = np.asarray(x, dtype=float) - np.mean(x)
    power = np.abs(np.fft.rfft(x)) ** 2
    freqs = np.fft.rfftfreq(len(x), 1 / sample_rate)
    frames = x[: len(x) // frame * frame].reshape(-1, frame)
    level = 10 * np.log10(np.mean(frames**2, axis=1) + 1e-12)
    return {
        "centroid_hz": float((freqs * power).sum() / (power.sum() + 1e-12)),
        "below_1khz": float(power[freqs < 1000].sum() / (power.sum() + 1e-12)),
        "burstiness_db": float(np.percentile(level, 90) - np.percentile(level, 10)),
    }
