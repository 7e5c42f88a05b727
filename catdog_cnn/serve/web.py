"""The explorer for any browser: ``catdog-cnn export-web`` writes a static folder that runs the networks in the page.

The folder holds ``index.html``, the page's scripts and style (``catdog_cnn/serve/web_static``) and ``models.js``, the
networks with their weights as float32 in base64: the page reads them with ``<script>`` tags,
so it works from any static web server or straight from the disk, and requests nothing from outside its folder.
The page's forward pass (``net.js``) mirrors :mod:`catdog_cnn.serve.numpy_net` function by function.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
from collections.abc import Mapping
from importlib.resources import files
from pathlib import Path
from typing import Any

import numpy as np

from ..config import MIN_SOUND_SECONDS, SAMPLE_RATE, SEGMENT, SILENCE_DBFS, SOUND_FRAME_SECONDS, CatDogError
from ..sound.audio import int16_samples
from ..sound.inputs import printable
from .numpy_net import Layer
from .output_folder import check_folder, write_folder
from .spec import InferenceSpec, load_spec, run_folder

__all__ = ["STATIC_FILES", "field_starts", "model_document", "training_windows", "run_names", "check_run", "export_web"]

STATIC_FILES = ("index.html", "net.js", "learn.js", "worker.js", "trainer.js", "explorer.js", "style.css")
EXAMPLES_PER_CLASS_MAX = 50  # --examples takes at most this many test windows of each class
TRAINING_VALIDATION_SHARE = 0.25  # --training-windows N packs N training windows and a quarter as many validation ones
TRAINING_MIN_PEAK = 0.1  # packed windows reach this share of their file's peak, as m5's training windows do


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


def model_document(spec: InferenceSpec, name: str) -> dict[str, Any]:
    """Everything the page needs of one network (checked by :func:`check_run`): its layers with their weights,
    and ``predict``'s rules."""
    layers = spec.layers
    fields = field_starts(layers)
    return {
        "name": name,
        "parameters": spec.parameters,
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
    from ..sound.data import find_data_dir, load_split
    from ..sound.windows import evaluation_windows

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


def _int16(x: np.ndarray) -> str:
    return base64.b64encode(int16_samples(x).tobytes()).decode()


def training_windows(data_dir: str | os.PathLike | None, n: int, seed: int = 0) -> dict[str, Any]:
    """``n`` training windows and a quarter as many validation windows (at least 2) of the local dataset, half of
    each class where the files allow, for training in the page.

    They are cut as ``predict`` cuts a recording (consecutive seconds, each scaled to its peak) from the split's
    training and validation files, keeping seconds that reach :data:`TRAINING_MIN_PEAK` of their file's peak, and
    stored as 16-bit samples (32 kB a window) with their labels.
    """
    from ..sound.data import find_data_dir, load_split
    from ..sound.windows import evaluation_windows

    split = load_split(find_data_dir(data_dir), seed=seed)
    rng = np.random.default_rng(seed)
    packed: dict[str, Any] = {"sample_rate": SAMPLE_RATE, "segment": SEGMENT}
    validation = max(2, round(n * TRAINING_VALIDATION_SHARE))
    for side, clips, count in (("train", split.train, n), ("validation", split.validation, validation)):
        windows = evaluation_windows(clips, normalization="window", min_peak=TRAINING_MIN_PEAK)
        chosen: list[int] = []
        for label in (0, 1):
            pool = np.flatnonzero(windows.y == label)
            chosen += list(rng.choice(pool, size=min((count + 1 - label) // 2, len(pool)), replace=False))
        chosen.sort()
        packed[side] = {"labels": [int(windows.y[i]) for i in chosen], "audio": _int16(windows.x[chosen, :, 0])}
    return packed


def run_names(runs: list[Path]) -> dict[str, Path]:
    """A distinct name for each run folder: its own name, or as many of its last path parts as tell it apart.

    Raises
    ------
    CatDogError
        If the same run folder is given twice.
    """
    resolved = [Path(r).resolve() for r in runs]
    for i, run in enumerate(resolved):
        if run in resolved[:i]:
            raise CatDogError(f"{printable(str(runs[i]))}: given twice as --model; give each run folder once.")
    parts = 1
    while True:
        names = ["/".join(r.parts[-parts:]) for r in resolved]
        if len(set(names)) == len(names) or parts >= max(len(r.parts) for r in resolved):
            return dict(zip(names, runs, strict=True))
        parts += 1


def check_run(run: str | os.PathLike) -> InferenceSpec:
    """Refuse, before any work, a run folder the page cannot answer as ``predict`` does; return its inference spec.

    Raises
    ------
    CatDogError
        If the folder has no inference spec (:func:`~catdog_cnn.serve.spec.load_spec` says how to make it), or
        its evaluation rule (scaling, window selection) is one the page does not implement.
    """
    spec, where = load_spec(run), printable(str(run_folder(run)))
    if spec.normalization != "window":
        raise CatDogError(f"{where}: its evaluation rule eval_normalization: {spec.normalization!r} is not one the web "
                          "explorer implements (it scales each window to its peak); export a run whose config.json "
                          "has eval_normalization 'window'.")  # fmt: skip
    if spec.min_peak > 0:
        raise CatDogError(f"{where}: its evaluation rule eval_min_peak: {spec.min_peak} (judge only windows near the "
                          "recording's peak) is not one the web explorer implements; export a run whose config.json "
                          "has eval_min_peak 0, or use `catdog-cnn predict --model`.")  # fmt: skip
    return spec


def export_web(
    out: str | os.PathLike,
    models: Mapping[str, str | os.PathLike],
    *,
    examples: int = 0,
    training: int = 0,
    data_dir: str | os.PathLike | None = None,
    seed: int = 0,
    force: bool = False,
) -> list[Path]:
    """Write the explorer into the folder ``out`` for ``models`` (name to run folder); returns the files written.

    ``examples`` adds that many test windows of the local dataset (``examples.js``), ``training`` that many training
    windows and a quarter as many validation windows for the page's training panel (``training.js``, see
    :func:`training_windows`); they stay in ``out``.
    Everything is checked before any work (see :func:`~catdog_cnn.serve.output_folder.check_folder` and
    :func:`check_run`), and the folder is built aside and put in place whole, so a failure leaves ``out`` as
    it was.
    """
    from ..sound.data import find_data_dir

    package = Path(str(files("catdog_cnn")))
    check_folder(out, "export-web", force=force, protected=[package])
    if examples < 0:
        raise CatDogError(f"--examples must be 0 or more, not {examples}")
    if training < 0:
        raise CatDogError(f"--training-windows must be 0 or more, not {training}")
    specs = {name: check_run(run) for name, run in models.items()}
    data = find_data_dir(data_dir) if examples or training else None

    def build(folder: Path) -> None:
        static = files("catdog_cnn.serve") / "web_static"
        for name in STATIC_FILES:
            with (static / name).open("rb") as src, open(folder / name, "wb") as dst:
                shutil.copyfileobj(src, dst)
        scripts = [f"window.CATDOG_MODEL_NAMES = {json.dumps(list(models))};\n"]
        for name, spec in specs.items():
            scripts.append(_script("CATDOG_MODELS", name, model_document(spec, name)))
        (folder / "models.js").write_text("".join(scripts))
        sample = _script("CATDOG_EXAMPLES", "test", _examples(data, examples, seed)) if examples else ""
        (folder / "examples.js").write_text(sample)
        packed = f"window.CATDOG_TRAINING = {json.dumps(training_windows(data, training, seed))};\n" if training else ""
        (folder / "training.js").write_text(packed)

    return write_folder(out, "export-web", build, force=force)
