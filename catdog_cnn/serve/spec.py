"""The inference spec: what answering needs of a run folder, read without TensorFlow or the training recipe.

Training writes it beside the model (``catdog-cnn prepare`` writes it for an older folder), and the manifest
records it like the rest:

``inference.json``
    How a recording is cut and judged: the sample rate, the window and its hop, how a window is scaled
    (``normalization``, ``min_peak``), the silence rule, the labels, and the network's layers (kind, name,
    settings) in order.
``inference.npz``
    The layers' arrays, named ``LAYER/ARRAY`` (``conv1d/kernel``, ``bn1/mean``, ...), in float64.
``sounds.npz``
    ``sounds`` (components, segment), 16-bit: for every component of the last block, the second of sound that drives it
    hardest (:func:`~catdog_cnn.look.hear.wants_to_hear`), which ``explain`` plays. It depends on the model,
    not on the recording, so it is computed once.
"""

from __future__ import annotations

import dataclasses
import io
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..config import MIN_SOUND_SECONDS, SAMPLE_RATE, SEGMENT, SILENCE_DBFS, SOUND_FRAME_SECONDS, CatDogError
from ..sound.audio import INT16_SCALE, int16_samples
from ..sound.data import LABELS
from .manifest import CONFIG_FILE, read_verified, verified, write_atomic
from .numpy_net import Layer

__all__ = ["SPEC_FILE", "ARRAYS_FILE", "SOUNDS_FILE", "SPEC_FORMAT", "InferenceSpec", "run_folder", "write_spec",
           "read_spec", "load_spec", "window_options", "write_sounds", "read_sounds", "PREPARE"]  # fmt: skip

SPEC_FILE = "inference.json"
ARRAYS_FILE = "inference.npz"
SOUNDS_FILE = "sounds.npz"
SPEC_FORMAT = 1  # raised when a reader of an older spec would misread a newer one
PREPARE = "catdog-cnn prepare --model {folder}"  # the command that writes a folder's spec and sounds


@dataclass
class InferenceSpec:
    """What ``predict``, ``explain`` and ``export-web`` need to answer with a network (see the module)."""

    layers: list[Layer]
    normalization: str = "window"
    min_peak: float = 0.0
    sample_rate: int = SAMPLE_RATE
    segment: int = SEGMENT
    hop: int = SEGMENT
    silence_dbfs: float = SILENCE_DBFS
    frame_seconds: float = SOUND_FRAME_SECONDS
    min_sound_seconds: float = MIN_SOUND_SECONDS
    labels: list[str] = field(default_factory=lambda: list(LABELS))

    @property
    def parameters(self) -> int:
        """The number of numbers in the network (moving statistics included, as Keras counts them)."""
        return sum(int(a.size) for layer in self.layers for a in layer.arrays.values())


def run_folder(path: str | os.PathLike) -> Path:
    """The run folder that ``path`` names: the folder itself, or the one holding a model file given instead.

    Raises
    ------
    CatDogError
        If ``path`` does not exist.
    """
    path = Path(path)
    if not path.exists():
        raise CatDogError(f"{path}: no such run folder or model file; name a folder that `catdog-cnn train` "
                          "wrote, or none for the default model.")  # fmt: skip
    return path if path.is_dir() else path.parent


def write_spec(folder: str | os.PathLike, spec: InferenceSpec) -> list[str]:
    """Write ``inference.json`` and ``inference.npz`` into ``folder``; returns their names (for the manifest)."""
    folder = Path(folder)
    document = {key: value for key, value in dataclasses.asdict(spec).items() if key != "layers"}
    document["format"] = SPEC_FORMAT
    document["layers"] = [{"kind": layer.kind, "name": layer.name, "settings": layer.settings} for layer in spec.layers]
    arrays = {
        f"{layer.name}/{key}": np.asarray(a, np.float64) for layer in spec.layers for key, a in layer.arrays.items()
    }
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)  # type: ignore[arg-type]
    write_atomic(folder / ARRAYS_FILE, buffer.getvalue())
    write_atomic(folder / SPEC_FILE, json.dumps(document, indent=2) + "\n")
    return [SPEC_FILE, ARRAYS_FILE]


