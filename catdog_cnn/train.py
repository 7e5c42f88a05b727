"""Training a model from a named recipe, and writing a run folder with everything it produced."""

from __future__ import annotations

import dataclasses
import json
import os
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from tqdm.auto import tqdm

from ._keras import keras, tf
from ._quiet import c_stderr_silenced
from .augment import Augmentation
from .config import (
    EVAL_BATCH_SIZE,
    STEPS_PER_EXECUTION,
    TEACHER_WEIGHT,
    CatDogError,
)
from .data import Split, load_split
from .evaluate import evaluate
from .generator import SegmentBatches, WindowSampler
from .model import build_model, model_config
from .recipes import (  # re-exported: the recipes need no TensorFlow
    QUICK_CHANGES,
    RECIPES,
    TrainConfig,
    recipe,
    run_folder,
)

__all__ = [
    "TrainConfig",
    "RECIPES",
    "QUICK_CHANGES",
    "recipe",
    "set_seed",
    "training_feeds",
    "SoftTargets",
    "training_callbacks",
    "TrainingProgress",
    "compile_for_training",
    "train",
    "run",
    "rescore",
    "load_run",
    "predictor",
    "ensemble_predictor",
    "eval_options",
]


def set_seed(seed: int) -> None:
    """Seed Python, numpy and TensorFlow at once, and make TensorFlow's ops deterministic."""
    keras.utils.set_random_seed(seed)
    tf.config.experimental.enable_op_determinism()


class _EpochTimer(keras.callbacks.Callback):
    def on_train_begin(self, logs: dict | None = None) -> None:
        self.seconds: list[float] = []

    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
        self._start = time.perf_counter()

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        self.seconds.append(time.perf_counter() - self._start)


def training_feeds(config: TrainConfig, split: Split) -> tuple[SegmentBatches, tuple[np.ndarray, np.ndarray] | None]:
    """The random training batches ``config`` asks for, and its fixed validation windows and labels.

    The validation windows are drawn once (``validation_steps`` batches from
    ``split.validation``, scaled as the training windows are); they are None
    when the split has no validation files.
    """
    augmentation = (
        Augmentation(
            speed=(config.speed[0], config.speed[1]),  # a list when read back from config.json
            band_prob=config.band_prob,
            tilt_prob=config.tilt_prob,
            notch_prob=config.notch_prob,
            gap_prob=config.gap_prob,
            hum_prob=config.hum_prob,
            reverb_prob=config.reverb_prob,
            background_prob=config.background_prob,
            mixup_alpha=config.mixup_alpha,
        )
        if config.augment
        else None
    )
    feed = SegmentBatches(
        WindowSampler(
            split.train,
            augmentation=augmentation,
            balance=config.balance,
            threshold=config.threshold,
            normalization=config.normalization,
        ),
        steps=config.steps_per_epoch,
        batch_size=config.batch_size,
        seed=config.seed,
    )
    if not split.validation:
        return feed, None
    validation = SegmentBatches(
        WindowSampler(split.validation, threshold=config.threshold, normalization=config.normalization),
        steps=config.validation_steps,
        batch_size=config.batch_size,
        seed=config.seed + 10_000,
        fixed=True,
    )
    return feed, validation.arrays()


class SoftTargets(keras.utils.PyDataset):
    """A training feed whose labels are moved ``weight`` of the way towards a teacher's probabilities.

    Knowledge distillation (Hinton et al., 2015) for a network with one sigmoid
    output: each window of ``feed`` is labelled ``(1 - weight) * label +
    weight * teacher(window)``, the teacher seeing the same augmented window as
    the network being trained. ``teacher`` must be safe to call from the feed's
    threads, as :func:`ensemble_predictor` is.
    """

    def __init__(
        self,
        feed: SegmentBatches,
        teacher: Callable[[np.ndarray], np.ndarray],
        weight: float = TEACHER_WEIGHT,
    ) -> None:
        super().__init__(workers=feed.workers)
        self.feed, self.teacher, self.weight = feed, teacher, weight

    def __len__(self) -> int:
        return len(self.feed)

    def __getitem__(self, index: int) -> tuple[np.ndarray, np.ndarray]:
        x, labels = self.feed[index]
        taught = (1 - self.weight) * labels + self.weight * np.asarray(self.teacher(x)).ravel()
        return x, taught.astype(np.float32)

    def on_epoch_end(self) -> None:
        self.feed.on_epoch_end()


