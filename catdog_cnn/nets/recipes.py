"""Training recipes: everything that defines a training run, and the named recipes (no TensorFlow needed)."""

from __future__ import annotations

import dataclasses
import json
import os
from dataclasses import dataclass, field
from typing import Any

from ..config import (
    BATCH_SIZE,
    EPOCHS,
    PEAK_THRESHOLD,
    SEED,
    STEPS_PER_EPOCH,
    VALIDATION_FRACTION,
    VALIDATION_STEPS,
    CatDogError,
)
from ..serve.spec import run_folder
from ..sound.augment import Augmentation, BandLimit, Hum, Tilt, transform_from_dict

__all__ = [
    "ModelSpec",
    "WindowSpec",
    "Optimisation",
    "TrainConfig",
    "RECIPES",
    "VERSIONS",
    "QUICK_CHANGES",
    "recipe",
    "changed",
    "config_to_dict",
    "config_from_dict",
    "run_name",
    "run_folder",
    "load_config",
]


@dataclass
class ModelSpec:
    """Which network to build (see :func:`~catdog_cnn.nets.model.build_model`).

    Attributes
    ----------
    preset : str
        The architecture's name, ``"original"`` or ``"m5"``.
    options : dict
        Changes to the preset's options, such as ``{"n_layers": 4}``.
    """

    preset: str = "original"
    options: dict[str, Any] = field(default_factory=dict)


@dataclass
class WindowSpec:
    """Which 1-s windows a network trains and is scored on, and how they are scaled.

    Attributes
    ----------
    normalization : {"class", "global", "window"}
        How training windows are scaled (see :mod:`~catdog_cnn.sound.generator`).
    threshold : float
        A training window is kept when its peak reaches this, after scaling.
    eval_normalization : {"window", "none"}
        How validation and test windows are scaled (see :func:`~catdog_cnn.sound.windows.clip_windows`).
    eval_min_peak : float
        Validation and test windows below this peak are left out (0 keeps all).
    """

    normalization: str = "class"
    threshold: float = PEAK_THRESHOLD
    eval_normalization: str = "window"
    eval_min_peak: float = 0.0


@dataclass
class Optimisation:
    """How long and how the weights are fitted: Adam on binary cross-entropy.

    Attributes
    ----------
    epochs, steps_per_epoch, batch_size : int
        At most ``epochs`` of ``steps_per_epoch`` batches of ``batch_size`` windows.
    validation_steps : int
        Batches of validation windows, drawn once and scored after every epoch.
    learning_rate : float
        Adam's step size.
    patience : int or None
        Stop when validation loss has not improved for this many epochs, keeping the best epoch's weights.
    patience_from : int
        Early stopping counts epochs from this one on, so a barely trained network cannot end the run.
    reduce_lr : bool
        Halve the step size when validation loss has not improved for 3 epochs.
    ema : bool
        Validate and keep an exponential moving average of the weights (momentum 0.99).
    """

    epochs: int = EPOCHS
    steps_per_epoch: int = STEPS_PER_EPOCH
    validation_steps: int = VALIDATION_STEPS
    batch_size: int = BATCH_SIZE
    learning_rate: float = 1e-3
    patience: int | None = None
    patience_from: int = 0
    reduce_lr: bool = False
    ema: bool = False


@dataclass
class TrainConfig:
    """Everything that defines a training run; the defaults are the original notebook's.

    Attributes
    ----------
    model : ModelSpec
        The network.
    windows : WindowSpec
        The training and evaluation windows.
    augmentation : Augmentation or None
        Random changes to training windows; None trains on them as they are.
    optimisation : Optimisation
        The optimizer, the schedule and when to stop.
    seed : int
        Seeds the weights, the windows, the augmentation and the validation files.
    validation_fraction : float
        Share of the training files, per class, held out for validation.
    """

    model: ModelSpec = field(default_factory=ModelSpec)
    windows: WindowSpec = field(default_factory=WindowSpec)
    augmentation: Augmentation | None = None
    optimisation: Optimisation = field(default_factory=Optimisation)
    seed: int = SEED
    validation_fraction: float = VALIDATION_FRACTION


def _m5_optimisation() -> Optimisation:
    return Optimisation(epochs=40, patience=8, patience_from=10, reduce_lr=True, ema=True)


RECIPES: dict[str, TrainConfig] = {
    # The original network and training; only its BatchNormalization arithmetic is compiled (faster steps).
    "original": TrainConfig(model=ModelSpec("original", {"batch_norm": "xla"})),
    "m5": TrainConfig(
        model=ModelSpec("m5"),
        windows=WindowSpec(normalization="window", threshold=0.1),  # quieter windows too: every second is scored
        augmentation=Augmentation(
            speed=(0.9, 1.1),  # pitch and tempo within 10%, as another animal of the same kind might sound
            # brighter or darker, as through another microphone: less reliance on the spectral balance
            transforms=(BandLimit(0.3), Tilt(0.6), Hum(0.3)),
        ),
        optimisation=_m5_optimisation(),
    ),
}


