"""The picture of :class:`~catdog_cnn.look.widgets.LayerExplorer`: one Matplotlib figure of four panels, built once
per model and redrawn by updating its artists. It knows nothing of widgets or models: it draws a :class:`Shown`.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from fractions import Fraction

import matplotlib
import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from ..config import SAMPLE_RATE
from .attribution import SLICE
from .peel import layer_title

__all__ = ["Shown", "ExplorerFigure", "per_step"]


def per_step(steps: int, seconds: float = 1.0) -> str:
    """How long one of ``steps`` equal steps of a window lasts, in words: ``"1/3 s"``, ``"50 ms"``."""
    share = Fraction(1, steps) * Fraction(seconds).limit_denominator(1000)
    return (
        f"1/{share.denominator} s"
        if share.numerator == 1 and share.denominator <= 20
        else f"{float(share) * 1000:.0f} ms"
    )


@dataclass
class Shown:
    """Everything one redraw shows: the window, the chosen layer and filter, and the decision's terms."""

    window: np.ndarray  # (segment,) samples
    title: str
    decisive_slice: int  # the 50-ms slice whose silencing moves the decision most
    evidence: np.ndarray  # the class-activation map, (steps,)
    layer: str
    activation: np.ndarray  # the chosen layer's output, (steps, filters)
    filter: int  # -1 for all
    contributions: np.ndarray  # w_i * g_i, (k,)
    bias: float


