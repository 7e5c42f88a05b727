"""Figures. Every function draws on the Axes it is given (or a new one) and returns what it drew.

Nothing here shows or saves a figure by itself: notebooks arrange figures and
save them with :func:`save` into ``img/`` under stable names.
"""

from __future__ import annotations

import os
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import scipy.signal
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from .config import SAMPLE_RATE
from .config import img_dir as default_img_dir
from .data import LABELS, Clip

__all__ = [
    "save",
    "waveforms",
    "spectrograms",
    "durations",
    "kept_fraction",
    "window_batch",
    "history",
    "confusion_matrix",
    "clip_probabilities",
    "segment",
    "prediction",
    "layer_activations",
    "components",
    "filter_weights",
    "frequency_responses",
    "class_activation",
    "tuning_results",
    "accuracy_by_group",
    "accuracy_across_draws",
]

CLASS_COLORS = ("tab:orange", "tab:blue")  # cat, dog
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


def _spectrogram(ax: Axes, audio: np.ndarray, *, window: int, floor_db: float, sample_rate: int) -> None:
    """Power (dB) over time and frequency (kHz), Hann windows with 75% overlap, the ``floor_db`` below the peak."""
    freqs, times, power = scipy.signal.spectrogram(
        audio, sample_rate, window="hann", nperseg=window, noverlap=3 * window // 4
    )
    db = 10 * np.log10(power + 1e-20)
    extent = (times[0], times[-1], freqs[0] / 1000, freqs[-1] / 1000)
    ax.imshow(db, origin="lower", aspect="auto", extent=extent, vmin=db.max() - floor_db, vmax=db.max())
    ax.set_ylabel("kHz")


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


