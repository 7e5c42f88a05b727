"""Scoring a model on whole clips: per-window and per-clip accuracy, ROC AUC, confusion matrices."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from scipy.stats import rankdata

from ..config import LONG_FILE_SECONDS, LOUDNESS_EDGES, SAMPLE_RATE, SEGMENT
from ..sound.data import LABELS, Clip
from ..sound.windows import EvalWindows, evaluation_windows

__all__ = [
    "roc_auc",
    "confusion",
    "clip_votes",
    "score",
    "evaluate",
    "window_groups",
    "long_share",
]

Predictor = Callable[[np.ndarray], np.ndarray]


def roc_auc(y: np.ndarray, p: np.ndarray) -> float:
    """Area under the ROC curve (the Mann-Whitney U statistic; ties count half)."""
    y = np.asarray(y).astype(bool)
    n_pos, n_neg = int(y.sum()), int((~y).sum())
    if n_pos == 0 or n_neg == 0:
        return float("nan")
    ranks = rankdata(p)
    return float((ranks[y].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def confusion(y: np.ndarray, pred: np.ndarray) -> list[list[int]]:
    """2 x 2 confusion matrix ``[[cat as cat, cat as dog], [dog as cat, dog as dog]]``."""
    m = np.zeros((2, 2), int)
    np.add.at(m, (np.asarray(y).astype(int), np.asarray(pred).astype(int)), 1)
    return m.tolist()


def clip_votes(p: np.ndarray, clip: np.ndarray, n_clips: int) -> tuple[np.ndarray, np.ndarray]:
    """Combine window probabilities of each clip.

    Returns
    -------
    mean_p : np.ndarray, shape (n_clips,)
        Mean probability of dog over the clip's windows.
    majority : np.ndarray, shape (n_clips,)
        1 where more than half of the windows say dog; a tie goes to ``mean_p > 0.5``.
    """
    counts = np.bincount(clip, minlength=n_clips)
    mean_p = np.bincount(clip, weights=p, minlength=n_clips) / counts
    dog_share = np.bincount(clip, weights=(p > 0.5).astype(float), minlength=n_clips) / counts
    majority = np.where(dog_share == 0.5, mean_p > 0.5, dog_share > 0.5).astype(int)
    return mean_p, majority


def score(p: np.ndarray, windows: EvalWindows) -> dict[str, Any]:
    """All metrics for window probabilities ``p`` (shape (n_windows,)) of ``windows``.

    Returns
    -------
    dict
        ``segment_accuracy``, ``clip_accuracy_mean`` (mean-probability vote),
        ``clip_accuracy_majority``, ``segment_auc``, ``clip_auc``,
        ``segment_confusion``, ``clip_confusion``, ``n_segments``, ``n_clips``
        and ``files``: one row per clip with its name, label, mean p_dog,
        majority vote and window count.
    """
    p = np.asarray(p, dtype=float).ravel()
    mean_p, majority = clip_votes(p, windows.clip, len(windows.names))
    y_clip = windows.clip_labels
    counts = np.bincount(windows.clip, minlength=len(windows.names))
    files = [
        {"file": n, "label": LABELS[t], "p_dog": round(float(m), 4), "vote": LABELS[v], "windows": int(c)}
        for n, t, m, v, c in zip(windows.names, y_clip, mean_p, majority, counts, strict=True)
    ]
    return {
        "segment_accuracy": float(np.mean((p > 0.5) == windows.y)),
        "clip_accuracy_mean": float(np.mean((mean_p > 0.5) == y_clip)),
        "clip_accuracy_majority": float(np.mean(majority == y_clip)),
        "segment_auc": roc_auc(windows.y, p),
        "clip_auc": roc_auc(y_clip, mean_p),
        "segment_confusion": confusion(windows.y, p > 0.5),
        "clip_confusion": confusion(y_clip, mean_p > 0.5),
        "n_segments": int(len(p)),
        "n_clips": int(len(y_clip)),
        "files": files,
    }


def evaluate(
    predict: Predictor,
    clips: list[Clip],
    *,
    normalization: str = "window",
    segment: int = SEGMENT,
    hop: int = SEGMENT,
    min_peak: float = 0.0,
) -> dict[str, Any]:
    """Cut ``clips`` into fixed windows, predict them and :func:`score` the result.

    Parameters
    ----------
    predict : callable
        Maps windows of shape (n, segment, 1) to probabilities of dog, shape (n,)
        or (n, 1): ``model.predict`` of a Keras model or a baseline's ``predict``.
    clips : list of Clip
        Clips to score (usually the test files).
    normalization : {"window", "none"}
        Scaling of the evaluation windows (see :func:`~catdog_cnn.sound.windows.clip_windows`).
    min_peak : float
        Keep only windows that reach this share of their clip's peak (0: all).

    Returns
    -------
    dict
        See :func:`score`; also records ``normalization`` and ``hop``.
    """
    windows = evaluation_windows(clips, segment=segment, hop=hop, normalization=normalization, min_peak=min_peak)
    result = score(predict(windows.x), windows)
    return {"normalization": normalization, "hop": hop, "min_peak": min_peak, **result}


def window_groups(
    clips: list[Clip],
    windows: EvalWindows,
    *,
    long_seconds: float = LONG_FILE_SECONDS,
    loudness_edges: tuple[float, ...] = LOUDNESS_EDGES,
    sample_rate: int = SAMPLE_RATE,
) -> dict[str, np.ndarray]:
    """Split the windows of ``clips`` by class and file length, and by class and loudness.

    ``windows`` must have been cut from ``clips`` with the default hop (see
    :func:`~catdog_cnn.sound.generator.evaluation_windows`). Loudness is a window's peak
    over its file's peak, binned by ``loudness_edges``; a bin includes its low edge,
    the last one its high edge too.

    Returns
    -------
    dict
        Group name (e.g. ``"dog, files over 7 s"``, ``"cat, window peak 0-0.1 of the file's"``)
        -> boolean mask over the windows.
    """
    seconds = np.array([len(c.audio) / sample_rate for c in clips])[windows.clip]
    raw = evaluation_windows(clips, segment=windows.x.shape[1], normalization="none").x[..., 0]
    file_peak = np.array([np.abs(c.audio).max() for c in clips])[windows.clip]
    loudness = np.abs(raw).max(axis=1) / np.where(file_peak > 0, file_peak, 1.0)
    loudness_bin = np.searchsorted(loudness_edges[1:-1], loudness, side="right")
    groups = {}
    for label, name in enumerate(LABELS):
        of_class = windows.y == label
        groups[f"{name}, files up to {long_seconds:g} s"] = of_class & (seconds <= long_seconds)
        groups[f"{name}, files over {long_seconds:g} s"] = of_class & (seconds > long_seconds)
        for i, (low, high) in enumerate(zip(loudness_edges[:-1], loudness_edges[1:], strict=True)):
            groups[f"{name}, window peak {low:g}-{high:g} of the file's"] = of_class & (loudness_bin == i)
    return groups


def long_share(
    clips: list[Clip], *, long_seconds: float = LONG_FILE_SECONDS, sample_rate: int = SAMPLE_RATE
) -> dict[str, float]:
    """Share of each class's audio (by duration) that lies in files longer than ``long_seconds``."""
    shares = {}
    for label, name in enumerate(LABELS):
        lengths = np.array([len(c.audio) for c in clips if c.label == label]) / sample_rate
        shares[name] = float(lengths[lengths > long_seconds].sum() / lengths.sum()) if lengths.size else float("nan")
    return shares