def _document(folder: Path) -> dict[str, Any] | None:
    """``inference.json`` of a run folder, checked against its manifest and its format; None if it has none."""
    if not (folder / SPEC_FILE).is_file():
        return None
    try:
        document = json.loads(read_verified(folder, SPEC_FILE))
    except ValueError as err:
        raise CatDogError(f"{folder / SPEC_FILE}: not valid JSON ({err}); remake it with "
                          f"`{PREPARE.format(folder=folder)}`.") from None  # fmt: skip
    if document.get("format") != SPEC_FORMAT:
        raise CatDogError(f"{folder / SPEC_FILE}: spec format {document.get('format')!r}, this version reads "
                          f"{SPEC_FORMAT}; remake it with `{PREPARE.format(folder=folder)}`.")  # fmt: skip
    return document


def read_spec(folder: str | os.PathLike) -> InferenceSpec | None:
    """A run folder's inference spec (checked against its manifest), or None if it has none.

    Raises
    ------
    CatDogError
        If a file differs from its manifest record, or the spec is not one this version reads.
    """
    folder = run_folder(folder)
    document = _document(folder)
    if document is None:
        return None
    try:
        with np.load(io.BytesIO(read_verified(folder, ARRAYS_FILE))) as saved:
            arrays = {name: saved[name] for name in saved.files}
        layers = []
        for d in document.pop("layers"):
            own = {key.split("/", 1)[1]: a for key, a in arrays.items() if key.split("/", 1)[0] == d["name"]}
            layers.append(Layer(d["kind"], d["name"], own, d["settings"]))
    except (OSError, ValueError, KeyError) as err:
        raise CatDogError(f"{folder}: its inference spec cannot be read ({type(err).__name__}: {err}); remake it "
                          f"with `{PREPARE.format(folder=folder)}`.") from None  # fmt: skip
    document.pop("format")
    return InferenceSpec(layers, **document)


def load_spec(folder: str | os.PathLike) -> InferenceSpec:
    """:func:`read_spec`, for a command that cannot answer without the spec: a missing one says how to make it."""
    spec = read_spec(folder)
    if spec is None:
        folder = run_folder(folder)
        raise CatDogError(f"{folder}: holds no {SPEC_FILE} (folders trained before it existed); write it with "
                          f"`{PREPARE.format(folder=folder)}` (needs the training extra: "
                          "pip install 'catdog-cnn[train]').")  # fmt: skip
    return spec


def window_options(folder: str | os.PathLike) -> dict[str, Any]:
    """How a run folder's model scales and selects its windows (``normalization``, ``min_peak``).

    From the inference spec; a folder written before specs existed is read from the two keys of its
    ``config.json`` (the defaults where it has neither).
    """
    folder = run_folder(folder)
    document = _document(folder)  # the two rules only: the weights are not read
    if document is not None:
        return {"normalization": document["normalization"], "min_peak": document["min_peak"]}
    path = verified(folder, CONFIG_FILE)
    saved: dict[str, Any] = {}
    if path.is_file():
        try:
            saved = json.loads(path.read_text())
        except (ValueError, UnicodeDecodeError) as err:
            raise CatDogError(f"{path}: not valid JSON ({err}); restore the file or retrain into the folder.") from None
    windows = saved.get("windows", saved) if isinstance(saved, dict) else {}
    return {"normalization": windows.get("eval_normalization", "window"), "min_peak": windows.get("eval_min_peak", 0.0)}


def write_sounds(folder: str | os.PathLike, sounds: np.ndarray) -> list[str]:
    """Write ``sounds.npz`` (one second per component, shape (components, segment), in [-1, 1]; kept as 16-bit
    samples, as a WAV file would); returns its name."""
    buffer = io.BytesIO()
    np.savez(buffer, sounds=int16_samples(sounds))
    write_atomic(Path(folder) / SOUNDS_FILE, buffer.getvalue())
    return [SOUNDS_FILE]


def read_sounds(folder: str | os.PathLike) -> np.ndarray | None:
    """The components' sounds of a run folder (checked against its manifest), or None if it has none."""
    folder = run_folder(folder)
    if not (folder / SOUNDS_FILE).is_file():
        return None
    with np.load(io.BytesIO(read_verified(folder, SOUNDS_FILE))) as saved:
        return saved["sounds"].astype(np.float32) / INT16_SCALE
