"""The augmentation transforms and training options that studies tried and that were not adopted.

Importing this file registers the transforms ``notch``, ``gap``, ``reverb``, ``background`` and
``mixup`` with :data:`catdog_cnn.sound.augment.TRANSFORMS`, so that a study's recipe can list them.
:func:`compile_with` and :class:`FileBalancedSampler` are the optimizer, loss and window-drawing
options of the studies; :func:`training_options` turns a study's options into arguments of ``train``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import keras
import numpy as np
import scipy.fft

from catdog_cnn.config import SAMPLE_RATE, STEPS_PER_EXECUTION, CatDogError
from catdog_cnn.nets.recipes import TrainConfig
from catdog_cnn.sound.augment import Transform
from catdog_cnn.sound.dsp import spectral_filter
from catdog_cnn.sound.generator import WindowSampler


@dataclass(frozen=True)
class Notch(Transform, name="notch"):
    """One band of frequencies removed (a frequency mask, as in SpecAugment), ``octaves`` wide, from ``low_hz``."""

    prob: float
    octaves: tuple[float, float] = (0.25, 1.0)
    low_hz: tuple[float, float] = (200.0, 4000.0)

    def apply(self, x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        n, length = x.shape
        chosen = rng.random((n,)) < self.prob
        low_log, high_log = np.log(self.low_hz)
        low = np.exp(rng.uniform(low_log, high_log, size=(n, 1)))[chosen]
        high = low * 2 ** rng.uniform(*self.octaves, size=(n, 1))[chosen]
        freqs = np.fft.rfftfreq(length, 1 / SAMPLE_RATE)
        return spectral_filter(x, chosen, (freqs < low) | (freqs > high))


@dataclass(frozen=True)
class Gap(Transform, name="gap"):
    """A stretch of ``seconds`` (drawn per window, starting anywhere) silenced: a time mask."""

    prob: float
    seconds: tuple[float, float] = (0.02, 0.2)

    def apply(self, x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        n, length = x.shape
        chosen = rng.random((n, 1)) < self.prob
        size = (rng.uniform(*self.seconds, size=(n, 1)) * SAMPLE_RATE).astype(np.int64)
        start = rng.integers(0, length, size=(n, 1))
        t = np.arange(length)
        silenced = chosen & (t >= start) & (t < start + size)
        return np.where(silenced, np.float32(0), x).astype(np.float32)


@dataclass(frozen=True)
class Reverb(Transform, name="reverb"):
    """A reverberant room: convolution with decaying noise of reverberation time ``rt60_s``, mixed at ``wet``."""

    prob: float
    rt60_s: tuple[float, float] = (0.2, 1.0)
    wet: tuple[float, float] = (0.2, 1.0)

    def apply(self, x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        n, length = x.shape
        chosen = np.flatnonzero(rng.random(n) < self.prob)
        if chosen.size == 0:
            return x
        tail = int(self.rt60_s[1] * SAMPLE_RATE)
        t = np.arange(tail, dtype=np.float32) / SAMPLE_RATE
        rt60 = rng.uniform(*self.rt60_s, size=(chosen.size, 1)).astype(np.float32)
        wet = rng.uniform(*self.wet, size=(chosen.size, 1)).astype(np.float32)
        decay = np.exp(-np.log(1000.0) * t / rt60)  # -60 dB at rt60
        response = rng.standard_normal((chosen.size, tail), dtype=np.float32) * decay
        response *= wet / np.sqrt(np.sum(response**2, axis=1, keepdims=True))
        response[:, 0] += 1.0  # the direct sound
        size = 1 << int(np.ceil(np.log2(length + tail)))
        spectrum = scipy.fft.rfft(x[chosen], size, axis=1) * scipy.fft.rfft(response, size, axis=1)
        x = x.copy()
        x[chosen] = scipy.fft.irfft(spectrum, size, axis=1)[:, :length]
        return x


@dataclass(frozen=True)
class Background(Transform, name="background"):
    """Another window of the batch added quietly behind, at ``snr_db`` (RMS) below; the label stays."""

    prob: float
    snr_db: tuple[float, float] = (5.0, 20.0)

    def apply(self, x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        n = len(x)
        if n < 2:  # no other window to add
            return x
        chosen = rng.random((n, 1)) < self.prob
        partner = x[(np.arange(n) + rng.integers(1, n, size=n)) % n]  # any window but itself
        snr = rng.uniform(*self.snr_db, size=(n, 1))
        rms = np.sqrt(np.mean(x**2, axis=1, keepdims=True))
        partner_rms = np.sqrt(np.mean(partner**2, axis=1, keepdims=True)) + 1e-8
        return (x + partner * (rms / partner_rms * 10 ** (-snr / 20)) * chosen).astype(np.float32)


@dataclass(frozen=True)
class Mixup(Transform, name="mixup"):
    """Every window and label blended with a random partner's, weight drawn from Beta(alpha, alpha)."""

    alpha: float

    def __call__(self, x: np.ndarray, y: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        weight = rng.beta(self.alpha, self.alpha, size=len(x)).astype(np.float32)
        partner = rng.permutation(len(x))
        x = weight[:, None] * x + (1 - weight[:, None]) * x[partner]
        return x, weight * y + (1 - weight) * y[partner]


class FileBalancedSampler(WindowSampler):
    """Training windows that give every file of a class the same share, drawn among its own kept offsets."""

    def __init__(self, clips: list, **options: Any) -> None:
        super().__init__(clips, **options)
        self.cumulative = []
        for offsets, file_starts in zip(self.offsets, self.file_starts, strict=True):
            file_of = np.searchsorted(file_starts, offsets, side="right") - 1
            cumulative = np.cumsum(1.0 / np.bincount(file_of)[file_of])
            self.cumulative.append(cumulative / cumulative[-1])

    def starts(self, label: int, n: int, rng: np.random.Generator) -> np.ndarray:
        drawn = np.searchsorted(self.cumulative[label], rng.random(n), side="right")
        return self.offsets[label][np.minimum(drawn, len(self.offsets[label]) - 1)]


def compile_with(
    *, weight_decay: float = 0.0, label_smoothing: float = 0.0, cosine: bool = False
) -> Any:  # Callable[[keras.Model, TrainConfig], keras.Model]
    """A ``compile_model`` for :func:`catdog_cnn.nets.train.train` with the studies' optimizer and loss options.

    ``weight_decay`` shrinks every weight by that share of the step size at each step (decoupled, as
    in AdamW); ``label_smoothing`` trains towards labels moved that far towards 0.5; ``cosine`` lowers
    the step size along a half cosine to 0 over all epochs (it cannot be combined with ``reduce_lr``).
    """

    def compile_model(model: keras.Model, config: TrainConfig) -> keras.Model:
        steps = config.optimisation
        if cosine and steps.reduce_lr:
            raise CatDogError("choose one learning-rate schedule: cosine or reduce_lr, not both")
        rate: Any = steps.learning_rate
        if cosine:
            rate = keras.optimizers.schedules.CosineDecay(rate, decay_steps=steps.epochs * steps.steps_per_epoch)
        model.compile(
            optimizer=keras.optimizers.Adam(
                rate, weight_decay=weight_decay or None, use_ema=steps.ema, ema_momentum=0.99
            ),
            loss=keras.losses.BinaryCrossentropy(label_smoothing=label_smoothing),
            metrics=["accuracy"],
            steps_per_execution=min(STEPS_PER_EXECUTION, steps.steps_per_epoch),
        )
        return model

    return compile_model


def training_options(options: dict[str, Any]) -> dict[str, Any]:
    """The keyword arguments of :func:`catdog_cnn.nets.train.train` for a study's ``options``.

    ``options`` may hold ``balance="file"`` (:class:`FileBalancedSampler`) and the arguments of
    :func:`compile_with`; an empty dict trains as the package does.
    """
    options = dict(options)
    kwargs: dict[str, Any] = {}
    if options.pop("balance", "offset") == "file":
        kwargs["sampler"] = FileBalancedSampler
    if options:
        kwargs["compile_model"] = compile_with(**options)
    return kwargs
