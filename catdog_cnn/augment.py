"""Training augmentation: changes drawn per window so that training windows sound as if recorded elsewhere."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.fft

from .config import SAMPLE_RATE
from .dsp import spectral_filter, tilt_gain

__all__ = ["Augmentation"]


@dataclass(frozen=True)
class Augmentation:
    """Random changes applied to training windows (never to evaluation windows).

    Attributes
    ----------
    noise_prob : float
        Probability that a window gets white noise added.
    noise_snr_db : tuple of float
        Range of the signal-to-noise ratio (dB, relative to the window's RMS).
    gain_db : tuple of float
        Range of a random gain in dB (no effect after ``"window"`` normalization).
    flip_prob : float
        Probability of inverting the polarity of a window.
    speed : tuple of float
        Range of playback-speed factors (pitch and tempo change together);
        (1, 1) turns it off.
    band_prob : float
        Probability that a window is band-limited, as by another microphone or a
        telephone line: frequencies below ``band_low_hz`` and above ``band_high_hz``
        (each drawn per window from its range) are removed.
    tilt_prob : float
        Probability that a window sounds as through a brighter or darker
        microphone (:func:`~catdog_cnn.dsp.tilt_gain`), with a slope drawn
        per window from ``tilt_db_per_octave`` (dB per octave).
    notch_prob : float
        Probability that one band of frequencies is removed from a window (a
        frequency mask, as in SpecAugment): ``notch_octaves`` wide (drawn per
        window), starting at a frequency drawn log-uniformly from ``notch_low_hz``.
    gap_prob : float
        Probability that a stretch of a window is silenced (a time mask), its
        length drawn from ``gap_s`` (seconds) and its start anywhere in the window.
    hum_prob : float
        Probability that a window gets mains hum: a sine at one of ``hum_hz``
        with a random phase and an amplitude of ``hum_level`` times the window's peak.
    reverb_prob : float
        Probability that a window sounds as in a reverberant room: it is convolved
        with exponentially decaying noise whose reverberation time (s, 60 dB of
        decay) is drawn from ``reverb_rt60_s``, mixed with the direct sound at a
        wet/dry ratio (RMS) drawn from ``reverb_wet``.
    background_prob : float
        Probability that a window gets another window of the batch (of either
        class) added quietly behind it, as a second sound in the room; the label
        stays the first window's.
    background_snr_db : tuple of float
        Range of the ratio (dB, RMS) of the window to the added one.
    mixup_alpha : float
        When above 0, :meth:`mix` blends every window with another of the batch,
        labels alike, with a weight drawn from Beta(alpha, alpha) (mixup).
    """

    noise_prob: float = 0.5
    noise_snr_db: tuple[float, float] = (5.0, 40.0)
    gain_db: tuple[float, float] = (0.0, 0.0)
    flip_prob: float = 0.5
    speed: tuple[float, float] = (1.0, 1.0)
    band_prob: float = 0.0
    band_low_hz: tuple[float, float] = (50.0, 500.0)
    band_high_hz: tuple[float, float] = (2500.0, 7000.0)
    tilt_prob: float = 0.0
    tilt_db_per_octave: tuple[float, float] = (-6.0, 6.0)
    notch_prob: float = 0.0
    notch_octaves: tuple[float, float] = (0.25, 1.0)
    notch_low_hz: tuple[float, float] = (200.0, 4000.0)
    gap_prob: float = 0.0
    gap_s: tuple[float, float] = (0.02, 0.2)
    hum_prob: float = 0.0
    hum_hz: tuple[float, ...] = (50.0, 60.0)
    hum_level: tuple[float, float] = (0.02, 0.3)
    reverb_prob: float = 0.0
    reverb_rt60_s: tuple[float, float] = (0.2, 1.0)
    reverb_wet: tuple[float, float] = (0.2, 1.0)
    background_prob: float = 0.0
    background_snr_db: tuple[float, float] = (5.0, 20.0)
    mixup_alpha: float = 0.0

    def __call__(self, x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """Return an augmented copy of ``x``, shape (n, segment)."""
        n = len(x)
        rms = np.sqrt(np.mean(x**2, axis=1, keepdims=True)) + 1e-8
        snr = rng.uniform(*self.noise_snr_db, size=(n, 1))
        noisy = rng.random((n, 1)) < self.noise_prob
        noise = rng.standard_normal(x.shape, dtype=np.float32) * (rms * 10 ** (-snr / 20))
        x = x + noise * noisy
        gain = 10 ** (rng.uniform(*self.gain_db, size=(n, 1)) / 20)
        sign = np.where(rng.random((n, 1)) < self.flip_prob, -1.0, 1.0)
        x = (x * gain * sign).astype(np.float32)
        changes = (
            (self.band_prob, self._band_limited),
            (self.tilt_prob, self._tilted),
            (self.notch_prob, self._notched),
            (self.gap_prob, self._with_gap),
            (self.hum_prob, self._with_hum),
            (self.reverb_prob, self._reverberant),
            (self.background_prob, self._with_background),
        )
        for prob, change in changes:
            if prob > 0:  # drawn only when asked for, so other recipes keep their batches
                x = change(x, rng)
        return x

    def _with_background(self, x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        n = len(x)
        if n < 2:  # no other window to add
            return x
        chosen = rng.random((n, 1)) < self.background_prob
        partner = x[(np.arange(n) + rng.integers(1, n, size=n)) % n]  # any window but itself
        snr = rng.uniform(*self.background_snr_db, size=(n, 1))
        rms = np.sqrt(np.mean(x**2, axis=1, keepdims=True))
        partner_rms = np.sqrt(np.mean(partner**2, axis=1, keepdims=True)) + 1e-8
        return (x + partner * (rms / partner_rms * 10 ** (-snr / 20)) * chosen).astype(np.float32)

    def _band_limited(self, x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        n, length = x.shape
        chosen = rng.random((n,)) < self.band_prob
        low = rng.uniform(*self.band_low_hz, size=(n, 1))[chosen]
        high = rng.uniform(*self.band_high_hz, size=(n, 1))[chosen]
        freqs = np.fft.rfftfreq(length, 1 / SAMPLE_RATE)
        return spectral_filter(x, chosen, (freqs >= low) & (freqs <= high))

    def _tilted(self, x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        n, length = x.shape
        chosen = rng.random((n,)) < self.tilt_prob
        slope = rng.uniform(*self.tilt_db_per_octave, size=(n, 1))[chosen]
        return spectral_filter(x, chosen, tilt_gain(length, slope))

    def _notched(self, x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        n, length = x.shape
        chosen = rng.random((n,)) < self.notch_prob
        low_log, high_log = np.log(self.notch_low_hz)
        low = np.exp(rng.uniform(low_log, high_log, size=(n, 1)))[chosen]
        high = low * 2 ** rng.uniform(*self.notch_octaves, size=(n, 1))[chosen]
        freqs = np.fft.rfftfreq(length, 1 / SAMPLE_RATE)
        return spectral_filter(x, chosen, (freqs < low) | (freqs > high))

    def _with_gap(self, x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        n, length = x.shape
        chosen = rng.random((n, 1)) < self.gap_prob
        size = (rng.uniform(*self.gap_s, size=(n, 1)) * SAMPLE_RATE).astype(np.int64)
        start = rng.integers(0, length, size=(n, 1))
        t = np.arange(length)
        silenced = chosen & (t >= start) & (t < start + size)
        return np.where(silenced, np.float32(0), x).astype(np.float32)

    def mix(self, x: np.ndarray, y: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        """Mixup: each window and label blended with a random partner's (unchanged when ``mixup_alpha`` is 0)."""
        if self.mixup_alpha <= 0:
            return x, y
        weight = rng.beta(self.mixup_alpha, self.mixup_alpha, size=len(x)).astype(np.float32)
        partner = rng.permutation(len(x))
        x = weight[:, None] * x + (1 - weight[:, None]) * x[partner]
        return x, weight * y + (1 - weight) * y[partner]

    def _reverberant(self, x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        n, length = x.shape
        chosen = np.flatnonzero(rng.random(n) < self.reverb_prob)
        if chosen.size == 0:
            return x
        tail = int(self.reverb_rt60_s[1] * SAMPLE_RATE)
        t = np.arange(tail, dtype=np.float32) / SAMPLE_RATE
        rt60 = rng.uniform(*self.reverb_rt60_s, size=(chosen.size, 1)).astype(np.float32)
        wet = rng.uniform(*self.reverb_wet, size=(chosen.size, 1)).astype(np.float32)
        decay = np.exp(-np.log(1000.0) * t / rt60)  # -60 dB at rt60
        response = rng.standard_normal((chosen.size, tail), dtype=np.float32) * decay
        response *= wet / np.sqrt(np.sum(response**2, axis=1, keepdims=True))
        response[:, 0] += 1.0  # the direct sound
        size = 1 << int(np.ceil(np.log2(length + tail)))
        spectrum = scipy.fft.rfft(x[chosen], size, axis=1) * scipy.fft.rfft(response, size, axis=1)
        x = x.copy()
        x[chosen] = scipy.fft.irfft(spectrum, size, axis=1)[:, :length]
        return x

    def _with_hum(self, x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        n, length = x.shape
        chosen = np.flatnonzero(rng.random(n) < self.hum_prob)
        # draws for every window, used for the chosen: the random stream does not depend on how many are chosen
        freq = rng.choice(np.asarray(self.hum_hz), size=(n, 1))[chosen]
        level = (rng.uniform(*self.hum_level, size=(n, 1)) * np.abs(x).max(axis=1, keepdims=True))[chosen]
        phase = rng.uniform(0, 2 * np.pi, size=(n, 1))[chosen]
        x = x.astype(np.float32)  # a copy: the caller's windows stay as they were
        x[chosen] = x[chosen] + level * np.sin(2 * np.pi * freq * np.arange(length) / SAMPLE_RATE + phase)
        return x