def compile_for_training(model: keras.Model, config: TrainConfig) -> keras.Model:
    """Compile ``model`` with ``config``'s optimizer (Adam, optionally keeping a moving average), loss and metric.

    Training steps run :data:`~catdog_cnn.config.STEPS_PER_EXECUTION` per call
    into TensorFlow, which changes no number. Returns the model.
    """
    if config.cosine and config.reduce_lr:
        raise CatDogError("choose one learning-rate schedule: cosine or reduce_lr, not both")
    learning_rate = config.learning_rate
    if config.cosine:
        learning_rate = keras.optimizers.schedules.CosineDecay(
            learning_rate, decay_steps=config.epochs * config.steps_per_epoch
        )
    optimizer = keras.optimizers.Adam(
        learning_rate, weight_decay=config.weight_decay or None, use_ema=config.ema, ema_momentum=0.99
    )
    model.compile(
        optimizer=optimizer,
        loss=keras.losses.BinaryCrossentropy(label_smoothing=config.label_smoothing),
        metrics=["accuracy"],
        steps_per_execution=min(STEPS_PER_EXECUTION, config.steps_per_epoch),
    )
    return model


class TrainingProgress(keras.callbacks.Callback):
    """One progress bar over all training steps, with the time left and the last epoch's scores.

    The estimate assumes every epoch runs; early stopping can end training
    sooner. The bar writes to standard output, because TensorFlow's log lines
    are silenced on standard error while a model trains.
    """

    def __init__(self, epochs: int, steps_per_epoch: int) -> None:
        super().__init__()
        self.epochs, self.steps_per_epoch = epochs, steps_per_epoch

    def on_train_begin(self, logs: dict | None = None) -> None:
        self.bar = tqdm(
            total=self.epochs * self.steps_per_epoch,
            desc=f"training, at most {self.epochs} epochs",
            unit="step",
            file=sys.stdout,
            dynamic_ncols=True,
        )

    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
        self._done = epoch * self.steps_per_epoch

    def on_train_batch_end(self, batch: int, logs: dict | None = None) -> None:
        done = self._done + batch + 1  # with several steps per execution, ``batch`` is the last step's index
        self.bar.update(done - self.bar.n)

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        scores = {k: f"{v:.3f}" for k, v in (logs or {}).items() if k in ("loss", "val_loss", "val_accuracy")}
        self.bar.set_postfix(epoch=f"{epoch + 1}/{self.epochs}", **scores)

    def on_train_end(self, logs: dict | None = None) -> None:
        self.bar.close()


def training_callbacks(config: TrainConfig, *, validated: bool = True) -> list[keras.callbacks.Callback]:
    """The callbacks ``config`` asks for: weight averaging, early stopping, learning-rate halving.

    Early stopping and halving need validation files (``validated``); the moving
    average comes first, so that validation and the callbacks after it see the
    averaged weights.
    """
    callbacks: list[keras.callbacks.Callback] = []
    if config.ema:  # validate, early-stop and keep an exponential moving average of the weights
        callbacks.append(keras.callbacks.SwapEMAWeights(swap_on_epoch=True))
    if validated and config.patience:
        callbacks.append(
            keras.callbacks.EarlyStopping(
                patience=config.patience, restore_best_weights=True, start_from_epoch=config.patience_from
            )
        )
    if validated and config.reduce_lr:  # halve the step size when validation loss stalls
        callbacks.append(keras.callbacks.ReduceLROnPlateau(factor=0.5, patience=3, min_lr=1e-5))
    return callbacks