def history(hist: dict[str, list[float]], *, ax: Axes | None = None, metric: str = "accuracy") -> Axes:
    """Training and validation ``metric`` per epoch (the original's model_acc figure)."""
    ax = _axes(ax)
    epochs = np.arange(1, len(hist[metric]) + 1)
    ax.plot(epochs, hist[metric], marker="o", color=FIT_COLORS[0], label="train")
    if f"val_{metric}" in hist:
        ax.plot(epochs, hist[f"val_{metric}"], marker="s", ls="--", color=FIT_COLORS[1], label="validation")
    ax.set_xticks(epochs if len(epochs) <= 20 else epochs[:: max(1, len(epochs) // 10)])
    ax.set_xlabel("epoch")
    ax.set_ylabel(metric)
    ax.set_title(f"model {metric}")
    ax.legend()
    return ax


def confusion_matrix(matrix: list[list[int]], *, ax: Axes | None = None, title: str = "") -> Axes:
    """A 2 x 2 confusion matrix (rows true class, columns predicted) with counts."""
    ax = _axes(ax, figsize=(3.5, 3.2))
    m = np.asarray(matrix)
    ax.imshow(m, cmap="Blues")
    for (i, j), count in np.ndenumerate(m):
        ax.text(j, i, str(count), ha="center", va="center", color="white" if count > m.max() / 2 else "black")
    ax.set_xticks([0, 1], LABELS)
    ax.set_yticks([0, 1], LABELS)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    ax.set_title(title)
    return ax


def clip_probabilities(files: list[dict], *, ax: Axes | None = None) -> Axes:
    """Mean probability of dog per test clip, sorted, coloured by true class, with the 0.5 line."""
    ax = _axes(ax, figsize=(9, 3))
    rows = sorted(files, key=lambda r: r["p_dog"])
    colors = [CLASS_COLORS[LABELS.index(r["label"])] for r in rows]
    ax.bar(np.arange(len(rows)), [r["p_dog"] for r in rows], color=colors)
    ax.axhline(0.5, color="black", lw=0.8, ls="--", label="0.5: called dog above")
    handles = [Patch(color=CLASS_COLORS[i], label=f"truly {name}") for i, name in enumerate(LABELS)]
    ax.legend(handles=[*handles, ax.lines[-1]], loc="upper left", fontsize="small")
    ax.set_xlabel("test clips, sorted by the model's vote")
    ax.set_ylabel("mean p(dog)")
    ax.set_ylim(0, 1)
    return ax


def segment(x: np.ndarray, *, ax: Axes | None = None, title: str = "", sample_rate: int = SAMPLE_RATE) -> Axes:
    """One window's waveform over its second."""
    ax = _axes(ax, figsize=(8, 2.5))
    x = np.ravel(x)
    ax.plot(np.arange(len(x)) / sample_rate, x, lw=0.4, color="0.3")
    ax.set_xlabel("time (s)")
    ax.set_ylabel("amplitude")
    ax.set_title(title)
    return ax


def prediction(p_dog: float, *, ax: Axes | None = None) -> Axes:
    """The model's two-way verdict for one window as two bars."""
    ax = _axes(ax, figsize=(3.5, 2.5))
    ax.bar(LABELS, [1 - p_dog, p_dog], color=CLASS_COLORS)
    for i, v in enumerate([1 - p_dog, p_dog]):
        ax.text(i, v + 0.02, f"{v:.0%}", ha="center")
    ax.set_ylim(0, 1.1)
    ax.set_ylabel("probability")
    return ax


def layer_activations(act: np.ndarray, *, name: str = "", seconds: float = 1.0) -> Figure:
    """One layer's output for one window (shape (length, filters)) as a heat map: filters up, time along.

    ``seconds`` is how long the window lasts; the colour bar gives the activation values.
    """
    length, n = act.shape
    fig, ax = plt.subplots(figsize=(8, 0.3 * n + 1.6), layout="constrained")
    image = ax.imshow(
        act.T, aspect="auto", origin="lower", cmap="magma", interpolation="nearest", extent=(0, seconds, 0.5, n + 0.5)
    )
    fig.colorbar(image, ax=ax, label="activation", pad=0.01)
    ax.set_yticks(np.arange(1, n + 1) if n <= 16 else np.linspace(1, n, 8).round().astype(int))
    ax.set_xlabel("time (s)")
    ax.set_ylabel("filter")
    ax.set_title(f"{name}: {length} steps x {n} filters", fontsize=10)
    return fig


def components(values: np.ndarray, *, ax: Axes | None = None, title: str = "", ylabel: str = "") -> Axes:
    """A bar per pooled component (numbered from 1), blue for positive, orange for negative."""
    ax = _axes(ax, figsize=(6, 2.8))
    values = np.ravel(values)
    ax.bar(np.arange(1, len(values) + 1), values, color=np.where(values >= 0, "tab:blue", "tab:orange"))
    ax.axhline(0, color="black", lw=0.6)
    ax.set_xticks(np.arange(1, len(values) + 1))
    ax.set_xlabel("component")
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    return ax


def filter_weights(kernels: np.ndarray) -> Figure:
    """First-layer kernels (shape (kernel_size, filters)): one small stem plot per filter."""
    k, n = kernels.shape
    cols = min(n, 5)
    rows = int(np.ceil(n / cols))
    fig, axes = plt.subplots(
        rows, cols, figsize=(2 * cols, 1.7 * rows), sharey=True, layout="constrained", squeeze=False
    )
    for i, ax in enumerate(axes.ravel()):
        if i >= n:
            ax.set_visible(False)
            continue
        ax.stem(np.arange(1, k + 1), kernels[:, i], basefmt="k-")
        ax.set_title(f"filter {i + 1}", fontsize=9)
        ax.set_xticks(np.arange(1, k + 1) if k <= 8 else [1, k])
    return fig


def frequency_responses(freqs: np.ndarray, gain_db: np.ndarray, *, ax: Axes | None = None) -> Axes:
    """Magnitude response (dB) of each first-layer filter, a line per filter."""
    ax = _axes(ax)
    for i, g in enumerate(gain_db):
        color, style = LINE_COLORS[i % len(LINE_COLORS)], LINE_STYLES[i // len(LINE_COLORS) % len(LINE_STYLES)]
        ax.plot(freqs, g, lw=1.2, color=color, ls=style, label=str(i + 1))
    ax.set_xlabel("frequency (Hz)")
    ax.set_ylabel("gain (dB)")
    ax.legend(title="filter", ncols=2, fontsize=7)
    return ax


def class_activation(
    x: np.ndarray, cam: np.ndarray, *, ax: Axes | None = None, title: str = "", sample_rate: int = SAMPLE_RATE
) -> Axes:
    """A window's waveform with its dog evidence over time (positive dog, negative cat) on a second axis."""
    ax = segment(x, ax=ax, title=title, sample_rate=sample_rate)
    twin = ax.twinx()
    step = len(np.ravel(x)) / len(cam) / sample_rate
    twin.step((np.arange(len(cam)) + 0.5) * step, cam, where="mid", color="tab:red")
    twin.axhline(0, color="tab:red", lw=0.5, ls=":")
    twin.set_ylabel("dog evidence", color="tab:red")
    return ax


KNOB_NAMES = {"kernel_size": "kernel size (samples)", "strides": "stride", "filters": "filters per layer"}


def tuning_results(rows: list[dict], *, x: str, group: str | None = None, ax: Axes | None = None) -> Axes:
    """Validation accuracy of tuning rows against knob ``x``, one line per value of ``group``.

    Where a row has ``val_accuracy_runs`` (one score per seed), a bar spans their range.
    """
    ax = _axes(ax)
    groups = sorted({r[group] for r in rows}) if group else [None]
    for i, g in enumerate(groups):
        sel = sorted((r for r in rows if group is None or r[group] == g), key=lambda r: r[x])
        xs, ys = [r[x] for r in sel], [r["val_accuracy"] for r in sel]
        label = f"{KNOB_NAMES.get(group, group)} {g}" if group else None
        (line,) = ax.plot(xs, ys, marker="o", color=LINE_COLORS[(i + 5) % len(LINE_COLORS)], label=label)
        runs: list[list[float]] = [r.get("val_accuracy_runs") or [] for r in sel]
        if all(runs):
            low = [y - min(r) for y, r in zip(ys, runs, strict=True)]
            high = [max(r) - y for y, r in zip(ys, runs, strict=True)]
            ax.errorbar(xs, ys, yerr=[low, high], fmt="none", color=line.get_color(), capsize=3, lw=0.8)
    ax.set_xticks(sorted({r[x] for r in rows}))
    ax.set_xlabel(KNOB_NAMES.get(x, x))
    ax.set_ylabel("validation accuracy")
    if group:
        ax.legend(fontsize="small")
    return ax


def accuracy_by_group(groups: dict[str, dict], *, ax: Axes | None = None) -> Axes:
    """Horizontal bars of mean accuracy (%) per group of windows, with the sd over seeds as error bars.

    ``groups`` maps a name starting with the class ("cat, ...", "dog, ...") to
    ``{"windows": n, "accuracy": [one value per seed]}``, as ``experiments/errors.py``
    writes them; bars take the class colour and the first group is on top.
    """
    ax = _axes(ax, figsize=(7, 0.4 * len(groups) + 1))
    names = list(groups)
    accuracy = [100 * np.asarray(groups[n]["accuracy"]) for n in names]
    colors = [CLASS_COLORS[LABELS.index(n.split(",")[0])] for n in names]
    rows = np.arange(len(names))[::-1]
    ax.barh(
        rows, [a.mean() for a in accuracy], xerr=[a.std(ddof=1) if a.size > 1 else 0 for a in accuracy], color=colors
    )
    ax.set_yticks(rows, [f"{n} ({groups[n]['windows']})" for n in names])
    ax.set_xlim(0, 100)
    ax.set_xlabel("windows right (%), mean and sd over seeds")
    return ax


def accuracy_across_draws(
    draws: dict[str, list[float]],
    *,
    official: dict[str, list[float]] | None = None,
    target: float | None = None,
    ax: Axes | None = None,
) -> Axes:
    """One row of dots per model: its accuracy (%) on each draw of test files, a bar at their mean.

    ``draws`` maps a model's name to its accuracies (fractions), one per draw
    (as ``experiments/cross_validation.py`` writes them); ``official`` adds the same
    model's scores on the official test split (one per seed) as stars; ``target``
    draws a dashed line. The first model is on top.
    """
    ax = _axes(ax, figsize=(7, 0.8 * len(draws) + 1.2))
    rows = range(len(draws) - 1, -1, -1)
    starred = False
    for i, (name, values) in enumerate(draws.items()):
        percent, row = 100 * np.asarray(values), rows[i]
        ax.scatter(percent, np.full(percent.size, row), color="tab:gray", alpha=0.7, label=None if i else "a draw")
        ax.plot([percent.mean()] * 2, [row - 0.3, row + 0.3], color="black", lw=2, label=None if i else "mean")
        if official and name in official:
            stars = 100 * np.asarray(official[name])
            label = None if starred else "official test split"
            ax.scatter(stars, np.full(stars.size, row), marker="*", s=140, color="tab:red", zorder=3, label=label)
            starred = True
    if target is not None:
        ax.axvline(100 * target, color="tab:green", ls="--", label=f"target {100 * target:.0f}%")
    ax.set_yticks(rows, list(draws))
    ax.set_ylim(-0.6, len(draws) - 0.4)
    ax.set_xlabel("test windows right (%)")
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1), fontsize="small")  # beside the dots, never on them
    return ax


def tone_probe(freqs: np.ndarray, responses: dict[str, np.ndarray], *, titles: dict[str, str] | None = None) -> Figure:
    """One heat map per layer: every unit's answer (colour) to tones of each frequency (log axis).

    ``responses`` maps a layer to an array (len(freqs), units), as
    :func:`~catdog_cnn.hear.tone_probe` returns; each unit's row is divided by
    its own largest answer, so the picture shows *where* each unit listens.
    """
    fig, axes = plt.subplots(
        len(responses), 1, figsize=(8, 1.9 * len(responses) + 0.6), layout="constrained", squeeze=False
    )
    for ax, (name, r) in zip(axes[:, 0], responses.items(), strict=True):
        scaled = r / np.where(r.max(axis=0) > 0, r.max(axis=0), 1.0)
        image = ax.pcolormesh(
            freqs, np.arange(1, r.shape[1] + 1), scaled.T, cmap="magma", vmin=0, vmax=1, shading="nearest"
        )
        ax.set_xscale("log")
        ax.set_ylabel("unit")
        ax.set_title((titles or {}).get(name, name), fontsize=9)
        fig.colorbar(image, ax=ax, label="share of its peak", pad=0.01)
    axes[-1, 0].set_xlabel("tone frequency (Hz)")
    return fig


def sounds(named: dict[str, np.ndarray], *, sample_rate: int = SAMPLE_RATE, floor_db: float = 80.0) -> Figure:
    """One row per sound: its waveform (left) and its spectrogram (right), titled with its name."""
    fig, axes = plt.subplots(len(named), 2, figsize=(10, 1.7 * len(named) + 0.4), layout="constrained", squeeze=False)
    for (wave_ax, spec_ax), (name, audio) in zip(axes, named.items(), strict=True):
        t = np.arange(len(audio)) / sample_rate
        wave_ax.plot(t, audio, lw=0.4, color="0.3")
        wave_ax.set_xlim(0, t[-1])
        wave_ax.set_ylabel("amplitude")
        wave_ax.set_title(name, fontsize=9)
        _spectrogram(spec_ax, audio, window=SPECTROGRAM_WINDOW, floor_db=floor_db, sample_rate=sample_rate)
    for ax in axes[-1]:
        ax.set_xlabel("time (s)")
    return fig