class ExplorerFigure:
    """The window with its evidence, the chosen layer, the decision term by term, and the first-layer filters.

    Parameters
    ----------
    n_components : int
        How many pooled components the sigmoid unit weighs.
    freqs, gain_db : np.ndarray
        The first-layer filters' responses (:func:`~catdog_cnn.look.peel.frequency_responses`).
    segment : int
        Samples per window.
    """

    def __init__(self, n_components: int, freqs: np.ndarray, gain_db: np.ndarray, segment: int) -> None:
        matplotlib.use("Agg", force=False)
        self.fig = Figure(figsize=(9, 6.75), dpi=100, layout="constrained")
        grid = self.fig.add_gridspec(3, 2)
        self.ax_wave = self.fig.add_subplot(grid[0, :])
        self.ax_layer = self.fig.add_subplot(grid[1, :])
        self.ax_pool = self.fig.add_subplot(grid[2, 0])
        self.ax_freq = self.fig.add_subplot(grid[2, 1])
        self._wave_panel(segment)
        self._layer_panel()
        self._decision_panel(n_components)
        self.freq_lines = self.ax_freq.plot(freqs, gain_db.T, lw=0.6, color="0.75")
        self.ax_freq.set_xlabel("frequency (Hz)")
        self.ax_freq.set_ylabel("gain (dB)")
        self.ax_freq.set_title("first-layer filters: how much of each frequency passes", fontsize=9)

    def _wave_panel(self, segment: int) -> None:
        t = np.arange(segment) / SAMPLE_RATE
        self.decisive_span = self.ax_wave.axvspan(0, SLICE / SAMPLE_RATE, color="gold", alpha=0.6, lw=0, zorder=3,
                                                  label="occlusion: the most decisive 50 ms")  # fmt: skip
        (self.wave_line,) = self.ax_wave.plot(t, np.zeros_like(t), lw=0.4, color="0.3")
        self.ax_wave.set_xlim(0, t[-1])
        self.ax_wave.set_ylim(-1.05, 1.05)
        self.ax_wave.set_xlabel("time (s)")
        self.ax_wave.set_ylabel("amplitude")
        self.ax_cam = self.ax_wave.twinx()
        (self.cam_line,) = self.ax_cam.plot([], [], color="tab:red", drawstyle="steps-mid", label="class activation")
        self.ax_cam.set_ylabel("dog evidence", color="tab:red")

    def _layer_panel(self) -> None:
        self.layer_image = self.ax_layer.imshow(
            np.zeros((2, 2)), aspect="auto", cmap="magma", interpolation="nearest", origin="lower"
        )
        self.highlight = Rectangle((0, 0), 1, 1, fill=False, edgecolor="cyan", lw=1.5)
        self.ax_layer.add_patch(self.highlight)
        (self.filter_line,) = self.ax_layer.plot([], [], lw=0.6, color="tab:blue")
        self.fig.colorbar(self.layer_image, ax=self.ax_layer, label="activation", pad=0.01)

    def _decision_panel(self, k: int) -> None:
        """Bars for w_i * g_i, then the bias b and their sum, the logit."""
        self.bars = self.ax_pool.bar(np.arange(1, k + 1), np.zeros(k))
        gap = max(1.5, k / 10)  # the two last bars stand apart, as wide as a few components
        where = [k + gap, k + 2.2 * gap]
        self.bias_bar, self.logit_bar = self.ax_pool.bar(where, [0, 0], width=0.8 * gap, color="0.5")
        self.logit_bar.set_hatch("//")
        self.ax_pool.axhline(0, color="black", lw=0.6)
        self.ax_pool.axvline(k + gap / 2, color="0.7", lw=0.6)
        ticks = [str(i) if k <= 12 or i % 5 == 0 else "" for i in range(1, k + 1)]
        self.ax_pool.set_xticks([*range(1, k + 1), *where], [*ticks, "b", "sum"])
        self.ax_pool.set_xlabel("component i, then the bias b, then the logit (their sum)")
        self.ax_pool.set_ylabel("w_i * g_i (+ dog, - cat)")

    def draw(self, s: Shown) -> bytes:
        """Bring every panel up to date with ``s``; returns the figure as PNG bytes."""
        self.wave_line.set_ydata(s.window)
        self.decisive_span.set_x(s.decisive_slice * SLICE / SAMPLE_RATE)
        seconds = len(s.window) / SAMPLE_RATE
        steps = (np.arange(len(s.evidence)) + 0.5) * seconds / len(s.evidence)
        self.cam_line.set_data(steps, s.evidence)
        self.ax_cam.set_ylim(min(s.evidence.min(), 0) - 0.1, max(s.evidence.max(), 0) + 0.1)
        self.cam_line.set_label(f"class activation: dog evidence per {per_step(len(s.evidence), seconds)}")
        handles = [self.decisive_span, self.cam_line]
        self.ax_wave.legend(handles, [str(h.get_label()) for h in handles], loc="lower left", fontsize=7)
        self.ax_wave.set_title(s.title, fontsize=10)
        self._draw_layer(s)
        self._draw_decision(s)
        for j, line in enumerate(self.freq_lines):
            chosen = j == s.filter
            line.set_color("tab:blue" if chosen else "0.75")
            line.set_linewidth(1.6 if chosen else 0.6)
            line.set_zorder(3 if chosen else 1)
        buffer = io.BytesIO()
        self.fig.savefig(buffer, format="png")
        return buffer.getvalue()

    def _draw_layer(self, s: Shown) -> None:
        """Every filter of the layer as a heat map, the chosen one outlined; its values as a line over it."""
        act = s.activation
        length, n_filters = act.shape
        one = 0 <= s.filter < n_filters
        self.layer_image.set_data(act.T)
        self.layer_image.set_extent((0, length, 0.5, n_filters + 0.5))
        self.layer_image.set_clim(act.min(), act.max() + 1e-6)
        self.highlight.set_visible(one)
        self.filter_line.set_visible(one)
        if one:
            self.highlight.set_bounds(0, s.filter + 0.5, length, 1)
            row = act[:, s.filter]
            scaled = s.filter + 0.5 + (row - row.min()) / (np.ptp(row) + 1e-6) * n_filters * 0.25
            self.filter_line.set_data(np.arange(length) + 0.5, np.minimum(scaled, n_filters + 0.5))
        self.ax_layer.set_ylim(0.5, n_filters + 0.5)
        self.ax_layer.set_ylabel("filter")
        self.ax_layer.set_xlim(0, length)
        self.ax_layer.set_xlabel("step of this layer")
        chosen = f"; filter {s.filter + 1} outlined, its values drawn over it" if one else ""
        self.ax_layer.set_title(f"{layer_title(s.layer)}: {length} steps x {n_filters} filters{chosen}", fontsize=9)

    def _draw_decision(self, s: Shown) -> None:
        c = s.contributions
        for bar, value in zip(self.bars, c, strict=True):
            bar.set_height(value)
            bar.set_color("tab:blue" if value >= 0 else "tab:orange")
        logit = float(c.sum() + s.bias)
        self.bias_bar.set_height(s.bias)
        self.logit_bar.set_height(logit)
        self.logit_bar.set_facecolor("tab:blue" if logit >= 0 else "tab:orange")
        span = max(np.abs(c).max(), abs(s.bias), abs(logit)) * 1.1 + 1e-6
        self.ax_pool.set_ylim(-span, span)
        self.ax_pool.set_title(f"the decision, term by term: logit {logit:+.2f}, p(dog) {1 / (1 + np.exp(-logit)):.2f}",
                               fontsize=9)  # fmt: skip
