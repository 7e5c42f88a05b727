"""What every figure shares: the colours, a new Axes, the spectrogram, and saving into ``img/``."""

from __future__ import annotations

import os
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import scipy.signal
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from ...config import img_dir as default_img_dir
from ...serve.figures import CLASS_COLORS as CLASS_COLORS  # the colours the report uses too
from ...serve.figures import EVIDENCE_CMAP as EVIDENCE_CMAP
from ...sound.data import LABELS, Clip

# Okabe and Ito's palette, told apart with colour-blindness too; line styles tell a ninth and later line apart
LINE_COLORS = ("#000000", "#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7")
LINE_STYLES = ("-", "--", ":", "-.")
FIT_COLORS = ("0.15", "tab:green")  # training and validation curves: neither a class colour
SPECTROGRAM_WINDOW = 512  # samples per spectrogram frame (32 ms at 16 kHz)


def _axes(ax: Axes | None, figsize: tuple[float, float] = (7, 3.5)) -> Axes:
    if ax is None:
        _, ax = plt.subplots(figsize=figsize, layout="constrained")
    return ax


def save(fig: Figure, name: str, *, img_dir: str | os.PathLike | None = None, colors: int | None = None) -> Path:
    """Save ``fig`` as ``img_dir/name`` (PNG, 100 dpi) and return the path.

    ``img_dir`` defaults to :func:`~catdog_cnn.config.img_dir` (``$CATDOG_IMG_DIR`` or ``img/``).
    ``colors`` (say 64) stores the PNG with a palette of that many colours: a spectrogram's
    noise-like detail then takes a fraction of the bytes, with no visible change.
    """
    path = Path(img_dir if img_dir is not None else default_img_dir()) / name
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100)
    if colors is not None:
        from PIL import Image  # matplotlib's own dependency

        Image.open(path).convert("RGB").quantize(colors).save(path, optimize=True)
    return path


def _spectrogram(ax: Axes, audio: np.ndarray, *, window: int, floor_db: float, sample_rate: int) -> None:
    """Power (dB) over time and frequency (kHz), Hann windows with 75% overlap, the ``floor_db`` below the peak."""
    freqs, times, power = scipy.signal.spectrogram(
        audio, sample_rate, window="hann", nperseg=window, noverlap=3 * window // 4
    )
    db = 10 * np.log10(power + 1e-20)
    extent = (times[0], times[-1], freqs[0] / 1000, freqs[-1] / 1000)
    ax.imshow(db, origin="lower", aspect="auto", extent=extent, vmin=db.max() - floor_db, vmax=db.max())
    ax.set_ylabel("kHz")


def _clip_rows(
    clips: list[Clip], *, seconds: float | None, sample_rate: int
) -> tuple[Figure, list[tuple[Axes, Clip, np.ndarray]]]:
    """A figure with one row per clip, each titled with the clip's name and label, time along the bottom.

    Returns the figure and, per row, its Axes, the clip and the clip's audio (its first ``seconds``).
    """
    fig, axes = plt.subplots(len(clips), 1, figsize=(9, 1.8 * len(clips)), layout="constrained", squeeze=False)
    rows = []
    for ax, clip in zip(axes[:, 0], clips, strict=True):
        ax.set_title(f"{clip.name} (label {clip.label}: {LABELS[clip.label]})", fontsize=10)
        rows.append((ax, clip, clip.audio if seconds is None else clip.audio[: int(seconds * sample_rate)]))
    axes[-1, 0].set_xlabel("time (s)")
    return fig, rows
