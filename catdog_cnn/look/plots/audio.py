"""Figures of recordings and training windows: waveforms, spectrograms, durations, the peak threshold."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from ...config import SAMPLE_RATE
from ...sound.data import LABELS, Clip
from ._base import (
    CLASS_COLORS,
    SPECTROGRAM_WINDOW,
    _axes,
    _clip_rows,
    _spectrogram,
)


def waveforms(clips: list[Clip], *, seconds: float | None = None, sample_rate: int = SAMPLE_RATE) -> Figure:
    """One row per clip: its waveform over time, titled with its name and label (1 dog, 0 cat).

    Returns
    -------
    Figure
        With ``len(clips)`` Axes.
    """
    fig, rows = _clip_rows(clips, seconds=seconds, sample_rate=sample_rate)
    for ax, clip, audio in rows:
        ax.plot(np.arange(len(audio)) / sample_rate, audio, lw=0.5, color=CLASS_COLORS[clip.label])
        ax.set_ylabel("amplitude")
    return fig


def spectrograms(
    clips: list[Clip],
    *,
    seconds: float | None = None,
    window: int = SPECTROGRAM_WINDOW,
    floor_db: float = 80.0,
    sample_rate: int = SAMPLE_RATE,
) -> Figure:
    """One row per clip: its power over time and frequency (dB), titled with its name and label.

    Each clip is cut into ``window``-sample Hann windows (75% overlap); every row
    shows the ``floor_db`` below its own loudest cell, so quiet and loud clips
    look alike.

    Returns
    -------
    Figure
        With ``len(clips)`` Axes, each holding one image (``ax.images[0]``, the dB values).
    """
    fig, rows = _clip_rows(clips, seconds=seconds, sample_rate=sample_rate)
    for ax, _, audio in rows:
        _spectrogram(ax, audio, window=window, floor_db=floor_db, sample_rate=sample_rate)
    return fig


def waveform_spectrogram(
    clips: list[Clip],
    *,
    seconds: float,
    window: int = SPECTROGRAM_WINDOW,
    floor_db: float = 80.0,
    sample_rate: int = SAMPLE_RATE,
) -> Figure:
    """Each clip's waveform above its spectrogram, all on one time axis of ``seconds`` (shorter clips end early).

    Every waveform shares the amplitude scale -1 to 1, so loud and quiet clips look as loud as they are; every
    spectrogram shows the ``floor_db`` below its own loudest cell, so that its shape, not its level, is compared.

    Returns
    -------
    Figure
        With two Axes per clip, waveform then spectrogram, all sharing the time axis.
    """
    fig, axes = plt.subplots(2 * len(clips), 1, figsize=(9, 2.3 * len(clips)), sharex=True, layout="constrained",
                             height_ratios=[1, 1.4] * len(clips), squeeze=False)  # fmt: skip
    for i, clip in enumerate(clips):
        wave, spec = axes[2 * i, 0], axes[2 * i + 1, 0]
        audio = clip.audio[: int(seconds * sample_rate)]
        wave.plot(np.arange(len(audio)) / sample_rate, audio, lw=0.5, color=CLASS_COLORS[clip.label])
        wave.set_ylim(-1, 1)
        wave.set_ylabel("amplitude")
        wave.set_title(f"{clip.name} (label {clip.label}: {LABELS[clip.label]})", fontsize=10)
        _spectrogram(spec, audio, window=window, floor_db=floor_db, sample_rate=sample_rate)
    axes[-1, 0].set_xlim(0, seconds)
    axes[-1, 0].set_xlabel("time (s)")
    return fig


def durations(clips: list[Clip], *, ax: Axes | None = None, bins: int = 20) -> Axes:
    """Histogram of clip durations per class."""
    ax = _axes(ax)
    edges = np.linspace(0, max(c.seconds for c in clips), bins + 1).tolist()
    for label, name in enumerate(LABELS):
        secs = [c.seconds for c in clips if c.label == label]
        ax.hist(
            secs,
            bins=edges,
            alpha=0.6,
            color=CLASS_COLORS[label],
            label=f"{name}: {len(secs)} files, {sum(secs):.0f} s",
        )
    ax.set_xlabel("duration (s)")
    ax.set_ylabel("files")
    ax.legend()
    return ax


def kept_fraction(thresholds: np.ndarray, fractions: np.ndarray, *, ax: Axes | None = None) -> Axes:
    """Share of window offsets that pass each peak threshold, one line per class.

    ``fractions`` has shape (len(thresholds), 2): cat, dog.
    """
    ax = _axes(ax)
    for label, name in enumerate(LABELS):
        ax.plot(thresholds, fractions[:, label], marker="o", color=CLASS_COLORS[label], label=name)
    ax.set_xlabel("peak threshold")
    ax.set_ylabel("share of 1-s windows kept")
    ax.set_ylim(0, 1.02)
    ax.legend()
    return ax


def window_batch(x: np.ndarray, y: np.ndarray, *, n: int = 6, sample_rate: int = SAMPLE_RATE) -> Figure:
    """The first ``n`` windows of a batch (shape (b, segment[, 1])), coloured by label."""
    fig, axes = plt.subplots(
        n // 2, 2, figsize=(10, 1.6 * (n // 2) + 0.4), layout="constrained", sharey=True, squeeze=False
    )
    for i, ax in enumerate(axes.ravel()):
        window = x[i].ravel()
        ax.plot(np.arange(len(window)) / sample_rate, window, lw=0.4, color=CLASS_COLORS[int(y[i])])
        ax.set_title(LABELS[int(y[i])], fontsize=9)
    for ax in axes[-1]:
        ax.set_xlabel("time (s)")
    for ax in axes[:, 0]:
        ax.set_ylabel("amplitude")
    return fig


def sounds(named: dict[str, np.ndarray], *, sample_rate: int = SAMPLE_RATE, floor_db: float = 80.0) -> Figure:
    """One row per sound: its waveform (left) and its spectrogram (right, with a colour bar in dB below the
    sound's loudest point), titled with its name."""
    fig, axes = plt.subplots(len(named), 2, figsize=(10, 1.7 * len(named) + 0.4), layout="constrained", squeeze=False)
    for (wave_ax, spec_ax), (name, audio) in zip(axes, named.items(), strict=True):
        t = np.arange(len(audio)) / sample_rate
        wave_ax.plot(t, audio, lw=0.4, color="0.3")
        wave_ax.set_xlim(0, t[-1])
        wave_ax.set_ylabel("amplitude")
        wave_ax.set_title(name, fontsize=9)
        _spectrogram(spec_ax, audio, window=SPECTROGRAM_WINDOW, floor_db=floor_db, sample_rate=sample_rate)
        image = spec_ax.images[-1]
        top = image.get_clim()[1]
        bar = fig.colorbar(image, ax=spec_ax, pad=0.01)
        bar.set_ticks([top - floor_db, top - floor_db / 2, top], labels=[f"−{floor_db:g}", f"−{floor_db / 2:g}", "0"])
        bar.set_label("dB below peak", fontsize=8)
    for ax in axes[-1]:
        ax.set_xlabel("time (s)")
    return fig
