"""Training a model from a recipe: the seeded feeds, the optimizer, the callbacks, the fit."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable

import numpy as np
from tqdm.auto import tqdm

from .._keras import keras, tf
from .._quiet import c_stderr_silenced
from ..config import (
    EVAL_BATCH_SIZE,
    STEPS_PER_EXECUTION,
    TEACHER_WEIGHT,
)
from ..sound.data import Split
from ..sound.generator import SegmentBatches, WindowSampler
from .model import build_model
from .recipes import (  # re-exported: the recipes need no TensorFlow
    QUICK_CHANGES,
    RECIPES,
    TrainConfig,
    changed,
    recipe,
)

__all__ = [
    "TrainConfig",
    "RECIPES",
    "QUICK_CHANGES",
    "recipe",
    "changed",
    "set_seed",
    "training_feeds",
    "SoftTargets",
    "training_callbacks",
    "TrainingProgress",
    "compile_for_training",
    "train",
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


def training_feeds(
    config: TrainConfig, split: Split, *, sampler: type[WindowSampler] = WindowSampler
) -> tuple[SegmentBatches, tuple[np.ndarray, np.ndarray] | None]:
    """The random training batches ``config`` asks for, and its fixed validation windows and labels.

    Training windows are drawn by ``sampler`` (a :class:`~catdog_cnn.sound.generator.WindowSampler` or a
    subclass). The validation windows are drawn once (``validation_steps`` batches from
    ``split.validation``, scaled as the training windows are, not augmented); they are None
    when the split has no validation files.
    """
    windows, steps = config.windows, config.optimisation
    feed = SegmentBatches(
        sampler(
            split.train,
            augmentation=config.augmentation,
            threshold=windows.threshold,
            normalization=windows.normalization,
        ),
        steps=steps.steps_per_epoch,
        batch_size=steps.batch_size,
        seed=config.seed,
    )
    if not split.validation:
        return feed, None
    validation = SegmentBatches(
        WindowSampler(split.validation, threshold=windows.threshold, normalization=windows.normalization),
        steps=steps.validation_steps,
        batch_size=steps.batch_size,
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
    steps = config.optimisation
    model.compile(
        optimizer=keras.optimizers.Adam(steps.learning_rate, use_ema=steps.ema, ema_momentum=0.99),
        loss=keras.losses.BinaryCrossentropy(),
        metrics=["accuracy"],
        steps_per_execution=min(STEPS_PER_EXECUTION, steps.steps_per_epoch),
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
        self.bar.set_postfix(epoch=f"{epoch + 1}/{self.epochs} ({self.epochs - epoch - 1} left)", **scores)

    def on_train_end(self, logs: dict | None = None) -> None:
        self.bar.close()


def training_callbacks(config: TrainConfig, *, validated: bool = True) -> list[keras.callbacks.Callback]:
    """The callbacks ``config`` asks for: weight averaging, early stopping, learning-rate halving.

    Early stopping and halving need validation files (``validated``); the moving
    average comes first, so that validation and the callbacks after it see the
    averaged weights.
    """
    steps = config.optimisation
    callbacks: list[keras.callbacks.Callback] = []
    if steps.ema:  # validate, early-stop and keep an exponential moving average of the weights
        callbacks.append(keras.callbacks.SwapEMAWeights(swap_on_epoch=True))
    if validated and steps.patience:
        callbacks.append(
            keras.callbacks.EarlyStopping(
                patience=steps.patience, restore_best_weights=True, start_from_epoch=steps.patience_from
            )
        )
    if validated and steps.reduce_lr:  # halve the step size when validation loss stalls
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
    compile_model: Callable[[keras.Model, TrainConfig], keras.Model] = compile_for_training,
    sampler: type[WindowSampler] = WindowSampler,
) -> tuple[keras.Model, dict[str, list]]:
    """Train a fresh model on ``split.train``, validating on random windows of ``split.validation``.

    With a ``teacher`` (a probability function such as :func:`ensemble_predictor`
    of trained models), the training labels are softened towards its
    probabilities (see :class:`SoftTargets`); validation labels stay as they are.
    The validation windows (see :func:`training_feeds`) are scored after every
    epoch in batches of :data:`~catdog_cnn.config.EVAL_BATCH_SIZE`, which
    moves validation loss only in its last float digits. ``progress`` shows one
    :class:`TrainingProgress` bar instead of Keras' output (``verbose``). A study that
    trains otherwise passes its own ``compile_model`` (optimizer and loss, as
    :func:`compile_for_training`) or training-window ``sampler`` (see :func:`training_feeds`).

    Returns
    -------
    model : keras.Model
        The trained model (best validation-loss weights when ``patience`` is set).
    history : dict
        Per-epoch ``loss``, ``accuracy``, ``val_loss``, ``val_accuracy`` and ``seconds``.
    """
    set_seed(config.seed)
    feed, validation = training_feeds(config, split, sampler=sampler)
    if teacher is not None:
        feed = SoftTargets(feed, teacher, teacher_weight)
    callbacks = [timer := _EpochTimer(), *training_callbacks(config, validated=validation is not None)]
    if progress:
        callbacks.append(TrainingProgress(config.optimisation.epochs, config.optimisation.steps_per_epoch))
        verbose = 0
    model = compile_model(build_model(config.model.preset, **config.model.options), config)
    with c_stderr_silenced():
        fit = model.fit(
            feed,
            epochs=config.optimisation.epochs,
            validation_data=validation,
            validation_batch_size=EVAL_BATCH_SIZE,
            callbacks=callbacks,
            verbose=verbose,
        )
    history = {k: [float(v) for v in vals] for k, vals in fit.history.items()}
    history["seconds"] = timer.seconds
    return model, history
