"""Training augmentation: changes drawn per window so that training windows sound as if recorded elsewhere.

Every change beyond the always-on noise and polarity flip is a :class:`Transform`, and every
transform is registered in :data:`TRANSFORMS` by its class statement, under the name given there:
adding one is writing one class. A recipe lists the transforms it uses, in the order they apply.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from ..config import SAMPLE_RATE, CatDogError
from .dsp import spectral_filter, tilt_gain

__all__ = ["TRANSFORMS", "Transform", "BandLimit", "Tilt", "Hum", "Augmentation", "transform_from_dict"]

TRANSFORMS: dict[str, type[Transform]] = {}


@dataclass(frozen=True)
class Transform:
    """A random change to training windows; ``class T(Transform, name="t")`` registers ``T`` as ``"t"``.

    A subclass defines :meth:`apply`; one that changes labels too (mixup) overrides ``__call__``.
    """

    name: ClassVar[str]

    def __init_subclass__(cls, *, name: str, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if name in TRANSFORMS:
            raise CatDogError(f"an augmentation transform is already named {name!r}")
        cls.name = name
        TRANSFORMS[name] = cls

    def apply(self, x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """Return changed windows ``x``, shape (n, segment)."""
        raise NotImplementedError

    def __call__(self, x: np.ndarray, y: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        return self.apply(x, rng), y

    def to_dict(self) -> dict[str, Any]:
        """``{"name": ..., **parameters}``, as ``config.json`` keeps it."""
        return {"name": self.name, **{k: list(v) if isinstance(v, tuple) else v for k, v in vars(self).items()}}


def transform_from_dict(saved: dict[str, Any]) -> Transform:
    """The transform that :meth:`Transform.to_dict` wrote.

    Raises
    ------
    CatDogError
        If no transform of that name is registered.
    """
    params = dict(saved)
    name = params.pop("name")
    if name not in TRANSFORMS:
        raise CatDogError(
            f"unknown augmentation transform {name!r}; the registered ones are {sorted(TRANSFORMS)} "
            "(the studies' own transforms are registered by importing experiments/transforms.py)"
        )
    return TRANSFORMS[name](**{k: tuple(v) if isinstance(v, list) else v for k, v in params.items()})


@dataclass(frozen=True)
class BandLimit(Transform, name="band"):
    """A share ``prob`` of windows band-limited, as by another microphone or a telephone line.

    Attributes
    ----------
    prob : float
        Share of windows changed.
    low_hz, high_hz : tuple of float
        Ranges of the band's edges (Hz), drawn per window; frequencies outside the band are removed.
    """

    prob: float
    low_hz: tuple[float, float] = (50.0, 500.0)
    high_hz: tuple[float, float] = (2500.0, 7000.0)

    def apply(self, x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        n, length = x.shape
        chosen = rng.random((n,)) < self.prob
        low = rng.uniform(*self.low_hz, size=(n, 1))[chosen]
        high = rng.uniform(*self.high_hz, size=(n, 1))[chosen]
        freqs = np.fft.rfftfreq(length, 1 / SAMPLE_RATE)
        return spectral_filter(x, chosen, (freqs >= low) & (freqs <= high))


@dataclass(frozen=True)
class Tilt(Transform, name="tilt"):
    """A share ``prob`` of windows as through a brighter or darker microphone (:func:`~catdog_cnn.sound.dsp.tilt_gain`).

    Attributes
    ----------
    prob : float
        Share of windows changed.
    db_per_octave : tuple of float
        Range of the slope (dB per octave), drawn per window.
    """

    prob: float
    db_per_octave: tuple[float, float] = (-6.0, 6.0)

    def apply(self, x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        n, length = x.shape
        chosen = rng.random((n,)) < self.prob
        slope = rng.uniform(*self.db_per_octave, size=(n, 1))[chosen]
        return spectral_filter(x, chosen, tilt_gain(length, slope))


@dataclass(frozen=True)
class Hum(Transform, name="hum"):
    """Mains hum on a share ``prob`` of windows: a sine at one of ``hz`` with a random phase.

    Attributes
    ----------
    prob : float
        Share of windows changed.
    hz : tuple of float
        The mains frequencies to choose from.
    level : tuple of float
        Range of the hum's amplitude, as a share of the window's peak.
    """

    prob: float
    hz: tuple[float, ...] = (50.0, 60.0)
    level: tuple[float, float] = (0.02, 0.3)

    def apply(self, x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        n, length = x.shape
        chosen = np.flatnonzero(rng.random(n) < self.prob)
        # draws for every window, used for the chosen: the random stream does not depend on how many are chosen
        freq = rng.choice(np.asarray(self.hz), size=(n, 1))[chosen]
        level = (rng.uniform(*self.level, size=(n, 1)) * np.abs(x).max(axis=1, keepdims=True))[chosen]
        phase = rng.uniform(0, 2 * np.pi, size=(n, 1))[chosen]
        x = x.astype(np.float32)  # a copy: the caller's windows stay as they were
        x[chosen] = x[chosen] + level * np.sin(2 * np.pi * freq * np.arange(length) / SAMPLE_RATE + phase)
        return x


@dataclass(frozen=True)
class Augmentation:
    """Random changes applied to training windows (never to evaluation windows).

    Attributes
    ----------
    noise_prob : float
        Probability that a window gets white noise added.
    noise_snr_db : tuple of float
        Range of the signal-to-noise ratio (dB, relative to the window's RMS).
    flip_prob : float
        Probability of inverting the polarity of a window.
    speed : tuple of float
        Range of playback-speed factors (pitch and tempo change together), applied
        where windows are read (:class:`~catdog_cnn.sound.generator.WindowSampler`); (1, 1) turns it off.
    transforms : tuple of Transform
        Further changes, applied in this order.
    """

    noise_prob: float = 0.5
    noise_snr_db: tuple[float, float] = (5.0, 40.0)
    flip_prob: float = 0.5
    speed: tuple[float, float] = (1.0, 1.0)
    transforms: tuple[Transform, ...] = ()

    def __call__(self, x: np.ndarray, y: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        """Return augmented copies of windows ``x``, shape (n, segment), and their labels ``y``."""
        n = len(x)
        rms = np.sqrt(np.mean(x**2, axis=1, keepdims=True)) + 1e-8
        snr = rng.uniform(*self.noise_snr_db, size=(n, 1))
        noisy = rng.random((n, 1)) < self.noise_prob
        noise = rng.standard_normal(x.shape, dtype=np.float32) * (rms * 10 ** (-snr / 20))
        x = x + noise * noisy
        rng.random((n, 1))  # one unused draw per window, part of the random stream the shipped models trained on
        sign = np.where(rng.random((n, 1)) < self.flip_prob, -1.0, 1.0)
        x = (x * sign).astype(np.float32)
        for transform in self.transforms:
            x, y = transform(x, y, rng)
        return x, y

    def to_dict(self) -> dict[str, Any]:
        """The augmentation as ``config.json`` keeps it."""
        return {
            "noise_prob": self.noise_prob,
            "noise_snr_db": list(self.noise_snr_db),
            "flip_prob": self.flip_prob,
            "speed": list(self.speed),
            "transforms": [t.to_dict() for t in self.transforms],
        }

    @classmethod
    def from_dict(cls, saved: dict[str, Any]) -> Augmentation:
        """The augmentation that :meth:`to_dict` wrote."""
        return cls(
            noise_prob=saved["noise_prob"],
            noise_snr_db=tuple(saved["noise_snr_db"]),
            flip_prob=saved["flip_prob"],
            speed=tuple(saved["speed"]),
            transforms=tuple(transform_from_dict(t) for t in saved["transforms"]),
        )
