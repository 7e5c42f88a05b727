"""Fixed windows of whole recordings, for evaluation and prediction (numpy only, no TensorFlow).

Every recording is cut into consecutive one-second windows; how they are
scaled (``normalization``) must match how the model's training windows were.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..config import SEGMENT, CatDogError
from .data import Clip

__all__ = ["peak_normalize", "clip_windows", "EvalWindows", "evaluation_windows"]


def peak_normalize(x: np.ndarray) -> np.ndarray:
    """Divide every row of ``x`` (shape (n, segment)) by its absolute peak; silent rows stay zero."""
    peak = np.abs(x).max(axis=-1, keepdims=True)
    return x / np.where(peak > 0, peak, 1.0)


def clip_windows(
    audio: np.ndarray,
    *,
    segment: int = SEGMENT,
    hop: int = SEGMENT,
    normalization: str = "window",
    min_peak: float = 0.0,
) -> np.ndarray:
    """Cut a clip into consecutive windows for evaluation or prediction.

    Parameters
    ----------
    audio : np.ndarray, shape (n,)
        float32 samples at 16 kHz.
    segment, hop : int
        Window length and step in samples; windows lie wholly inside the clip,
        and a clip shorter than ``segment`` is zero-padded into one window.
    normalization : {"window", "none"}
        ``"window"`` divides each window by its own peak (as training windows
        are with ``"window"`` normalization); ``"none"`` keeps the raw scale.
    min_peak : float
        Keep only windows whose peak reaches ``min_peak`` times the clip's
        peak, as training keeps only windows that reach the threshold; the
        loudest window is always kept. 0 keeps every window.

    Returns
    -------
    np.ndarray, shape (n_windows, segment)
    """
    if len(audio) < segment:
        audio = np.pad(audio, (0, segment - len(audio)))
    starts = np.arange(0, len(audio) - segment + 1, hop)
    windows = audio[starts[:, None] + np.arange(segment)]
    if min_peak > 0:
        peaks = np.abs(windows).max(axis=1)
        windows = windows[(peaks >= min_peak * np.abs(audio).max()) | (peaks == peaks.max())]
    if normalization == "window":
        return peak_normalize(windows).astype(np.float32)
    if normalization == "none":
        return windows.astype(np.float32)
    raise CatDogError(f"evaluation normalization must be 'window' or 'none', not {normalization!r}")


@dataclass
class EvalWindows:
    """Fixed windows of a list of clips, with where each window came from.

    ``x`` has shape (n_windows, segment, 1); ``y`` and ``clip`` (index into
    ``names``) have shape (n_windows,); ``clip_labels`` has shape (n_clips,).
    """

    x: np.ndarray
    y: np.ndarray
    clip: np.ndarray
    names: list[str]
    clip_labels: np.ndarray


def evaluation_windows(
    clips: list[Clip],
    *,
    segment: int = SEGMENT,
    hop: int = SEGMENT,
    normalization: str = "window",
    min_peak: float = 0.0,
) -> EvalWindows:
    """Cut every clip into windows (see :func:`clip_windows`) and stack them.

    Returns
    -------
    EvalWindows
    """
    parts = [
        clip_windows(c.audio, segment=segment, hop=hop, normalization=normalization, min_peak=min_peak) for c in clips
    ]
    counts = [len(p) for p in parts]
    return EvalWindows(
        x=np.concatenate(parts)[..., None],
        y=np.repeat([c.label for c in clips], counts).astype(np.float32),
        clip=np.repeat(np.arange(len(clips)), counts),
        names=[c.name for c in clips],
        clip_labels=np.array([c.label for c in clips]),
    )
