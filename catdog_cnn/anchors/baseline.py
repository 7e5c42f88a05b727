"""The classical baseline: log-mel band statistics and logistic regression.

Each 1-s window becomes a log-mel spectrogram (numpy/scipy only); the mean and
standard deviation of every band over time form an 80-number summary that a
scikit-learn logistic regression classifies. It is trained on windows drawn by
the same :class:`~catdog_cnn.sound.generator.WindowSampler` as the CNN and scored by
the same :func:`~catdog_cnn.nets.evaluate.evaluate`.
"""

from __future__ import annotations

import numpy as np
from scipy.signal import stft
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from ..config import SAMPLE_RATE, SEED
from ..sound.data import Clip
from ..sound.dsp import mel_edges
from ..sound.generator import WindowSampler

__all__ = ["mel_filterbank", "log_mel", "mel_features", "LogMelBaseline"]

N_FFT = 512  # 32 ms frames at 16 kHz
HOP = 256
N_MELS = 40
TRAIN_WINDOWS = 4096  # windows drawn to fit the regression


def mel_filterbank(*, n_mels: int = N_MELS, n_fft: int = N_FFT, sample_rate: int = SAMPLE_RATE) -> np.ndarray:
    """Triangular filters evenly spaced on the mel scale from 0 Hz to Nyquist.

    Returns
    -------
    np.ndarray, shape (n_mels, n_fft // 2 + 1)
    """
    freqs = np.linspace(0, sample_rate / 2, n_fft // 2 + 1)
    edges = mel_edges(n_mels + 2, 0.0, sample_rate / 2)
    lower, centre, upper = edges[:-2, None], edges[1:-1, None], edges[2:, None]
    rising = (freqs - lower) / (centre - lower)
    falling = (upper - freqs) / (upper - centre)
    return np.maximum(0.0, np.minimum(rising, falling))


def log_mel(x: np.ndarray, *, n_mels: int = N_MELS, n_fft: int = N_FFT, hop: int = HOP) -> np.ndarray:
    """Log-mel spectrograms of windows ``x`` (shape (n, segment) or (n, segment, 1)).

    Returns
    -------
    np.ndarray, shape (n, n_mels, frames)
        Natural log of mel-band power (+1e-6).
    """
    x = np.asarray(x, dtype=np.float32).reshape(len(x), -1)
    _, _, spec = stft(x, nperseg=n_fft, noverlap=n_fft - hop, boundary=None, padded=False)
    power = np.abs(spec) ** 2
    return np.log(np.einsum("mf,nft->nmt", mel_filterbank(n_mels=n_mels, n_fft=n_fft), power) + 1e-6)


def mel_features(x: np.ndarray) -> np.ndarray:
    """Per-band mean and standard deviation over time of :func:`log_mel`, shape (n, 2 * n_mels)."""
    spec = log_mel(x)
    return np.concatenate([spec.mean(axis=2), spec.std(axis=2)], axis=1)


class LogMelBaseline:
    """Log-mel statistics + standardisation + logistic regression.

    ``predict(x)`` takes windows of shape (n, segment[, 1]) and returns the
    probability of dog, shape (n,), so it plugs into :func:`~catdog_cnn.nets.evaluate.evaluate`.
    """

    def __init__(self, *, C: float = 1.0) -> None:
        self.pipeline = make_pipeline(StandardScaler(), LogisticRegression(C=C, max_iter=2000))

    def fit(self, x: np.ndarray, y: np.ndarray) -> LogMelBaseline:
        """Fit on windows ``x`` with labels ``y`` (0 cat, 1 dog); returns self."""
        self.pipeline.fit(mel_features(x), y)
        return self

    def fit_clips(
        self,
        clips: list[Clip],
        *,
        n_windows: int = TRAIN_WINDOWS,
        normalization: str = "window",
        seed: int = SEED,
    ) -> LogMelBaseline:
        """Fit on ``n_windows`` balanced random windows of ``clips`` (as the CNN is fed); returns self."""
        x, y = WindowSampler(clips, normalization=normalization).batch(np.random.default_rng(seed), n_windows)
        return self.fit(x, y)

    def predict(self, x: np.ndarray) -> np.ndarray:
        """Probability of dog for each window, shape (n,)."""
        return self.pipeline.predict_proba(mel_features(x))[:, 1]
