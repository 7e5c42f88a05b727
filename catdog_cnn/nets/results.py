"""Benchmark results as notebooks quote them: read from a results JSON file, summarised over seeds.

The benchmark scripts write ``{"results": {configuration: [one dict per seed]}, "table": ...}``;
these helpers turn one configuration's runs into the "mean ± sd" figures the tables show, so
that prose can be built from the same numbers.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ..config import CatDogError

__all__ = ["load", "table", "mean_sd", "cell", "ORIGINAL_REPORTED", "TARGETS"]

# The original notebook's own figures (its text: "holdout test accuracy peaked at 79%", clips "~70% accurate").
ORIGINAL_REPORTED = {"segment_accuracy": 0.79, "clip_accuracy": 0.70}
# What this project set out to reach on the official test files.
TARGETS = {"segment_accuracy": 0.90, "clip_accuracy": 0.95}


def load(path: str | os.PathLike) -> dict[str, Any]:
    """The content of a results file written by ``benchmarks/NAME.py``.

    Raises
    ------
    CatDogError
        If the file is missing (the message gives the command that writes it).
    """
    path = Path(path)
    if not path.is_file():
        raise CatDogError(f"{path}: no benchmark results; run `python benchmarks/{path.stem}.py`.")
    return json.loads(path.read_text())


def table(path: str | os.PathLike, rows: Sequence[str] | None = None) -> str:
    """The Markdown table a benchmark script wrote into its results file (its ``"table"``).

    With ``rows``, only the rows whose first cell is one of them are kept (in the table's order), so a lesson shows
    only what it has introduced.
    """
    text = load(path)["table"]
    if rows is None:
        return text
    lines = text.splitlines()
    named = [line for line in lines[2:] if line.split("|")[1].strip() in rows]
    missing = set(rows) - {line.split("|")[1].strip() for line in named}
    if missing:
        raise KeyError(f"no such rows in {path}: {sorted(missing)}")
    return "\n".join(lines[:2] + named)


def mean_sd(runs: list[dict[str, Any]], key: str, *, scale: float = 100.0) -> tuple[float, float]:
    """Mean and sample standard deviation (ddof 1, as in the tables) of ``key`` over ``runs``, times ``scale``."""
    values = scale * np.array([run[key] for run in runs], dtype=float)
    return float(values.mean()), float(values.std(ddof=1)) if values.size > 1 else 0.0


def cell(runs: list[dict[str, Any]], key: str, *, decimals: int = 1) -> str:
    """``"85.8 ± 0.1"``: the mean ± sd of ``key`` over ``runs`` in percent, as a table cell shows it."""
    mean, sd = mean_sd(runs, key)
    return f"{mean:.{decimals}f} ± {sd:.{decimals}f}"