VERSIONS: dict[str, TrainConfig] = {  # the earlier versions the accuracy table reports, written out in full
    "original, windows peak-scaled in training too": TrainConfig(
        model=ModelSpec("original", {"batch_norm": "xla"}), windows=WindowSpec(normalization="window")
    ),
    "m5, first version": TrainConfig(
        model=ModelSpec("m5", {"n_layers": 4, "filters": 40}),
        windows=WindowSpec(normalization="window"),
        augmentation=Augmentation(),
        optimisation=Optimisation(epochs=40, patience=8, reduce_lr=True, ema=True),
    ),
    "m5, windows from 40% of file peak": TrainConfig(
        model=ModelSpec("m5", {"n_layers": 4, "filters": 40}),
        windows=WindowSpec(normalization="window"),
        augmentation=Augmentation(transforms=(BandLimit(0.3), Hum(0.3))),
        optimisation=_m5_optimisation(),
    ),
    "m5, four blocks of 40 filters": TrainConfig(
        model=ModelSpec("m5", {"n_layers": 4, "filters": 40}),
        windows=WindowSpec(normalization="window", threshold=0.1),
        augmentation=Augmentation(transforms=(BandLimit(0.3), Hum(0.3))),
        optimisation=_m5_optimisation(),
    ),
    "m5, no speed perturbation": TrainConfig(
        model=ModelSpec("m5"),
        windows=WindowSpec(normalization="window", threshold=0.1),
        augmentation=Augmentation(transforms=(BandLimit(0.3), Hum(0.3))),
        optimisation=_m5_optimisation(),
    ),
    "m5, no microphone tilt": TrainConfig(
        model=ModelSpec("m5"),
        windows=WindowSpec(normalization="window", threshold=0.1),
        augmentation=Augmentation(speed=(0.9, 1.1), transforms=(BandLimit(0.3), Hum(0.3))),
        optimisation=_m5_optimisation(),
    ),
}


QUICK_CHANGES: dict[str, Any] = {"epochs": 2, "steps_per_epoch": 5, "validation_steps": 5}


def run_name(name: str, seed: int) -> str:
    """The folder name of a run of recipe or version ``name`` with ``seed``: ``"m5, first version"`` is
    ``"m5-first-version-seed0"`` for seed 0."""
    return f"{name.replace(', ', '-').replace(' ', '-')}-seed{seed}"


def changed(config: TrainConfig, **changes: Any) -> TrainConfig:
    """``config`` with ``changes``, each named by its field in whichever section holds it.

    ``changed(c, epochs=3, preset="m5", speed=(1, 1))`` sets ``c.optimisation.epochs``,
    ``c.model.preset`` and ``c.augmentation.speed``; a section can also be replaced whole
    (``augmentation=None``). Field names are unique across sections.

    Raises
    ------
    CatDogError
        If a name is no field of any section, or names an augmentation field when there is none.
    """
    top = {f.name for f in dataclasses.fields(TrainConfig)}
    result = dataclasses.replace(config, **{k: v for k, v in changes.items() if k in top})
    for name, value in changes.items():
        if name in top:
            continue
        section = next((s for s in _SECTIONS if name in s[1]), None)
        if section is None:
            raise CatDogError(f"{name!r} is no field of a training recipe; see catdog_cnn.nets.recipes.TrainConfig")
        part = getattr(result, section[0])
        if part is None:
            raise CatDogError(f"{name!r} changes the augmentation, and this recipe has none")
        result = dataclasses.replace(result, **{section[0]: dataclasses.replace(part, **{name: value})})
    return result


_SECTIONS = [
    (name, {f.name for f in dataclasses.fields(cls)})
    for name, cls in [("model", ModelSpec), ("windows", WindowSpec), ("augmentation", Augmentation),
                      ("optimisation", Optimisation)]
]  # fmt: skip


def recipe(name: str, *, quick: bool = False, **changes: Any) -> TrainConfig:
    """The named training recipe (``"original"``, ``"m5"`` or one of :data:`VERSIONS`) with ``changes`` applied.

    ``changes`` are as in :func:`changed`. ``quick=True`` shrinks the recipe to :data:`QUICK_CHANGES`
    (2 epochs of 5 steps): a smoke run for tests and ``CATDOG_QUICK=1`` notebooks, not a result.
    """
    known = RECIPES | VERSIONS
    if name not in known:
        raise CatDogError(
            f"unknown preset {name!r}; choose one of {sorted(RECIPES)} or an earlier version {sorted(VERSIONS)}"
        )
    return changed(known[name], **((QUICK_CHANGES if quick else {}) | changes))


