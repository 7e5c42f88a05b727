"""The mel scale, shared by the log-mel baseline and the band-pass first layer."""

from __future__ import annotations

import numpy as np

__all__ = ["hz_to_mel", "mel_to_hz", "mel_edges"]


def hz_to_mel(f: np.ndarray | float) -> np.ndarray:
    """Frequency in Hz to mel (O'Shaughnessy's formula: 1000 Hz is about 1000 mel)."""
    return 2595.0 * np.log10(1.0 + np.asarray(f) / 700.0)


def mel_to_hz(m: np.ndarray | float) -> np.ndarray:
    """Mel back to Hz; the inverse of :func:`hz_to_mel`."""
    return 700.0 * (10 ** (np.asarray(m) / 2595.0) - 1.0)


def mel_edges(n: int, low_hz: float, high_hz: float) -> np.ndarray:
    """``n`` frequencies (Hz) from ``low_hz`` to ``high_hz``, evenly spaced on the mel scale."""
    return mel_to_hz(np.linspace(hz_to_mel(low_hz), hz_to_mel(high_hz), n))
