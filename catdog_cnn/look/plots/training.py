"""Figures of training and scores: learning curves, confusion, clip votes, the tuning grid, accuracy."""

from __future__ import annotations

import numpy as np
from matplotlib.axes import Axes
from matplotlib.patches import Patch

from ...sound.data import LABELS
from ._base import (
    CLASS_COLORS,
    FIT_COLORS,
    LINE_COLORS,
    _axes,
)


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
    """Mean probability of dog per test clip, sorted, coloured by true class, with the 0.5 line; a dot on every
    bar's top, so that a clip whose p(dog) is near 0 is still seen."""
    ax = _axes(ax, figsize=(9, 3))
    rows = sorted(files, key=lambda r: r["p_dog"])
    colors = [CLASS_COLORS[LABELS.index(r["label"])] for r in rows]
    ax.bar(np.arange(len(rows)), [r["p_dog"] for r in rows], color=colors)
    ax.scatter(np.arange(len(rows)), [r["p_dog"] for r in rows], c=colors, s=8, zorder=3, clip_on=False)
    ax.axhline(0.5, color="black", lw=0.8, ls="--", label="0.5: called dog above")
    handles = [Patch(color=CLASS_COLORS[i], label=f"truly {name}") for i, name in enumerate(LABELS)]
    ax.legend(handles=[*handles, ax.lines[-1]], loc="upper left", fontsize="small")
    ax.set_xlabel("test clips, sorted by the model's vote")
    ax.set_ylabel("mean p(dog)")
    ax.set_ylim(0, 1)
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


def candidates(
    rows: dict[str, list[float]],
    *,
    reference: str | None = None,
    seed_sd: float | None = None,
    adopted: tuple[str, ...] = (),
    ax: Axes | None = None,
    metric: str = "validation windows right",
    name_width: int = 60,
) -> Axes:
    """One line per candidate: each seed's score as a dot, their mean as a bar; a band for chance around a reference.

    ``rows`` maps a candidate's name to its scores per seed (fractions), in the order to draw them, top down.
    With ``reference`` (a row's name) and ``seed_sd`` (the standard deviation of one seed's score), a grey band
    spans the reference's mean ± 2 standard errors of a difference of two such means (``2 * seed_sd * sqrt(2 /
    seeds)``): a candidate whose mean falls inside it cannot be told from the reference. ``adopted`` candidates are
    drawn in the first line colour, the others in grey. Names longer than ``name_width`` are shortened.
    """
    names = list(rows)
    ax = _axes(ax, figsize=(9, 0.24 * len(names) + 1.4))
    y = np.arange(len(names))[::-1]
    if reference is not None and seed_sd is not None:
        centre, seeds = 100 * np.mean(rows[reference]), len(rows[reference])
        half = 100 * 2 * seed_sd * np.sqrt(2 / seeds)
        ax.axvspan(centre - half, centre + half, color="0.88", zorder=0,
                   label=f"the reference's mean ± {half:.1f} points: 2 standard errors of a difference")  # fmt: skip
    for yi, name in zip(y, names, strict=True):
        scores = 100 * np.asarray(rows[name])
        color = LINE_COLORS[0] if name in adopted else "0.45"
        ax.scatter(scores, np.full(len(scores), yi), s=12, color=color, alpha=0.7, zorder=2)
        ax.plot([scores.mean()] * 2, [yi - 0.35, yi + 0.35], color=color, lw=2, zorder=3)
    short = [name if len(name) <= name_width else name[: name_width - 1] + "…" for name in names]
    ax.set_yticks(y, short, fontsize=7)
    ax.set_xlabel(f"{metric} (%)")
    ax.set_ylim(-0.8, len(names) - 0.2)
    handles = [Patch(color=LINE_COLORS[0], label="adopted"), Patch(color="0.45", label="not adopted")]
    if reference is not None and seed_sd is not None:
        handles.insert(0, ax.patches[0])
    ax.legend(handles=handles, loc="lower left", bbox_to_anchor=(0, 1.01), fontsize=7, frameon=False, ncol=3)
    return ax


def change_heatmap(
    changes: dict[str, dict[str, float]], *, ax: Axes | None = None, label: str = "change in accuracy (points)"
) -> Axes:
    """A table of changes as colours: rows are conditions, columns models, each cell its number, written in.

    ``changes`` maps a condition to ``{model: change}``; the colour scale is centred on 0 (red worse, blue better).
    """
    conditions = list(changes)
    models = list(next(iter(changes.values())))
    values = np.array([[changes[c][m] for m in models] for c in conditions])
    ax = _axes(ax, figsize=(1.1 * len(models) + 3.5, 0.36 * len(conditions) + 1.6))
    limit = max(float(np.nanmax(np.abs(values))), 1e-9)
    image = ax.imshow(values, cmap="RdBu", vmin=-limit, vmax=limit, aspect="auto")
    for (i, j), v in np.ndenumerate(values):
        ax.text(
            j, i, f"{v:+.1f}", ha="center", va="center", fontsize=7, color="white" if abs(v) > limit / 2 else "black"
        )
    ax.set_xticks(range(len(models)), models, rotation=30, ha="right", fontsize=8)
    ax.set_yticks(range(len(conditions)), conditions, fontsize=8)
    ax.figure.colorbar(image, ax=ax, label=label, pad=0.01)
    return ax
