"""Run folders: train, score and save a recipe's model with everything it produced, and load it back."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from .._keras import keras, tf
from .._quiet import c_stderr_silenced
from ..config import EVAL_BATCH_SIZE, CatDogError
from ..serve.manifest import CONFIG_FILE, KERAS_FILE, LITERT_FILE, MANIFEST, record, verified, write_atomic, writing
from ..serve.numpy_net import network_layers
from ..serve.spec import ARRAYS_FILE, SOUNDS_FILE, SPEC_FILE, InferenceSpec, write_spec
from ..sound.data import Split, load_split
from .evaluate import evaluate
from .model import model_config
from .recipes import TrainConfig, config_to_dict, load_config, run_folder
from .train import train

__all__ = [
    "eval_options",
    "run",
    "rescore",
    "load_run",
    "predictor",
    "ensemble_predictor",
    "inference_spec",
]


def eval_options(config: TrainConfig) -> dict[str, Any]:
    """The keyword arguments of :func:`~catdog_cnn.nets.evaluate.evaluate` that ``config`` asks for."""
    return {"normalization": config.windows.eval_normalization, "min_peak": config.windows.eval_min_peak}


def _summary(metrics: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in metrics.items() if k != "files"}


def _scores(model: keras.Model, config: TrainConfig, split: Split) -> dict[str, Any]:
    """Validation and test metrics of a trained model, as ``metrics.json`` keeps them."""
    predict = predictor(model)
    return {
        "dropped_duplicates": split.dropped,
        "validation": evaluate(predict, split.validation, **eval_options(config)),
        "test": evaluate(predict, split.test, **eval_options(config)),
        "test_variants": {
            f"{norm}, min_peak={peak}": _summary(evaluate(predict, split.test, normalization=norm, min_peak=peak))
            for norm in ("window", "none")
            for peak in (0.0, config.windows.threshold)
        },
    }


def rescore(run_dir: str | os.PathLike, *, data_dir: str | os.PathLike | None = None) -> dict[str, Any]:
    """Evaluate a run folder's model again on its split and rewrite its ``metrics.json``.

    For when the evaluation or the split has changed but the training has not:
    the training figures (time, epochs) are kept, the scores are recomputed.
    Returns the new content of ``metrics.json``.
    """
    path = Path(run_dir)
    model, config = load_run(path)
    split = load_split(data_dir, validation_fraction=config.validation_fraction, seed=config.seed)
    old = json.loads((path / "metrics.json").read_text())
    metrics = {**old, **_scores(model, config, split)}
    write_atomic(path / "metrics.json", json.dumps(metrics, indent=2))
    return metrics


def run(
    config: TrainConfig,
    out_dir: str | os.PathLike,
    *,
    data_dir: str | os.PathLike | None = None,
    verbose: int | str = "auto",
    progress: bool = False,
) -> dict[str, Any]:
    """Train, evaluate on validation and test files, and write the run folder.

    The folder holds ``model.keras``, ``config.json`` (training recipe and the
    full architecture), ``history.json`` and ``metrics.json`` (validation and
    test metrics with the per-file table, the test metrics under both window
    scalings and window selections, training time, the duplicates dropped from the split), and
    ``manifest.json``, the SHA-256 of the model files (:mod:`~catdog_cnn.serve.manifest`).

    The folder is locked while the run trains, so a second run into it is refused. Its files are
    replaced only once training is done, each atomically and the manifest last: an interrupted run
    leaves the folder as it was (or no folder, if there was none). A ``model.tflite`` from an earlier
    run is removed; :func:`~catdog_cnn.nets.export.export` makes the new one.

    Returns
    -------
    dict
        The content of ``metrics.json``.

    Raises
    ------
    CatDogError
        If another process is writing ``out_dir``.
    """
    with writing(out_dir) as out:
        split = load_split(data_dir, validation_fraction=config.validation_fraction, seed=config.seed)
        start = time.perf_counter()
        model, history = train(config, split, verbose=verbose, progress=progress)
        train_seconds = time.perf_counter() - start
        metrics = {
            "train_seconds": train_seconds,
            "seconds_per_epoch": float(np.median(history["seconds"])),
            "epochs_run": len(history["seconds"]),
            "parameters": int(model.count_params()),
            **_scores(model, config, split),
        }
        _write_run(out, model, config, history, metrics)
    return metrics


def _write_run(out: Path, model: keras.Model, config: TrainConfig, history: dict, metrics: dict) -> None:
    """The run's files, each written to a temporary name and renamed into place, the manifest last."""
    staged = out / f".{KERAS_FILE}.{os.getpid()}.part.keras"  # Keras wants the suffix
    try:
        model.save(staged)
        for stale in (LITERT_FILE, SPEC_FILE, ARRAYS_FILE, SOUNDS_FILE):  # made from the previous model
            (out / stale).unlink(missing_ok=True)
        full = {**config_to_dict(config), "architecture": model_config(config.model.preset, **config.model.options)}
        write_atomic(out / CONFIG_FILE, json.dumps(full, indent=2))  # before the model it describes
        write_atomic(out / "history.json", json.dumps(history, indent=2))
        write_atomic(out / "metrics.json", json.dumps(metrics, indent=2))
        os.replace(staged, out / KERAS_FILE)
    finally:
        staged.unlink(missing_ok=True)
    (out / MANIFEST).unlink(missing_ok=True)  # the old run's records, which no longer hold
    record(out, [KERAS_FILE, CONFIG_FILE])
    record(
        out, write_spec(out, inference_spec(model, config)), made_from={SPEC_FILE: KERAS_FILE, ARRAYS_FILE: KERAS_FILE}
    )


