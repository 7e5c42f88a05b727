"""Signal helpers shared by training augmentation, the recording conditions and the models: mel, tilt, filtering."""

from __future__ import annotations

import numpy as np

from ..config import SAMPLE_RATE

__all__ = ["hz_to_mel", "mel_to_hz", "mel_edges", "TILT_PIVOT_HZ", "TILT_FLAT_BELOW_HZ", "tilt_gain", "spectral_filter"]


def hz_to_mel(f: np.ndarray | float) -> np.ndarray:
    """Frequency in Hz to mel (O'Shaughnessy's formula: 1000 Hz is about 1000 mel)."""
    return 2595.0 * np.log10(1.0 + np.asarray(f) / 700.0)


def mel_to_hz(m: np.ndarray | float) -> np.ndarray:
    """Mel back to Hz; the inverse of :func:`hz_to_mel`."""
    return 700.0 * (10 ** (np.asarray(m) / 2595.0) - 1.0)


def mel_edges(n: int, low_hz: float, high_hz: float) -> np.ndarray:
    """``n`` frequencies (Hz) from ``low_hz`` to ``high_hz``, evenly spaced on the mel scale."""
    return mel_to_hz(np.linspace(hz_to_mel(low_hz), hz_to_mel(high_hz), n))


TILT_PIVOT_HZ = 1000.0  # a tilted sound keeps its level here
TILT_FLAT_BELOW_HZ = 100.0  # and is not tilted further below this


def tilt_gain(length: int, db_per_octave: float | np.ndarray) -> np.ndarray:
    """Gain of every ``np.fft.rfft`` bin of a ``length``-sample sound through a brighter or darker microphone.

    The gain rises by ``db_per_octave`` dB per octave above :data:`TILT_PIVOT_HZ`
    (0 dB there) and falls as much per octave below it, flat below
    :data:`TILT_FLAT_BELOW_HZ`. ``db_per_octave`` of shape (n, 1) gives n rows of gains.
    """
    freqs = np.clip(np.fft.rfftfreq(length, 1 / SAMPLE_RATE), TILT_FLAT_BELOW_HZ, None)
    return 10 ** (np.asarray(db_per_octave) * np.log2(freqs / TILT_PIVOT_HZ) / 20)


def spectral_filter(x: np.ndarray, chosen: np.ndarray, gain: np.ndarray) -> np.ndarray:
    """A copy of windows ``x`` whose ``chosen`` rows have their spectra multiplied by ``gain`` (one row each)."""
    x = x.copy()
    x[chosen] = np.fft.irfft(np.fft.rfft(x[chosen], axis=1) * gain, n=x.shape[1], axis=1)
    return x
