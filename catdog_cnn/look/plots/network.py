"""Figures of a network peeled: a window, its prediction, activations, components, filters, tone answers."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from ...config import SAMPLE_RATE
from ...sound.data import LABELS
from ._base import (
    CLASS_COLORS,
    LINE_COLORS,
    LINE_STYLES,
    _axes,
)


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
    ten = [plt.get_cmap("tab10")(i) for i in range(10)]  # ten filters, ten colours that can be told apart
    palette = ten if len(gain_db) <= 10 else list(LINE_COLORS)
    for i, g in enumerate(gain_db):
        color, style = palette[i % len(palette)], LINE_STYLES[i // len(palette) % len(LINE_STYLES)]
        ax.plot(freqs, g, lw=1.2, color=color, ls=style, label=str(i + 1))
    ax.set_xlabel("frequency (Hz)")
    ax.set_ylabel("gain (dB)")
    ax.legend(title="filter", ncols=2, fontsize=7)
    return ax


def class_activation(
    x: np.ndarray, cam: np.ndarray, *, ax: Axes | None = None, title: str = "", sample_rate: int = SAMPLE_RATE
) -> Axes:
    """A window's waveform with its dog evidence over time (positive dog, negative cat) on a second axis.

    Each of the ``len(cam)`` values is drawn as a flat step over the equal share of the window it summarises, and
    both axes are symmetric about zero, so the waveform's zero and the evidence's zero are one line.
    """
    ax = segment(x, ax=ax, title=title, sample_rate=sample_rate)
    reach = max(abs(v) for v in ax.get_ylim())
    ax.set_ylim(-reach, reach)
    twin = ax.twinx()
    step = len(np.ravel(x)) / len(cam) / sample_rate
    twin.stairs(cam, np.arange(len(cam) + 1) * step, color="tab:red", lw=1.5)
    twin.axhline(0, color="tab:red", lw=0.5, ls=":")
    height = 1.1 * max(float(np.max(np.abs(cam))), 1e-9)
    twin.set_ylim(-height, height)
    twin.set_ylabel("dog evidence", color="tab:red")
    return ax


def frequency_response_grid(freqs: np.ndarray, gain_db: np.ndarray, *, cols: int = 5) -> Figure:
    """Small multiples: each first-layer filter's magnitude response (dB) on its own panel, one shared scale,
    the 0 dB line drawn, so each filter's tilt or notch reads on its own."""
    n = len(gain_db)
    cols = min(n, cols)
    rows = int(np.ceil(n / cols))
    fig, axes = plt.subplots(rows, cols, figsize=(2.1 * cols, 1.8 * rows + 0.4), sharex=True, sharey=True,
                             layout="constrained", squeeze=False)  # fmt: skip
    for i, ax in enumerate(axes.ravel()):
        if i >= n:
            ax.set_visible(False)
            continue
        ax.axhline(0, color="0.7", lw=0.6)
        ax.plot(freqs / 1000, gain_db[i], color=LINE_COLORS[0], lw=1.2)
        ax.set_title(f"filter {i + 1}", fontsize=9)
    for ax in axes[-1]:
        ax.set_xlabel("kHz")
    for ax in axes[:, 0]:
        ax.set_ylabel("gain (dB)")
    return fig


def tone_probe(
    freqs: np.ndarray, responses: dict[str, np.ndarray], *, titles: dict[str, str] | None = None, by_peak: bool = True
) -> Figure:
    """One heat map per layer: every unit's answer (colour) to tones of each frequency (log axis).

    ``responses`` maps a layer to an array (len(freqs), units), as
    :func:`~catdog_cnn.look.hear.tone_probe` returns; each unit's row is divided by
    its own largest answer, so the picture shows *where* each unit listens. With ``by_peak`` the rows are
    sorted by the frequency of their strongest answer, low at the bottom (units that answer no tone last).
    """
    fig, axes = plt.subplots(
        len(responses), 1, figsize=(8, 1.9 * len(responses) + 0.6), layout="constrained", squeeze=False
    )
    for ax, (name, r) in zip(axes[:, 0], responses.items(), strict=True):
        scaled = r / np.where(r.max(axis=0) > 0, r.max(axis=0), 1.0)
        if by_peak:
            peak = np.where(r.max(axis=0) > 0, np.argmax(r, axis=0), len(freqs))  # silent units last
            scaled = scaled[:, np.argsort(peak, kind="stable")]
        image = ax.pcolormesh(
            freqs, np.arange(1, r.shape[1] + 1), scaled.T, cmap="magma", vmin=0, vmax=1, shading="nearest"
        )
        ax.set_xscale("log")
        ax.set_ylabel("unit, by best tone" if by_peak else "unit")
        ax.set_title((titles or {}).get(name, name), fontsize=9)
        fig.colorbar(image, ax=ax, label="share of its peak", pad=0.01)
    axes[-1, 0].set_xlabel("tone frequency (Hz)")
    return fig


