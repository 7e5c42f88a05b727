"""Training recipes: everything that defines a training run, and the named recipes (no TensorFlow needed)."""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .config import (
    BATCH_SIZE,
    EPOCHS,
    PEAK_THRESHOLD,
    SEED,
    STEPS_PER_EPOCH,
    VALIDATION_FRACTION,
    VALIDATION_STEPS,
    CatDogError,
)

__all__ = ["TrainConfig", "RECIPES", "VERSIONS", "QUICK_CHANGES", "recipe", "run_name", "run_folder"]


@dataclass
class TrainConfig:
    """Everything that defines a training run; the defaults are the original notebook's.

    ``preset`` and ``model`` choose the architecture (see :func:`~catdog_cnn.model.build_model`);
    ``normalization``, ``threshold`` and ``balance`` the training windows; ``augment`` turns on
    :class:`~catdog_cnn.augment.Augmentation`, with ``speed``, ``band_prob``, ``tilt_prob``,
    ``notch_prob``, ``gap_prob``, ``hum_prob``, ``reverb_prob``, ``background_prob`` and
    ``mixup_alpha`` passed to it; ``eval_normalization`` how validation/test windows are scaled
    and ``eval_min_peak`` which of them are kept (see :func:`~catdog_cnn.windows.clip_windows`);
    ``patience`` turns on early stopping on validation loss (the best epoch's weights are kept),
    counting only epochs from ``patience_from`` on, so that a low loss of a barely trained network in the
    first epochs cannot end the run; ``reduce_lr`` halves
    the learning rate when validation loss has not improved for 3 epochs; ``cosine``
    lowers it instead along a half cosine, from ``learning_rate`` to 0 over all
    ``epochs`` (a schedule that needs no validation files); ``weight_decay``
    shrinks every weight by that share of the step size at each step (decoupled,
    as in AdamW; 0 turns it off); ``label_smoothing`` trains towards labels
    moved that far towards 0.5 from 0 and 1; ``ema``
    validates and keeps an exponential moving average of the weights (momentum 0.99)
    rather than the last step's, which smooths the epoch-to-epoch swings.
    """

    preset: str = "original"
    model: dict[str, Any] = field(default_factory=dict)
    normalization: str = "class"
    eval_normalization: str = "window"
    eval_min_peak: float = 0.0
    threshold: float = PEAK_THRESHOLD
    balance: str = "offset"
    augment: bool = False
    speed: tuple[float, float] = (1.0, 1.0)
    band_prob: float = 0.0
    tilt_prob: float = 0.0
    notch_prob: float = 0.0
    gap_prob: float = 0.0
    hum_prob: float = 0.0
    reverb_prob: float = 0.0
    background_prob: float = 0.0
    mixup_alpha: float = 0.0
    epochs: int = EPOCHS
    steps_per_epoch: int = STEPS_PER_EPOCH
    validation_steps: int = VALIDATION_STEPS
    batch_size: int = BATCH_SIZE
    learning_rate: float = 1e-3
    weight_decay: float = 0.0
    label_smoothing: float = 0.0
    patience: int | None = None
    patience_from: int = 0
    reduce_lr: bool = False
    cosine: bool = False
    ema: bool = False
    seed: int = SEED
    validation_fraction: float = VALIDATION_FRACTION


RECIPES: dict[str, TrainConfig] = {
    # The original network and training; only its BatchNormalization arithmetic is compiled (faster steps).
    "original": TrainConfig(model={"batch_norm": "xla"}),
    "m5": TrainConfig(
        preset="m5",
        normalization="window",
        threshold=0.1,  # quieter windows too: the test scores every second of a clip
        augment=True,
        speed=(0.9, 1.1),  # pitch and tempo within 10%, as another animal of the same kind might sound
        band_prob=0.3,
        tilt_prob=0.6,  # brighter or darker, as through another microphone: less reliance on the spectral balance
        hum_prob=0.3,
        epochs=40,
        patience=8,
        patience_from=10,
        reduce_lr=True,
        ema=True,
    ),
}


VERSIONS: dict[str, TrainConfig] = {  # the earlier versions the accuracy table reports, written out in full
    "original, windows peak-scaled in training too": TrainConfig(
        preset="original", model={"batch_norm": "xla"}, normalization="window"
    ),
    "m5, first version": TrainConfig(
        preset="m5",
        model={"n_layers": 4, "filters": 40},
        normalization="window",
        augment=True,
        epochs=40,
        patience=8,
        reduce_lr=True,
        ema=True,
    ),
    "m5, windows from 40% of file peak": TrainConfig(
        preset="m5",
        model={"n_layers": 4, "filters": 40},
        normalization="window",
        augment=True,
        band_prob=0.3,
        hum_prob=0.3,
        epochs=40,
        patience=8,
        patience_from=10,
        reduce_lr=True,
        ema=True,
    ),
    "m5, four blocks of 40 filters": TrainConfig(
        preset="m5",
        model={"n_layers": 4, "filters": 40},
        normalization="window",
        threshold=0.1,
        augment=True,
        band_prob=0.3,
        hum_prob=0.3,
        epochs=40,
        patience=8,
        patience_from=10,
        reduce_lr=True,
        ema=True,
    ),
    "m5, no speed perturbation": TrainConfig(
        preset="m5",
        normalization="window",
        threshold=0.1,
        augment=True,
        band_prob=0.3,
        hum_prob=0.3,
        epochs=40,
        patience=8,
        patience_from=10,
        reduce_lr=True,
        ema=True,
    ),
    "m5, no microphone tilt": TrainConfig(
        preset="m5",
        normalization="window",
        threshold=0.1,
        augment=True,
        speed=(0.9, 1.1),
        band_prob=0.3,
        hum_prob=0.3,
        epochs=40,
        patience=8,
        patience_from=10,
        reduce_lr=True,
        ema=True,
    ),
}


QUICK_CHANGES: dict[str, Any] = {"epochs": 2, "steps_per_epoch": 5, "validation_steps": 5}


def run_folder(path: str | os.PathLike) -> Path:
    """The run folder that ``path`` names: the folder itself, or the one holding a model file given instead."""
    path = Path(path)
    return path if path.is_dir() else path.parent


def run_name(name: str, seed: int) -> str:
    """The folder name of a run of recipe or version ``name`` with ``seed``: ``"m5, first version"`` is
    ``"m5-first-version-seed0"`` for seed 0."""
    return f"{name.replace(', ', '-').replace(' ', '-')}-seed{seed}"


def recipe(name: str, *, quick: bool = False, **changes: Any) -> TrainConfig:
    """The named training recipe (``"original"``, ``"m5"`` or one of :data:`VERSIONS`) with ``changes`` applied.

    ``quick=True`` shrinks it to :data:`QUICK_CHANGES` (2 epochs of 5 steps): a
    smoke run for tests and ``CATDOG_QUICK=1`` notebooks, not a result.
    """
    known = RECIPES | VERSIONS
    if name not in known:
        raise CatDogError(
            f"unknown preset {name!r}; choose one of {sorted(RECIPES)} or an earlier version {sorted(VERSIONS)}"
        )
    return dataclasses.replace(known[name], **((QUICK_CHANGES if quick else {}) | changes))