def train(
    config: TrainConfig,
    split: Split,
    *,
    teacher: Callable[[np.ndarray], np.ndarray] | None = None,
    teacher_weight: float = TEACHER_WEIGHT,
    verbose: int | str = "auto",
    progress: bool = False,
) -> tuple[keras.Model, dict[str, list]]:
    """Train a fresh model on ``split.train``, validating on random windows of ``split.validation``.

    With a ``teacher`` (a probability function such as :func:`ensemble_predictor`
    of trained models), the training labels are softened towards its
    probabilities (see :class:`SoftTargets`); validation labels stay as they are.
    The validation windows (see :func:`training_feeds`) are scored after every
    epoch in batches of :data:`~catdog_cnn.config.EVAL_BATCH_SIZE`, which
    moves validation loss only in its last float digits. ``progress`` shows one
    :class:`TrainingProgress` bar instead of Keras' output (``verbose``).

    Returns
    -------
    model : keras.Model
        The trained model (best validation-loss weights when ``patience`` is set).
    history : dict
        Per-epoch ``loss``, ``accuracy``, ``val_loss``, ``val_accuracy`` and ``seconds``.
    """
    set_seed(config.seed)
    feed, validation = training_feeds(config, split)
    if teacher is not None:
        feed = SoftTargets(feed, teacher, teacher_weight)
    callbacks = [timer := _EpochTimer(), *training_callbacks(config, validated=validation is not None)]
    if progress:
        callbacks.append(TrainingProgress(config.epochs, config.steps_per_epoch))
        verbose = 0
    model = compile_for_training(build_model(config.preset, **config.model), config)
    with c_stderr_silenced():
        fit = model.fit(
            feed,
            epochs=config.epochs,
            validation_data=validation,
            validation_batch_size=EVAL_BATCH_SIZE,
            callbacks=callbacks,
            verbose=verbose,
        )
    history = {k: [float(v) for v in vals] for k, vals in fit.history.items()}
    history["seconds"] = timer.seconds
    return model, history


def eval_options(config: TrainConfig) -> dict[str, Any]:
    """The keyword arguments of :func:`~catdog_cnn.evaluate.evaluate` that ``config`` asks for."""
    return {"normalization": config.eval_normalization, "min_peak": config.eval_min_peak}


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
            for peak in (0.0, config.threshold)
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
    (path / "metrics.json").write_text(json.dumps(metrics, indent=2))
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
    scalings and window selections, training time, the duplicates dropped from the split).

    Returns
    -------
    dict
        The content of ``metrics.json``.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
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
    model.save(out / "model.keras")
    full = {**dataclasses.asdict(config), "architecture": model_config(config.preset, **config.model)}
    (out / "config.json").write_text(json.dumps(full, indent=2))
    (out / "history.json").write_text(json.dumps(history, indent=2))
    (out / "metrics.json").write_text(json.dumps(metrics, indent=2))
    return metrics


def predictor(model: keras.Model, batch_size: int = EVAL_BATCH_SIZE):
    """A numpy-in, numpy-out probability function for :func:`~catdog_cnn.evaluate.evaluate`."""

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
    model_file = path / "model.keras" if path.is_dir() else path
    if not model_file.is_file():
        raise CatDogError(f"{model_file}: no such model file; train one with `catdog-cnn train`.")
    try:
        model = keras.models.load_model(model_file)
    except Exception as err:  # Keras raises many types for a bad file
        raise CatDogError(f"{model_file}: cannot load the model ({err}).") from None
    config = TrainConfig()
    if (folder / "config.json").is_file():
        saved = json.loads((folder / "config.json").read_text())
        known = {f.name for f in dataclasses.fields(TrainConfig)}
        config = TrainConfig(**{k: v for k, v in saved.items() if k in known})
    return model, config
