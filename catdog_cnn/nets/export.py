"""LiteRT twins of Keras models: converting a model to a flatbuffer (BatchNorm folded into the convolutions on
the way) and writing a run folder's ``model.tflite``, which :mod:`catdog_cnn.serve.litert` runs without TensorFlow.

>>> fast = litert_predictor(keras.models.load_model("models/original/model.keras"))
>>> fast(windows)  # windows of shape (n, 16000, 1) -> probabilities of dog, shape (n,)
"""

from __future__ import annotations

import contextlib
import io
import os
from pathlib import Path
from typing import TYPE_CHECKING

from .._quiet import c_stderr_silenced, import_tensorflow_quietly
from ..serve.litert import LITERT_BATCH, LiteRTPredictor
from ..serve.manifest import CONFIG_FILE, KERAS_FILE, LITERT_FILE, record, write_atomic, writing
from ..serve.spec import run_folder, write_spec

if TYPE_CHECKING:
    import keras

__all__ = ["convert", "export", "litert_predictor"]


def convert(model: keras.Model) -> bytes:
    """Convert a Keras model made by :func:`~catdog_cnn.nets.model.build_model` to a LiteRT flatbuffer."""
    import_tensorflow_quietly()
    import tensorflow as tf

    with c_stderr_silenced(), contextlib.redirect_stdout(io.StringIO()):  # the converter's export chatter
        return tf.lite.TFLiteConverter.from_keras_model(model).convert()


def export(run_dir: str | os.PathLike) -> Path:
    """Write ``model.tflite``, the LiteRT twin of a run folder's ``model.keras``, and its inference spec (see
    :mod:`catdog_cnn.serve.spec`); return the twin's path.

    ``catdog-cnn predict`` runs them without TensorFlow. The folder's manifest records them and the
    ``model.keras`` they were made from (and, in a folder that had no manifest, ``model.keras`` and ``config.json``).
    """
    from .runs import inference_spec, load_run

    folder = run_folder(run_dir)
    with writing(folder):
        model, config = load_run(run_dir)
        path = write_atomic(folder / LITERT_FILE, convert(model))
        made = [LITERT_FILE, *write_spec(folder, inference_spec(model, config))]
        names = [n for n in (KERAS_FILE, CONFIG_FILE) if (folder / n).is_file()]
        record(folder, [*names, *made], made_from=dict.fromkeys(made, KERAS_FILE))
    return path


def litert_predictor(model: keras.Model, batch_size: int = LITERT_BATCH) -> LiteRTPredictor:
    """A Keras model converted now (:func:`convert`) and run by LiteRT: windows to p(dog)."""
    return LiteRTPredictor(convert(model), batch_size=batch_size)
