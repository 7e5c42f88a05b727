"""The explorer for any browser: ``catdog-cnn export-web`` writes a static folder that runs the networks in the page.

The folder holds ``index.html``, the page's scripts and style (``catdog_cnn/web_static``) and ``models.js``, the
networks with their weights as float32 in base64: the page reads them with ``<script>`` tags,
so it works from any static web server or straight from the disk, and requests nothing from outside its folder.
The page's forward pass (``net.js``) mirrors :mod:`catdog_cnn.numpy_net` function by function.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
from importlib.resources import files
from pathlib import Path
from typing import Any

import numpy as np

from .config import MIN_SOUND_SECONDS, SAMPLE_RATE, SEGMENT, SILENCE_DBFS, SOUND_FRAME_SECONDS, CatDogError
from .numpy_net import Layer, network_layers

__all__ = ["STATIC_FILES", "field_starts", "model_document", "export_web"]

STATIC_FILES = ("index.html", "net.js", "explorer.js", "style.css")
EXAMPLES_PER_CLASS_MAX = 50  # --examples takes at most this many test windows of each class


def _array(a: np.ndarray) -> dict[str, Any]:
    return {"shape": list(a.shape), "data": base64.b64encode(np.asarray(a, "<f4").tobytes()).decode()}


def field_starts(layers: list[Layer], segment: int = SEGMENT) -> dict[str, tuple[int, int, int]]:
    """For each layer, ``(field, jump, start)`` in input samples: output step t hears the samples from
    ``start + t * jump`` for ``field`` samples (``start`` is negative where "same" padding reaches before the window).
    """
    field, jump, start, steps, out = 1, 1, 0, segment, {}
    for layer in layers:
        if layer.kind == "conv":
            size, stride = layer.arrays["kernel"].shape[0], layer.settings["stride"]
            new_steps = -(-steps // stride)
            pad_left = max((new_steps - 1) * stride + size - steps, 0) // 2
            start, field, jump, steps = start - pad_left * jump, field + (size - 1) * jump, jump * stride, new_steps
        elif layer.kind == "pool":
            size = layer.settings["size"]
            field, jump, steps = field + (size - 1) * jump, jump * size, steps // size
        elif layer.kind in ("gap", "dense"):
            field, jump, start = segment, segment, 0
        out[layer.name] = (field, jump, start)
    return out


def model_document(model: Any, name: str, normalization: str = "window") -> dict[str, Any]:
    """Everything the page needs of one network: its layers with their weights, and ``predict``'s rules."""
    if normalization != "window":
        raise CatDogError(
            f"{name}: the web explorer scales each window to its peak; this model expects {normalization!r}"
        )
    layers = network_layers(model)
    fields = field_starts(layers)
    return {
        "name": name,
        "parameters": int(model.count_params()),
        "segment": SEGMENT,
        "sample_rate": SAMPLE_RATE,
        "silence_dbfs": SILENCE_DBFS,
        "frame_seconds": SOUND_FRAME_SECONDS,
        "min_sound_seconds": MIN_SOUND_SECONDS,
        "layers": [
            {
                "kind": layer.kind,
                "name": layer.name,
                "settings": layer.settings,
                "field": fields[layer.name],
                "arrays": {k: _array(v) for k, v in layer.arrays.items()},
            }  # fmt: skip
            for layer in layers
        ],
    }


def _script(variable: str, key: str, document: Any) -> str:
    head = f"window.{variable} = window.{variable} || {{}};\n"
    return head + f"window.{variable}[{json.dumps(key)}] = {json.dumps(document)};\n"


def _examples(data_dir: str | os.PathLike | None, n: int, seed: int) -> dict[str, Any]:
    """``n`` test windows (about half of each class) from the local dataset, scaled as ``predict`` scales them."""
    from .data import find_data_dir, load_split
    from .generator import evaluation_windows

    split = load_split(find_data_dir(data_dir), seed=seed)
    windows = evaluation_windows(split.test, normalization="window")
    rng = np.random.default_rng(seed)
    chosen: list[int] = []
    for label in (0, 1):
        pool = np.flatnonzero(windows.y == label)
        chosen += list(
            rng.choice(pool, size=min((n + 1 - label) // 2, len(pool), EXAMPLES_PER_CLASS_MAX), replace=False)
        )
    return {
        "windows": [
            {"name": windows.names[windows.clip[i]], "label": int(windows.y[i]), "audio": _array(windows.x[i, :, 0])}
            for i in sorted(chosen)
        ]
    }


def export_web(
    out: str | os.PathLike,
    models: dict[str, str | os.PathLike],
    *,
    examples: int = 0,
    data_dir: str | os.PathLike | None = None,
    seed: int = 0,
) -> list[Path]:
    """Write the explorer into the folder ``out`` for ``models`` (name to run folder); returns the files written.

    ``examples`` adds that many test windows of the local dataset (``examples.js``); they stay in ``out``.
    """
    from .predict import run_options
    from .runs import load_run

    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    static = files("catdog_cnn") / "web_static"
    written = []
    for name in STATIC_FILES:
        with (static / name).open("rb") as src, open(folder / name, "wb") as dst:
            shutil.copyfileobj(src, dst)
        written.append(folder / name)
    scripts = [f"window.CATDOG_MODEL_NAMES = {json.dumps(list(models))};\n"]
    for name, run in models.items():
        document = model_document(load_run(run)[0], name, run_options(run)["normalization"])
        scripts.append(_script("CATDOG_MODELS", name, document))
    (folder / "models.js").write_text("".join(scripts))
    written.append(folder / "models.js")
    sample = folder / "examples.js"
    sample.write_text(_script("CATDOG_EXAMPLES", "test", _examples(data_dir, examples, seed)) if examples else "")
    written.append(sample)
    return written
