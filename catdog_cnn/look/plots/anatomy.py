"""Figures of how a network is built and what its first layer does: its diagram, every layer at once, a
filtered copy of the waveform, and one kernel sliding over the waveform (a figure to step through or animate).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.animation import FuncAnimation, PillowWriter
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import FancyBboxPatch

from ...config import SAMPLE_RATE
from ...config import img_dir as default_img_dir
from ._base import LINE_COLORS


def _ms(samples: float, sample_rate: int) -> str:
    ms = 1000 * samples / sample_rate
    return f"{ms:.2g} ms" if ms < 10 else f"{ms:.0f} ms"


def architecture(blocks: Sequence[Any], *, title: str = "", sample_rate: int = SAMPLE_RATE) -> Figure:
    """A network drawn as a column of boxes, input at the top: what each block does, its output shape
    (steps × channels), its parameters and the receptive field of one output step.

    ``blocks`` are :class:`~catdog_cnn.look.peel.Block` (or anything with the same attributes), from
    :func:`~catdog_cnn.look.peel.blocks`.

    The width of each box is proportional to the log of its output's steps, so the shrinking time axis shows.
    """
    fig, ax = plt.subplots(figsize=(8.2, 0.62 * len(blocks) + 0.6), layout="constrained")
    widest = np.log10(max(b.steps for b in blocks))
    for row, b in enumerate(blocks):
        y = len(blocks) - 1 - row
        width = 0.25 + 0.35 * np.log10(max(b.steps, 1)) / widest
        face = "#f0f0f0" if b.name in ("input", "head") else "#d6e6f4"
        box = FancyBboxPatch((0.5 - width / 2, y - 0.32), width, 0.64, boxstyle="round,pad=0.01,rounding_size=0.08",
                             facecolor=face, edgecolor="0.4", lw=0.8)  # fmt: skip
        ax.add_patch(box)
        ax.text(0.5, y + 0.1, b.name, ha="center", va="center", fontsize=9, weight="bold")
        ax.text(0.5, y - 0.15, b.does, ha="center", va="center", fontsize=7.5)
        shape = f"{b.steps:,} × {b.channels}"
        ax.text(0.0, y, shape, ha="right", va="center", fontsize=8.5, family="monospace")
        ax.text(1.0, y, f"{b.params:,}", ha="left", va="center", fontsize=8.5, family="monospace")
        ax.text(1.22, y, _ms(b.field, sample_rate), ha="left", va="center", fontsize=8.5, family="monospace")
        if row:
            ax.annotate(
                "", (0.5, y + 0.33), (0.5, y + 0.67), arrowprops={"arrowstyle": "-|>", "color": "0.5", "lw": 0.8}
            )
    top = len(blocks) - 0.35
    for x, text, ha in ((0.0, "output\nsteps × channels", "right"), (1.0, "parameters", "left"),
                        (1.22, "one step\nhears", "left")):  # fmt: skip
        ax.text(x, top, text, ha=ha, va="bottom", fontsize=8, color="0.3")
    total = sum(b.params for b in blocks)
    ax.text(1.0, -0.75, f"{total:,} in all", ha="left", va="center", fontsize=8.5, weight="bold")
    ax.set_xlim(-0.45, 1.5)
    ax.set_ylim(-1.0, len(blocks) + 0.35)
    ax.axis("off")
    ax.set_title(title, fontsize=11)
    return fig


def all_layers(
    named: dict[str, dict[str, np.ndarray]], *, seconds: float = 1.0, titles: dict[str, str] | None = None
) -> Figure:
    """Every block's output for one window, for one or more networks side by side (one column each).

    ``named`` maps a network's name to ``{layer: activation (steps, channels)}`` in order. Each small heat map
    has its own colour scale (each layer's values have their own range); time runs along the same second.
    """
    rows = max(len(acts) for acts in named.values())
    fig = plt.figure(figsize=(5 * len(named), 0.95 * rows + 1.0), layout="constrained")
    subfigures = fig.subfigures(1, len(named), squeeze=False)[0]
    for sub, (net, acts) in zip(subfigures, named.items(), strict=True):
        axes = sub.subplots(rows, 1, sharex=True, squeeze=False)[:, 0]
        for ax, (layer, act) in zip(axes, acts.items(), strict=False):
            steps, channels = act.shape
            ax.imshow(act.T, aspect="auto", origin="lower", cmap="magma", interpolation="nearest",
                      extent=(0, seconds, 0.5, channels + 0.5))  # fmt: skip
            ax.set_yticks([])
            label = (titles or {}).get(layer, layer)
            ax.set_ylabel(f"{label}\n{steps:,}×{channels}", rotation=0, ha="right", va="center", fontsize=8)
        for ax in axes[len(acts) :]:
            ax.axis("off")
        axes[len(acts) - 1].set_xlabel("time in the window (s)")
        sub.suptitle(net, fontsize=10)
    return fig


def filtered_copy(
    x: np.ndarray, out: np.ndarray, *, jump: int, start: int, samples: int, filters: Sequence[int] = (0, 1, 2),
    sample_rate: int = SAMPLE_RATE,
) -> Figure:  # fmt: skip
    """A stretch of input (``x[start:start + samples]``) above the same stretch of a first layer's output.

    ``out`` has shape (steps, channels), its steps ``jump`` input samples apart (step t lies at sample
    t × ``jump``); the chosen ``filters`` are drawn as lines on the same time axis in milliseconds.
    """
    fig, axes = plt.subplots(1 + len(filters), 1, figsize=(8, 1.3 * (1 + len(filters)) + 0.5), sharex=True,
                             layout="constrained")  # fmt: skip
    t = (start + np.arange(samples)) / sample_rate * 1000
    axes[0].plot(t, x[start : start + samples], color="0.2", lw=1)
    axes[0].set_ylabel("input")
    first, last = start // jump, (start + samples) // jump
    steps = np.arange(first, last) * jump / sample_rate * 1000
    for ax, f, color in zip(axes[1:], filters, LINE_COLORS[1:], strict=False):
        ax.plot(steps, out[first:last, f], color=color, lw=1, marker=".", ms=3)
        ax.set_ylabel(f"filter {f + 1}")
    axes[-1].set_xlabel("time in the window (ms)")
    return fig


def kernel_slide(
    x: np.ndarray, kernel: np.ndarray, *, stride: int, sample_rate: int = SAMPLE_RATE, title: str = ""
) -> tuple[Figure, Callable[[int], None], int]:
    """One filter sliding over a stretch of waveform, its output growing beneath, drawn at any step.

    The output at step t is ``sum(kernel * x[t * stride : t * stride + len(kernel)])``, the convolution
    (cross-correlation, as Keras computes it) with no padding and no bias. Returns the figure, a function
    that draws step t on it, and the number of steps.
    """
    x, kernel = np.asarray(x, float), np.asarray(kernel, float)
    k = len(kernel)
    n = (len(x) - k) // stride + 1
    out = np.array([kernel @ x[t * stride : t * stride + k] for t in range(n)])
    ms = 1000 / sample_rate
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(7, 4), sharex=True, layout="constrained")
    top.plot(np.arange(len(x)) * ms, x, color="0.3", lw=0.9)
    span = top.axvspan(0, k * ms, color="gold", alpha=0.35, lw=0)
    scale = np.abs(x).max() / (np.abs(kernel).max() + 1e-12)
    (taps,) = top.plot(np.arange(k) * ms, kernel * scale, color=LINE_COLORS[6], lw=1.2, label="kernel (scaled)")
    top.set_ylabel("input")
    top.legend(loc="upper right", fontsize=8)
    centres = (np.arange(n) * stride + k / 2) * ms
    (grown,) = bottom.plot([], [], color=LINE_COLORS[5], lw=1)
    (now,) = bottom.plot([], [], "o", color=LINE_COLORS[6], ms=5)
    pad = 0.05 * (np.ptp(out) + 1e-12)
    bottom.set_ylim(out.min() - pad, out.max() + pad)
    bottom.set_xlim(0, len(x) * ms)
    bottom.set_xlabel("time (ms)")
    bottom.set_ylabel("output")

    def draw(t: int) -> None:
        t = int(np.clip(t, 0, n - 1))
        span.set_x(t * stride * ms)
        taps.set_xdata((t * stride + np.arange(k)) * ms)
        grown.set_data(centres[: t + 1], out[: t + 1])
        now.set_data(centres[t : t + 1], out[t : t + 1])
        top.set_title(f"{title}step {t + 1} of {n}: {k} samples × {k} weights, summed = {out[t]:.3f}", fontsize=9)

    draw(0)
    return fig, draw, n


def save_animation(
    fig: Figure, draw: Callable[[int], None], frames: Sequence[int], name: str, *, fps: int = 12, dpi: int = 72,
    img_dir: str | os.PathLike | None = None,
) -> Path:  # fmt: skip
    """Draw ``frames`` one after another with ``draw`` and save them as the GIF ``img_dir/name``; returns the path."""
    path = Path(img_dir if img_dir is not None else default_img_dir()) / name
    path.parent.mkdir(parents=True, exist_ok=True)
    FuncAnimation(fig, draw, frames=list(frames), blit=False).save(path, writer=PillowWriter(fps=fps), dpi=dpi)
    return path


def layer_differences(
    differences: dict[str, float],
    *,
    title: str = "",
    tolerance: float | None = None,
    shapes: dict[str, tuple[int, ...]] | None = None,
) -> Axes:
    """The largest difference between two computations of each layer's output (a bar per layer, log scale),
    with an optional ``tolerance`` line; with ``shapes`` each layer's label gives its output's shape (steps ×
    channels), so the figure also shows the window shrinking in time and growing in channels."""
    fig, ax = plt.subplots(figsize=(9, 3.4), layout="constrained")
    names = list(differences)
    ax.bar(range(len(names)), [max(v, 1e-18) for v in differences.values()], color=LINE_COLORS[5])
    if tolerance is not None:
        ax.axhline(tolerance, color=LINE_COLORS[6], ls="--", lw=1, label=f"tolerance {tolerance:g}")
        ax.legend(fontsize=8)
    labels = [f"{n}\n{' × '.join(f'{d:,}' for d in shapes[n])}" if shapes and n in shapes else n for n in names]
    ax.set_xticks(range(len(names)), labels, rotation=60, ha="right", fontsize=8)
    ax.set_yscale("log")
    ax.set_ylabel("largest difference\n(share of the layer's range)")
    ax.set_title(title, fontsize=10)
    return ax