def components_by_class(named: dict[str, tuple[np.ndarray, np.ndarray]]) -> Figure:
    """One panel per network: each pooled component's contribution ``w_i * g_i`` over windows, cats beside dogs.

    ``named`` maps a title to ``(contributions, y)``: the (n, k) contributions of
    :class:`~catdog_cnn.look.peel.Decision` and the windows' labels. Boxes span the middle half, whiskers 5-95%.
    """
    fig, axes = plt.subplots(len(named), 1, figsize=(11, 2.6 * len(named) + 0.4), layout="constrained", squeeze=False)
    for ax, (title, (contributions, y)) in zip(axes[:, 0], named.items(), strict=True):
        k = contributions.shape[1]
        for label, (name, color) in enumerate(zip(LABELS, CLASS_COLORS, strict=True)):
            boxes = ax.boxplot(
                contributions[np.ravel(y) == label],
                positions=np.arange(1, k + 1) + (label - 0.5) * 0.38,
                widths=0.34,
                whis=(5, 95),
                showfliers=False,
                patch_artist=True,
                manage_ticks=False,
            )
            for box in boxes["boxes"]:
                box.set(facecolor=color, alpha=0.6, edgecolor=color)
            for part in ("whiskers", "caps", "medians"):
                for line in boxes[part]:
                    line.set(color=color, lw=0.8)
            ax.plot([], [], color=color, lw=6, alpha=0.6, label=f"{name} windows")
        ax.axhline(0, color="0.5", lw=0.6)
        ax.set_xticks(np.arange(1, k + 1), [str(i) if i == 1 or i % 5 == 0 else "" for i in range(1, k + 1)])
        ax.set_xlim(0.4, k + 0.6)
        ax.set_ylabel("push towards dog\n(logit units)")
        ax.set_title(title, fontsize=10)
        ax.legend(loc="upper right", fontsize="small", ncol=2)
    axes[-1, 0].set_xlabel("pooled component")
    return fig


def relevances(
    x: np.ndarray, by_method: dict[str, np.ndarray], *, title: str = "", sample_rate: int = SAMPLE_RATE
) -> Figure:
    """A window's waveform over one panel per method: each slice's relevance as a bar, scaled to the method's
    largest, so the methods' orderings compare at a glance (their units differ).

    ``by_method`` maps a method to its relevance of every slice (one window's row of
    :func:`~catdog_cnn.look.attribution.relevance`); the slices split the window into equal parts.
    """
    fig, axes = plt.subplots(len(by_method) + 1, 1, figsize=(8, 1.2 * len(by_method) + 2.2), sharex=True,
                             layout="constrained", height_ratios=[2] + [1] * len(by_method))  # fmt: skip
    segment(x, ax=axes[0], title=title, sample_rate=sample_rate)
    axes[0].set_xlabel("")
    seconds = len(np.ravel(x)) / sample_rate
    for i, (ax, (method, values)) in enumerate(zip(axes[1:], by_method.items(), strict=True)):
        values = np.asarray(values, dtype=float)
        width = seconds / len(values)
        scaled = values / max(float(np.max(np.abs(values))), 1e-12)
        ax.bar(np.arange(len(values)) * width, scaled, width=0.9 * width, align="edge",
               color=LINE_COLORS[i % len(LINE_COLORS)])  # fmt: skip
        ax.axhline(0, color="0.7", lw=0.6)
        ax.set_ylim(min(-0.1, float(scaled.min()) * 1.1), 1.1)
        ax.set_ylabel(method, rotation=0, ha="right", va="center", fontsize=9)
        ax.set_yticks([0, 1])
    axes[-1].set_xlabel("time (s)")
    return fig


def deletion_curves(curves: dict[str, np.ndarray], *, ax: Axes | None = None, title: str = "") -> Axes:
    """Mean p of the predicted class as 50-ms slices are deleted, most relevant first, one line per method.

    ``curves`` maps a method to its mean curve (steps + 1 values, as in
    :func:`~catdog_cnn.look.attribution.deletion_curves` averaged over windows); the random order is drawn dashed.
    """
    ax = _axes(ax, (6.5, 3.8))
    for i, (method, curve) in enumerate(curves.items()):
        curve = np.asarray(curve)
        share = np.arange(len(curve)) / (len(curve) - 1)
        random = method == "random"
        ax.plot(share * 100, curve, color="0.5" if random else LINE_COLORS[i % len(LINE_COLORS)],
                ls="--" if random else "-", lw=1.6, label=method)  # fmt: skip
    ax.axhline(0.5, color="0.7", lw=0.6)
    ax.set_xlabel("share of the window deleted, most relevant 50 ms first (%)")
    ax.set_ylabel("p(predicted class)")
    ax.set_ylim(0, 1.02)
    ax.set_title(title, fontsize=10)
    ax.legend(fontsize="small")
    return ax


def receptive_fields(
    fields: dict[str, tuple[int, int]],
    measured: dict[str, int] | None = None,
    *,
    ax: Axes | None = None,
    sample_rate: int = SAMPLE_RATE,
    title: str = "",
) -> Axes:
    """How much of the input one output step of each layer sees (bars), and how far apart the steps are (ticks).

    ``fields`` maps a layer to ``(field, jump)`` in samples (:func:`~catdog_cnn.look.peel.receptive_fields`);
    ``measured`` optionally maps a layer to the span found by experiment (:func:`~catdog_cnn.look.peel.gradient_span`),
    drawn as a dot. The time axis is logarithmic, in milliseconds.
    """
    ax = _axes(ax, figsize=(7, 0.32 * len(fields) + 1.2))
    names = list(fields)
    y = np.arange(len(names))[::-1]
    ms = 1000 / sample_rate
    ax.barh(y, [fields[n][0] * ms for n in names], color="#9ecae1", label="receptive field")
    ax.scatter([fields[n][1] * ms for n in names], y, marker="|", s=120, color="black", label="step between outputs")
    if measured:
        shown = [n for n in names if n in measured]
        ax.scatter([measured[n] * ms for n in shown], [y[names.index(n)] for n in shown], color=LINE_COLORS[1],
                   zorder=3, s=18, label="span of the gradient (measured)")  # fmt: skip
    ax.set_yticks(y, names)
    ax.set_xscale("log")
    ax.set_xlabel("time (ms, log scale)")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.16), ncols=3, fontsize=8, frameon=False)
    ax.set_title(title)
    return ax