def config_to_dict(config: TrainConfig) -> dict[str, Any]:
    """``config`` as ``config.json`` keeps it: one object per section."""
    saved = dataclasses.asdict(dataclasses.replace(config, augmentation=None))
    saved["augmentation"] = config.augmentation.to_dict() if config.augmentation else None
    return saved


# The recipe fields of run folders written before the recipe had sections, and where each went.
_FLAT = {
    "preset": "model",
    "model": "model",
    "normalization": "windows",
    "threshold": "windows",
    "eval_normalization": "windows",
    "eval_min_peak": "windows",
    **{f.name: "optimisation" for f in dataclasses.fields(Optimisation)},
}
# Old flat names of the augmentation transforms, in the order they applied; those of the studies
# are found once experiments/transforms.py has registered them.
_FLAT_TRANSFORMS = ("band", "tilt", "notch", "gap", "hum", "reverb", "background")
_FLAT_DEFAULTS = {"balance": "offset", "weight_decay": 0.0, "label_smoothing": 0.0, "cosine": False}


def _flat_augmentation(saved: dict[str, Any]) -> Augmentation:
    transforms = []
    for name in _FLAT_TRANSFORMS:
        if saved.get(f"{name}_prob", 0) > 0:
            transforms.append(transform_from_dict({"name": name, "prob": saved[f"{name}_prob"]}))
    if saved.get("mixup_alpha", 0) > 0:
        transforms.append(transform_from_dict({"name": "mixup", "alpha": saved["mixup_alpha"]}))
    speed = saved.get("speed", (1.0, 1.0))
    return Augmentation(speed=(speed[0], speed[1]), transforms=tuple(transforms))


def _from_flat(saved: dict[str, Any]) -> TrainConfig:
    unsupported = {k: v for k, v in _FLAT_DEFAULTS.items() if saved.get(k, v) != v}
    if unsupported:
        raise CatDogError(f"this run was trained with {unsupported}, options of a study, not of the package")
    sections: dict[str, dict[str, Any]] = {"model": {}, "windows": {}, "optimisation": {}}
    for key, value in saved.items():
        if key in _FLAT:
            sections[_FLAT[key]]["options" if key == "model" else key] = value
    return TrainConfig(
        model=ModelSpec(**sections["model"]),
        windows=WindowSpec(**sections["windows"]),
        augmentation=_flat_augmentation(saved) if saved.get("augment") else None,
        optimisation=Optimisation(**sections["optimisation"]),
        seed=saved.get("seed", SEED),
        validation_fraction=saved.get("validation_fraction", VALIDATION_FRACTION),
    )


def config_from_dict(saved: dict[str, Any]) -> TrainConfig:
    """The recipe that :func:`config_to_dict` wrote; reads the flat ``config.json`` of older run folders too.

    Keys it does not know (such as ``"architecture"``) are ignored.
    """
    if "windows" not in saved:
        return _from_flat(saved)
    _check_keys(saved, {f.name for f in dataclasses.fields(TrainConfig)} | {"architecture"}, "")
    for section, kind in (("model", ModelSpec), ("windows", WindowSpec), ("optimisation", Optimisation)):
        _check_keys(saved[section], {f.name for f in dataclasses.fields(kind)}, f"{section}.")
    augmentation = saved.get("augmentation")
    return TrainConfig(
        model=ModelSpec(**saved["model"]),
        windows=WindowSpec(**saved["windows"]),
        augmentation=Augmentation.from_dict(augmentation) if augmentation else None,
        optimisation=Optimisation(**saved["optimisation"]),
        seed=saved["seed"],
        validation_fraction=saved["validation_fraction"],
    )


def _check_keys(saved: Any, known: set[str], where: str) -> None:
    if not isinstance(saved, dict):
        raise CatDogError(f"{where.rstrip('.') or 'the recipe'} is not a JSON object")
    unknown = sorted(set(saved) - known)
    if unknown:
        raise CatDogError(f"unknown key '{where}{unknown[0]}' (known: {', '.join(sorted(known))})")


def load_config(folder: str | os.PathLike) -> TrainConfig | None:
    """The recipe in a run folder's ``config.json`` (checked against its manifest), or None if it has none.

    Raises
    ------
    CatDogError
        If the file is not valid JSON, has keys no recipe has, or differs from its manifest record.
    """
    from ..serve.manifest import CONFIG_FILE, verified

    path = verified(run_folder(folder), CONFIG_FILE)
    if not path.is_file():
        return None
    try:
        return config_from_dict(json.loads(path.read_text()))
    except json.JSONDecodeError as err:
        problem = f"not valid JSON ({err.msg} at line {err.lineno})"
    except UnicodeDecodeError:
        problem = "not text"
    except CatDogError as err:
        problem = str(err)
    except (TypeError, KeyError, ValueError, AttributeError) as err:
        problem = f"not a recipe ({type(err).__name__}: {err})"
    raise CatDogError(f"{path}: {problem}; restore the file or retrain into the folder.")
