"""Figures of learning and of the signals under it: the loss, one weight's descent, gradient checks, loss curves
over training steps, a kernel's frequency response and the spectra that show aliasing."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from matplotlib.axes import Axes

from ._base import CLASS_COLORS, FIT_COLORS, LINE_COLORS, LINE_STYLES, _axes


def cross_entropy(*, ax: Axes | None = None) -> Axes:
    """The binary cross-entropy of one window against the p(dog) the network gives it, for a dog and a cat."""
    ax = _axes(ax, figsize=(6, 3.5))
    p = np.linspace(0.005, 0.995, 400)
    ax.plot(p, -np.log(p), color=CLASS_COLORS[1], label="a dog window: −log p")
    ax.plot(p, -np.log(1 - p), color=CLASS_COLORS[0], ls="--", label="a cat window: −log (1 − p)")
    ax.set_xlabel("p(dog) the network gives")
    ax.set_ylabel("loss (natural logarithm)")
    ax.set_ylim(0, 5.5)
    ax.set_title("binary cross-entropy: the cost of one answer")
    ax.legend()
    return ax


def one_weight(
    values: np.ndarray, losses: np.ndarray, steps: Sequence[tuple[float, float]], *, name: str, ax: Axes | None = None
) -> Axes:
    """The batch's loss as one weight varies (the others held), and the points ``steps`` (value, loss) that
    gradient descent visits on it; the first is labelled "start", the last with its step number."""
    ax = _axes(ax, figsize=(6.5, 3.5))
    ax.plot(values, losses, color=FIT_COLORS[0], label="loss as this weight alone changes")
    xs, ys = zip(*steps, strict=True)
    ax.plot(xs, ys, color=LINE_COLORS[6], marker="o", ls=":", label="gradient descent, step by step")
    ends = {0: ("start", (-10, 8)), len(steps) - 1: (f"step {len(steps) - 1}", (6, -14))}  # above left, below right
    for i, (text, offset) in ends.items():
        ax.annotate(text, steps[i], textcoords="offset points", xytext=offset, fontsize=9, color=LINE_COLORS[6])
    ax.set_xlabel(f"value of {name}")
    ax.set_ylabel("mean loss of the batch")
    ax.set_title(f"descending the loss along one weight: {name}")
    ax.legend()
    return ax


def gradient_differences(named: dict[str, dict[str, float]], *, ax: Axes | None = None) -> Axes:
    """For each kind of weight, the largest difference between two gradient computations, as a share of the
    largest gradient, one bar per comparison in ``named`` (log scale)."""
    ax = _axes(ax, figsize=(8, 3.5))
    kinds = sorted({k for d in named.values() for k in d})
    width = 0.8 / len(named)
    for i, (label, differences) in enumerate(named.items()):
        values = [max(differences.get(k, np.nan), 1e-17) for k in kinds]
        ax.bar(np.arange(len(kinds)) + (i - (len(named) - 1) / 2) * width, values, width, label=label,
               color=LINE_COLORS[(2, 6, 3, 1)[i % 4]])  # fmt: skip
    ax.set_yscale("log")
    ax.set_xticks(np.arange(len(kinds)), kinds, rotation=20, ha="right")
    ax.set_ylabel("largest difference / largest gradient\n(conv bias: / its kernel's)", fontsize=9)
    ax.set_title("NumPy's gradients against TensorFlow's")
    ax.legend(fontsize=9)
    return ax


def loss_curves(
    curves: dict[str, tuple[Sequence[float], Sequence[float]]],
    *,
    ylabel: str = "mean loss",
    title: str = "",
    mark: tuple[float, str] | None = None,
    ax: Axes | None = None,
) -> Axes:
    """Curves over training steps, each ``name: (steps, values)``; ``mark`` (step, text) draws a vertical line."""
    ax = _axes(ax, figsize=(7.5, 3.5))
    for i, (name, (steps, values)) in enumerate(curves.items()):
        ax.plot(steps, values, color=LINE_COLORS[i % len(LINE_COLORS)], ls=LINE_STYLES[i % len(LINE_STYLES)],
                label=name)  # fmt: skip
    if mark is not None:
        ax.axvline(mark[0], color="0.5", lw=1)
        ax.annotate(mark[1], (mark[0], ax.get_ylim()[1]), textcoords="offset points", xytext=(4, -14), fontsize=9)
    ax.set_xlabel("training step (one batch each)")
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.legend(fontsize=9)
    return ax


def filter_response(
    freqs: np.ndarray,
    derived_db: np.ndarray,
    measured: tuple[np.ndarray, np.ndarray],
    *,
    nyquist_after_stride: float | None = None,
    title: str = "",
    ax: Axes | None = None,
) -> Axes:
    """A kernel's gain in dB: derived from its weights (line) and ``measured`` with tones (freqs, dB; points);
    a vertical line at the Nyquist frequency the stride leaves."""
    ax = _axes(ax, figsize=(7.5, 3.5))
    ax.plot(freqs, derived_db, color=LINE_COLORS[5], label="derived: 20 log10 |H(f)|")
    ax.plot(*measured, ls="none", marker="o", ms=4, color=LINE_COLORS[6], label="measured with tones")
    if nyquist_after_stride is not None:
        ax.axvline(nyquist_after_stride, color="0.5", ls="--", lw=1)
        ax.annotate("Nyquist after the stride", (nyquist_after_stride, ax.get_ylim()[0]), textcoords="offset points",
                    xytext=(4, 6), fontsize=9)  # fmt: skip
    ax.set_xlabel("frequency (Hz)")
    ax.set_ylabel("gain (dB)")
    ax.set_title(title)
    ax.legend(fontsize=9)
    return ax


def spectra(named: dict[str, tuple[np.ndarray, np.ndarray]], *, title: str = "", ax: Axes | None = None) -> Axes:
    """Magnitude spectra (freqs in Hz, dB), one line each, for comparing where a tone's energy lies."""
    ax = _axes(ax, figsize=(7.5, 3.5))
    for i, (name, (freqs, db)) in enumerate(named.items()):
        ax.plot(freqs, db, color=LINE_COLORS[(5, 6, 3, 1)[i % 4]], ls=LINE_STYLES[i % len(LINE_STYLES)], label=name)
    ax.set_xlabel("frequency (Hz)")
    ax.set_ylabel("amplitude (dB re 1)")
    ax.set_ylim(bottom=-80)
    ax.set_title(title)
    ax.legend(fontsize=9)
    return ax
