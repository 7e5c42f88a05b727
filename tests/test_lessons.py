"""The lessons read as a student meets them: no visible code or exercise leans on a name defined only in a hidden
cell, and every term the book uses is in the glossary."""

import ast
import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
HIDDEN = {"remove-input", "remove-cell"}


def _cells(path: Path) -> list[dict]:
    return json.loads(path.read_text())["cells"]


def _is_hidden(cell: dict) -> bool:
    return bool(HIDDEN & set(cell.get("metadata", {}).get("tags", [])))


def _bound(source: str) -> set[str]:
    """Names a code cell binds: assignments, imports, functions, classes, loop and with targets."""
    tree = ast.parse(source)
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
        elif isinstance(node, ast.arg):
            names.add(node.arg)
        elif isinstance(node, ast.FunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Import | ast.ImportFrom):
            names.update((alias.asname or alias.name).split(".")[0] for alias in node.names)
    return names


def _used(source: str) -> set[str]:
    return {n.id for n in ast.walk(ast.parse(source)) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}


def hidden_names_shown(path: Path) -> dict[str, set[str]]:
    """For each visible cell (by index), the names it uses that a hidden cell defines and no earlier visible cell
    does: a reader of the book, who sees only the visible cells, could not have them."""
    cells = _cells(path)
    hidden_code = [c for c in cells if c["cell_type"] == "code" and _is_hidden(c)]
    hidden = set().union(*(_bound("".join(c["source"])) for c in hidden_code))
    seen: set[str] = set()
    leaks: dict[str, set[str]] = {}
    for i, cell in enumerate(cells):
        if _is_hidden(cell):
            continue
        source = "".join(cell["source"])
        if cell["cell_type"] == "code":
            used = _used(source)
        else:  # prose: a name in backticks
            used = set(re.findall(r"`([A-Za-z_][A-Za-z0-9_]*)`", source))
        if (used & hidden) - seen:
            leaks[f"cell {i}"] = (used & hidden) - seen
        if cell["cell_type"] == "code":
            seen |= _bound(source)
    return leaks


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_no_visible_cell_uses_a_name_only_a_hidden_cell_defines(path):
    assert hidden_names_shown(path) == {}


def test_the_checker_finds_a_name_a_hidden_cell_defines(tmp_path):
    notebook = {
        "cells": [
            {"cell_type": "code", "metadata": {"tags": ["remove-input"]}, "source": ["noise = 0.1\n"]},
            {"cell_type": "markdown", "metadata": {}, "source": ["How big is `noise`?"]},
            {"cell_type": "code", "metadata": {"tags": ["solution"]}, "source": ["print(noise * 2)"]},
        ]
    }
    path = tmp_path / "n.ipynb"
    path.write_text(json.dumps(notebook))
    assert hidden_names_shown(path) == {"cell 1": {"noise"}, "cell 2": {"noise"}}


# Terms a student meets in the lessons. Each is defined in the glossary (in a bold heading) if a lesson uses it.
TERMS = (
    "sample", "window", "clip", "dBFS", "Nyquist", "FIR", "taps", "frequency response", "gain", "notch",
    "convolution", "stride", "downsampling", "aliasing", "decimation", "batch normalization", "ReLU", "max pooling",
    "block", "receptive field", "global average pooling", "logit", "sigmoid", "class activation map", "occlusion",
    "loss", "binary cross-entropy", "gradient", "gradient descent", "learning rate", "backpropagation", "batch",
    "step", "epoch", "Adam", "overfitting", "early stopping", "validation files", "test files", "spectrogram",
    "log-mel", "AUC", "logistic regression", "standard deviation", "standard error", "seed", "selection bias",
    "SmoothGrad", "deletion curve", "correlation", "augmentation", "parameter", "multiply-add", "peak threshold",
    "mean vote", "activation maximization", "tone probe", "knowledge distillation", "cross-validation", "embedding",
    "probe", "confusion matrix", "per-window scaling", "moving average", "weight", "bias", "kernel", "feature map",
    "mixup", "fine-tuning", "pretrained", "attribution", "rank correlation",
)  # fmt: skip


def _book_text() -> str:
    parts = []
    for path in NOTEBOOKS:
        for cell in _cells(path):
            parts.append("".join(cell["source"]))
    return "\n".join(parts).lower()


def _glossary_headings() -> str:
    text = (ROOT / "docs" / "glossary.md").read_text()
    return "\n".join(re.findall(r"\*\*(.+?)\*\*", text)).lower()


def test_every_term_the_lessons_use_is_in_the_glossary():
    book, defined = _book_text(), _glossary_headings()
    used = [term for term in TERMS if re.search(rf"\b{re.escape(term.lower())}", book)]
    assert len(used) > 50  # the list is the book's, not a list of words it never says
    assert [term for term in used if term.lower() not in defined] == []