def inference_spec(model: keras.Model, config: TrainConfig) -> InferenceSpec:
    """What answering needs of a trained network (see :mod:`catdog_cnn.serve.spec`): its NumPy layers and how
    its recipe cuts and scales windows."""
    w = config.windows
    return InferenceSpec(network_layers(model), normalization=w.eval_normalization, min_peak=w.eval_min_peak)


def predictor(model: keras.Model, batch_size: int = EVAL_BATCH_SIZE):
    """A numpy-in, numpy-out probability function for :func:`~catdog_cnn.nets.evaluate.evaluate`."""

    def predict(x: np.ndarray) -> np.ndarray:
        with c_stderr_silenced():
            return model.predict(x, batch_size=batch_size, verbose=0).ravel()

    return predict


def ensemble_predictor(models: Sequence[keras.Model]) -> Callable[[np.ndarray], np.ndarray]:
    """The mean probability of ``models``, as one numpy-in, numpy-out function.

    Each model runs as a compiled TensorFlow function in inference mode, which
    may be called from several threads at once (a training feed's, as a teacher).
    """
    functions = [
        tf.function(lambda x, m=m: m(x, training=False), input_signature=[tf.TensorSpec(m.input_shape, tf.float32)])
        for m in models
    ]

    def predict(x: np.ndarray) -> np.ndarray:
        x = tf.convert_to_tensor(x, tf.float32)
        return np.mean([f(x).numpy().ravel() for f in functions], axis=0)

    return predict


def load_run(path: str | os.PathLike) -> tuple[keras.Model, TrainConfig]:
    """Load a model and its training recipe from a run folder or its ``model.keras``.

    Raises
    ------
    CatDogError
        If there is no model file or it cannot be loaded.
    """
    path = Path(path)
    folder = run_folder(path)
    model_file = path / KERAS_FILE if path.is_dir() else path
    if not model_file.is_file():
        raise CatDogError(f"{model_file}: no such model file; train one with `catdog-cnn train`.")
    if model_file.name == KERAS_FILE:
        verified(folder, KERAS_FILE)
    config = load_config(folder) or TrainConfig()
    try:
        model = keras.models.load_model(model_file)
    except Exception as err:  # Keras raises many types for a bad file
        raise CatDogError(f"{model_file}: cannot load the model ({err}).") from None
    return model, config
