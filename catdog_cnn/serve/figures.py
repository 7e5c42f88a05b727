"""The figures of ``explain``'s report: where the evidence sits over a whole recording, one second through the
layers, and the decision's components. The lessons draw them too (:mod:`catdog_cnn.look.plots` re-exports them),
with the class colours defined here."""

from __future__ import annotations

import warnings

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.colors import LinearSegmentedColormap
from matplotlib.figure import Figure

from ..config import SAMPLE_RATE

__all__ = ["CLASS_COLORS", "EVIDENCE_CMAP", "recording_overview", "layer_stack", "components"]

CLASS_COLORS = ("tab:orange", "tab:blue")  # cat, dog
# evidence maps: towards cat in the cat colour, towards dog in the dog colour, nothing in white
EVIDENCE_CMAP = LinearSegmentedColormap.from_list("cat_white_dog", [CLASS_COLORS[0], "white", CLASS_COLORS[1]])

_MAX_POINTS = 20_000  # a long waveform is drawn from the peaks of this many stretches
_MAX_BARS = 300  # p(dog) of at most this many windows is drawn as bars; more as filled steps


def recording_overview(
    audio: np.ndarray,
    segments: list[float | None],
    evidence: np.ndarray,
    *,
    window_seconds: float = 1.0,
    slice_seconds: float = 0.05,
    highlight: int | None = None,
    sample_rate: int = SAMPLE_RATE,
    resolution_seconds: float | None = None,
) -> Figure:
    """A recording's waveform, its p(dog) per window, and the evidence for dog per slice, on one time axis.

    Parameters
    ----------
    audio : np.ndarray
        The samples at ``sample_rate``.
    segments : list of float or None
        p(dog) per window in order, None for a silent one (as ``predict`` returns them).
    evidence : np.ndarray, shape (windows, slices)
        Evidence for dog per slice of each window (:func:`~catdog_cnn.look.attribution.dog_evidence`); rows of
        silent windows are NaN.
    highlight : int, optional
        A window to shade on every panel.
    resolution_seconds : float, optional
        How far apart the evidence's own values are (the class-activation map of m5 has one per 1/3 s), said in
        the title: the slices only spread them out.
    """
    fig, (wave, prob, strip) = plt.subplots(
        3, 1, figsize=(11, 5.6), sharex=True, layout="constrained", height_ratios=(2, 1.4, 0.8)
    )
    seconds = len(audio) / sample_rate
    step = max(1, len(audio) // _MAX_POINTS)
    n = max(1, len(audio) // step)
    envelope = np.abs(np.pad(audio, (0, max(0, n * step - len(audio))))[: n * step]).reshape(n, step).max(axis=1)
    wave.fill_between(np.arange(n) * step / sample_rate, -envelope, envelope, color="0.35", lw=0)
    wave.set_ylabel("amplitude")
    wave.set_title("the recording", fontsize=10)
    starts = np.arange(len(segments)) * window_seconds
    p = np.array([np.nan if v is None else v for v in segments], dtype=float)
    colors = [CLASS_COLORS[int(v > 0.5)] if np.isfinite(v) else "0.88" for v in p]
    heights = np.where(np.isfinite(p), p, 1.0)  # a silent window: a full grey bar
    if len(p) <= _MAX_BARS:
        prob.bar(starts, heights, width=window_seconds, align="edge", color=colors, edgecolor="white")
    else:  # a bar per window would be thousands of artists: one filled step outline per class instead
        edges = np.append(starts, len(p) * window_seconds)
        for where, color in ((p > 0.5, CLASS_COLORS[1]), (p <= 0.5, CLASS_COLORS[0]), (~np.isfinite(p), "0.88")):
            fill = np.append(np.where(where, heights, 0.0), 0.0)
            prob.fill_between(edges, 0, fill, step="post", color=color, lw=0)
    prob.axhline(0.5, color="0.4", lw=0.7, ls="--")
    prob.set_ylim(0, 1)
    prob.set_ylabel("p(dog)")
    prob.set_title("p(dog) per second (grey: silent, not classified); dashed: the most decisive second", fontsize=10)
    flat, slice_width = evidence.reshape(1, -1), slice_seconds
    if flat.shape[1] > _MAX_POINTS:  # hours of slices: drawn as the mean of groups of them
        group = -(-flat.shape[1] // _MAX_POINTS)
        padded = np.pad(flat[0], (0, -flat.shape[1] % group), constant_values=np.nan).reshape(-1, group)
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # groups of silent windows are all NaN
            flat, slice_width = np.nanmean(padded, axis=1)[None], slice_seconds * group
    limit = np.nanmax(np.abs(flat)) if np.isfinite(flat).any() else 1.0
    edges = np.arange(flat.shape[1] + 1) * slice_width
    image = strip.pcolormesh(edges, [0, 1], flat, cmap=EVIDENCE_CMAP, vmin=-limit, vmax=limit, shading="flat")
    strip.set_yticks([])
    every = "" if resolution_seconds is None else f", one value per {resolution_seconds:.2g} s"
    strip.set_title(f"evidence (class activation{every}): towards dog blue, towards cat orange", fontsize=10)
    fig.colorbar(image, ax=strip, label="logit units", pad=0.01, aspect=8)
    strip.set_xlabel("time (s)")
    strip.set_xlim(0, max(seconds, len(segments) * window_seconds))
    if highlight is not None:  # framed, not filled, so that no colour changes
        for ax in (wave, prob, strip):
            ax.axvspan(highlight * window_seconds, (highlight + 1) * window_seconds, fill=False, edgecolor="black",
                       lw=1.6, ls="--", zorder=5)  # fmt: skip
    return fig


def layer_stack(acts: dict[str, np.ndarray], *, titles: dict[str, str] | None = None, seconds: float = 1.0) -> Figure:
    """One heat map per layer of one window's activations (each (time, units)), time in seconds, units up."""
    fig, axes = plt.subplots(len(acts), 1, figsize=(9, 1.5 * len(acts) + 0.6), layout="constrained", squeeze=False)
    for ax, (name, act) in zip(axes[:, 0], acts.items(), strict=True):
        extent = (0, seconds, 0.5, act.shape[1] + 0.5)
        image = ax.imshow(act.T, aspect="auto", origin="lower", cmap="magma", extent=extent, interpolation="nearest")
        ax.set_ylabel("unit")
        ax.set_title((titles or {}).get(name, name), fontsize=9)
        fig.colorbar(image, ax=ax, label="output", pad=0.01)
    axes[-1, 0].set_xlabel("time in the window (s)")
    return fig


def components(values: np.ndarray, *, ax: Axes | None = None, title: str = "", ylabel: str = "") -> Axes:
    """A bar per pooled component (numbered from 1), blue for positive, orange for negative."""
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 2.8), layout="constrained")
    values = np.ravel(values)
    ax.bar(np.arange(1, len(values) + 1), values, color=np.where(values >= 0, "tab:blue", "tab:orange"))
    ax.axhline(0, color="black", lw=0.6)
    ax.set_xticks(np.arange(1, len(values) + 1))
    ax.set_xlabel("component")
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    return ax
