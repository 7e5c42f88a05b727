"""A systematic version of the original's hand search, run with KerasTuner on validation files.

The original tried kernel sizes 3/4/5 with strides 1/2/3 and 5 or 10 filters.
Here every combination of a grid is trained with several seeds and scored on
windows of the *validation* files (never test); the number of layers follows
the stride so that the last layer keeps about 16 steps, as the original's
10 stride-2 layers do.
"""

from __future__ import annotations

import itertools
import math
import tempfile
import time
from collections.abc import Sequence
from typing import Any

from .._keras import keras
from ..config import EVAL_BATCH_SIZE, SEED, SEGMENT, TIE_DECIMALS
from ..sound.data import Split
from .model import build_model, multiply_adds
from .train import TrainConfig, changed, compile_for_training, recipe, set_seed, training_callbacks, training_feeds

__all__ = ["layers_for_stride", "tune", "table", "grid_trials", "FINAL_STEPS"]

FINAL_STEPS = 16  # length of the last layer's output in the original (16000 / 2**10, rounded up)


def layers_for_stride(stride: int, *, input_length: int = SEGMENT, final_steps: int = FINAL_STEPS) -> int:
    """Number of stride-``stride`` layers that shrink ``input_length`` to about ``final_steps``.

    Stride 1 never shrinks; it gets the original's 10 layers.
    """
    if stride == 1:
        return 10
    return max(1, round(math.log(input_length / final_steps, stride)))


class _Timer(keras.callbacks.Callback):
    """Appends, per training run, its epoch durations to ``log`` and its validation accuracies to ``scores``."""

    def __init__(self, log: list[list[float]], scores: list[list[float]]) -> None:
        super().__init__()
        self.log, self.scores = log, scores

    def __deepcopy__(self, memo: dict) -> _Timer:
        return self  # KerasTuner copies callbacks per execution; all copies must share one log

    def on_train_begin(self, logs: dict | None = None) -> None:
        self.log.append([])
        self.scores.append([])

    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
        self._start = time.perf_counter()

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        self.log[-1].append(time.perf_counter() - self._start)
        if logs and "val_accuracy" in logs:
            self.scores[-1].append(float(logs["val_accuracy"]))


def _grid_model(config: TrainConfig, knobs: dict[str, Any]) -> keras.Model:
    """The recipe's network with one grid combination's knobs, its depth following the stride."""
    n_layers = layers_for_stride(knobs.get("strides", 2))
    return build_model(config.model.preset, **{**config.model.options, "n_layers": n_layers, **knobs})


def tune(
    split: Split,
    grid: dict[str, list[Any]],
    *,
    config: TrainConfig | None = None,
    seeds: int = 2,
    directory: str | None = None,
) -> list[dict[str, Any]]:
    """Train every combination of ``grid`` (keys: ``kernel_size``, ``strides``, ``filters``), ``seeds`` times.

    Parameters
    ----------
    split : Split
        Training files feed the model; validation files score it.
    grid : dict
        Lists of values for each knob of :func:`~catdog_cnn.nets.model.build_model` to search.
    config : TrainConfig
        Training recipe (epochs, steps, scaling, augmentation, optimizer); the original's by default.
    seeds : int
        Trainings per combination (KerasTuner's executions per trial), averaged.

    Returns
    -------
    list of dict
        One row per combination: the knobs, ``n_layers``, ``params``, ``macs``,
        ``val_accuracy`` (best epoch, mean over seeds), ``val_accuracy_runs`` (each
        seed's best epoch), ``epochs_run`` (mean over
        seeds; fewer than ``config.optimisation.epochs`` when early stopping ends a run) and
        ``seconds_per_epoch``. The recipe's callbacks (see
        :func:`~catdog_cnn.nets.train.training_callbacks`) are used as in training.
    """
    import keras_tuner as kt  # imports Keras: loaded only when a search runs

    config = config or recipe("original")
    set_seed(config.seed if config.seed is not None else SEED)
    feed, validation = training_feeds(config, split)

    def hypermodel(hp: Any) -> keras.Model:  # kt.HyperParameters
        knobs = {name: hp.Choice(name, values) for name, values in grid.items()}
        return compile_for_training(_grid_model(config, knobs), config)

    with tempfile.TemporaryDirectory(prefix="catdog-tune-") as scratch:  # KerasTuner's trial files, removed after
        tuner = kt.GridSearch(
            hypermodel,
            objective="val_accuracy",
            executions_per_trial=seeds,
            seed=config.seed,
            directory=directory or scratch,
            project_name="grid",
            overwrite=True,
        )
        timer_log: list[list[float]] = []
        run_scores: list[list[float]] = []
        tuner.search(
            feed,
            validation_data=validation,
            validation_batch_size=EVAL_BATCH_SIZE,
            epochs=config.optimisation.epochs,
            verbose=0,
            callbacks=[_Timer(timer_log, run_scores), *training_callbacks(config, validated=validation is not None)],
        )
    rows = []
    for trial in tuner.oracle.trials.values():
        knobs = dict(trial.hyperparameters.values)
        model = _grid_model(config, knobs)  # the network the trial trained, with the recipe's model options
        rows.append(
            {
                **knobs,
                "n_layers": layers_for_stride(knobs.get("strides", 2)),
                "params": model.count_params(),
                "macs": multiply_adds(model),
                "val_accuracy": trial.score,
            }
        )
    for i, row in enumerate(rows):  # trials ran in this order, each ``seeds`` times
        epochs = [seconds for run in timer_log[i * seeds : (i + 1) * seeds] for seconds in run]
        row["epochs_run"] = len(epochs) / seeds
        row["seconds_per_epoch"] = sum(epochs) / len(epochs)
        row["val_accuracy_runs"] = [max(run) for run in run_scores[i * seeds : (i + 1) * seeds] if run]
    # best first; near-ties (within TIE_DECIMALS) keep the grid order, whatever another machine's round-off
    return sorted(rows, key=lambda r: -round(r["val_accuracy"], TIE_DECIMALS))


def table(rows: list[dict[str, Any]]) -> str:
    """The rows of :func:`tune` as a Markdown table, one line per combination in their order.

    Knobs a grid did not vary show the original's value (kernel 4, stride 2, 10 filters).
    """
    lines = [
        "| kernel | stride | filters | layers | parameters | M multiply-adds | s per epoch | validation accuracy |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r.get('kernel_size', 4)} | {r.get('strides', 2)} | {r.get('filters', 10)} | {r['n_layers']} "
            f"| {r['params']:,} | {r['macs'] / 1e6:.1f} | {r['seconds_per_epoch']:.1f} | {r['val_accuracy']:.3f} |"
        )
    return "\n".join(lines)


def grid_trials(grid: dict[str, list[Any]], seeds: Sequence[int], *, preset: str = "original", **changes: Any) -> list:
    """The grid as trials for :func:`~catdog_cnn.nets.trials.run_trials`: every combination of ``grid``, every seed.

    Each combination changes the ``preset`` recipe's network (its depth following the stride, as in
    :func:`tune`) and is named by its knobs, e.g. ``"kernel_size=3, strides=2"``; ``changes`` apply to
    every trial (e.g. ``epochs=4``).
    """
    from .trials import Trial

    base = recipe(preset, **changes)
    trials = []
    for values in itertools.product(*grid.values()):
        knobs = dict(zip(grid, values, strict=True))
        options = {**base.model.options, "n_layers": layers_for_stride(knobs.get("strides", 2)), **knobs}
        name = ", ".join(f"{k}={v}" for k, v in knobs.items())
        trials += [Trial(name, changed(base, options=options, seed=seed)) for seed in seeds]
    return trials
