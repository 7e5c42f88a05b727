"""Every recipe the studies in this folder trained, each written out in full (no diffs from a moving m5).

A recipe is a complete :class:`~catdog_cnn.nets.recipes.TrainConfig`: the fields that differ from the
original notebook's defaults. ``status`` says whether the change it tests was adopted into ``m5``,
rejected, or is a reference point; the measured reason is in its results file and in docs/experiments.md.
Transforms and options that were not adopted (``Notch``, ``Reverb``, ``options={"weight_decay": ...}``, ...)
live in transforms.py beside this file. Run one by name: ``python experiments/candidates.py --only "NAME"``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from transforms import Background, Gap, Mixup, Notch, Reverb  # the file beside this one

from catdog_cnn.nets.recipes import ModelSpec, Optimisation, TrainConfig, WindowSpec
from catdog_cnn.sound.augment import Augmentation, BandLimit, Hum, Tilt


@dataclass(frozen=True)
class Study:
    """One named training recipe of a study, with what became of the change it tests.

    ``options`` are training options of the studies only (see ``transforms.training_options``).
    """

    name: str
    status: str  # "adopted", "rejected" or "reference"
    recipe: TrainConfig
    options: dict[str, Any] = field(default_factory=dict)


CANDIDATES = [
    Study(
        "m5, four blocks, training windows from 40% of the file's peak",
        "reference",
        TrainConfig(
            model=ModelSpec("m5", {"n_layers": 4, "filters": 40}),
            windows=WindowSpec(normalization="window"),
            augmentation=Augmentation(transforms=(BandLimit(0.3), Hum(0.3))),
            optimisation=Optimisation(epochs=40, patience=8, patience_from=10, reduce_lr=True, ema=True),
        ),
    ),
    Study(
        "m5, four blocks of 40 filters (training windows from 10% of the file's peak)",
        "reference",
        TrainConfig(
            model=ModelSpec("m5", {"n_layers": 4, "filters": 40}),
            windows=WindowSpec(normalization="window", threshold=0.1),
            augmentation=Augmentation(transforms=(BandLimit(0.3), Hum(0.3))),
            optimisation=Optimisation(epochs=40, patience=8, patience_from=10, reduce_lr=True, ema=True),
        ),
    ),
    Study(
        "four blocks + room reverberation on 30% of training windows (not adopted)",
        "rejected",
        TrainConfig(
            model=ModelSpec("m5", {"n_layers": 4, "filters": 40}),
            windows=WindowSpec(normalization="window", threshold=0.1),
            augmentation=Augmentation(transforms=(BandLimit(0.3), Hum(0.3), Reverb(0.3))),
            optimisation=Optimisation(epochs=40, patience=8, patience_from=10, reduce_lr=True, ema=True),
        ),
    ),
    Study(
        "four blocks + mixup of training windows and labels, alpha 0.4 (not adopted)",
        "rejected",
        TrainConfig(
            model=ModelSpec("m5", {"n_layers": 4, "filters": 40}),
            windows=WindowSpec(normalization="window", threshold=0.1),
            augmentation=Augmentation(transforms=(BandLimit(0.3), Hum(0.3), Mixup(0.4))),
            optimisation=Optimisation(epochs=40, patience=8, patience_from=10, reduce_lr=True, ema=True),
        ),
    ),
    Study(
        "four blocks without log compression after the first (not adopted)",
        "rejected",
        TrainConfig(
            model=ModelSpec("m5", {"n_layers": 4, "filters": 40, "log_compress": False}),
            windows=WindowSpec(normalization="window", threshold=0.1),
            augmentation=Augmentation(transforms=(BandLimit(0.3), Hum(0.3))),
            optimisation=Optimisation(epochs=40, patience=8, patience_from=10, reduce_lr=True, ema=True),
        ),
    ),
    Study(
        "four blocks with global max pooling instead of the average (not adopted)",
        "rejected",
        TrainConfig(
            model=ModelSpec("m5", {"n_layers": 4, "filters": 40, "global_pool": "max"}),
            windows=WindowSpec(normalization="window", threshold=0.1),
            augmentation=Augmentation(transforms=(BandLimit(0.3), Hum(0.3))),
            optimisation=Optimisation(epochs=40, patience=8, patience_from=10, reduce_lr=True, ema=True),
        ),
    ),
    Study(
        "four blocks with dropout 0.4 instead of 0.2 (not adopted)",
        "rejected",
        TrainConfig(
            model=ModelSpec("m5", {"n_layers": 4, "filters": 40, "dropout": 0.4}),
            windows=WindowSpec(normalization="window", threshold=0.1),
            augmentation=Augmentation(transforms=(BandLimit(0.3), Hum(0.3))),
            optimisation=Optimisation(epochs=40, patience=8, patience_from=10, reduce_lr=True, ema=True),
        ),
    ),
    Study(
        "four blocks with 150 steps per epoch instead of 75 (not adopted)",
        "rejected",
        TrainConfig(
            model=ModelSpec("m5", {"n_layers": 4, "filters": 40}),
            windows=WindowSpec(normalization="window", threshold=0.1),
            augmentation=Augmentation(transforms=(BandLimit(0.3), Hum(0.3))),
            optimisation=Optimisation(
                epochs=40, steps_per_epoch=150, patience=8, patience_from=10, reduce_lr=True, ema=True
            ),
        ),
    ),
    Study(
        "five blocks of 36 filters (adopted)",
        "adopted",
        TrainConfig(
            model=ModelSpec("m5"),
            windows=WindowSpec(normalization="window", threshold=0.1),
            augmentation=Augmentation(transforms=(BandLimit(0.3), Hum(0.3))),
            optimisation=Optimisation(epochs=40, patience=8, patience_from=10, reduce_lr=True, ema=True),
        ),
    ),
    Study(
        "four blocks with kernels of 5 and 32 filters (not adopted)",
        "rejected",
        TrainConfig(
            model=ModelSpec("m5", {"n_layers": 4, "filters": 32, "kernel_size": 5}),
            windows=WindowSpec(normalization="window", threshold=0.1),
            augmentation=Augmentation(transforms=(BandLimit(0.3), Hum(0.3))),
            optimisation=Optimisation(epochs=40, patience=8, patience_from=10, reduce_lr=True, ema=True),
        ),
    ),
    Study(
        "four blocks with a 10-ms first kernel and 36 filters (not adopted)",
        "rejected",
        TrainConfig(
            model=ModelSpec("m5", {"n_layers": 4, "filters": 36, "first_kernel_size": 160}),
            windows=WindowSpec(normalization="window", threshold=0.1),
            augmentation=Augmentation(transforms=(BandLimit(0.3), Hum(0.3))),
            optimisation=Optimisation(epochs=40, patience=8, patience_from=10, reduce_lr=True, ema=True),
        ),
    ),
    Study(
        "six blocks of 32 filters, pooling by 3 (not adopted)",
        "rejected",
        TrainConfig(
            model=ModelSpec("m5", {"n_layers": 6, "filters": 32, "pool_size": 3}),
            windows=WindowSpec(normalization="window", threshold=0.1),
            augmentation=Augmentation(transforms=(BandLimit(0.3), Hum(0.3))),
            optimisation=Optimisation(epochs=40, patience=8, patience_from=10, reduce_lr=True, ema=True),
        ),
    ),
    Study(
        "five blocks with kernels of 5 and 28 filters (not adopted)",
        "rejected",
        TrainConfig(
            model=ModelSpec("m5", {"kernel_size": 5, "filters": 28}),
            windows=WindowSpec(normalization="window", threshold=0.1),
            augmentation=Augmentation(transforms=(BandLimit(0.3), Hum(0.3))),
            optimisation=Optimisation(epochs=40, patience=8, patience_from=10, reduce_lr=True, ema=True),
        ),
    ),
    Study(
        "five blocks without log compression after the first (not adopted)",
        "rejected",
        TrainConfig(
            model=ModelSpec("m5", {"log_compress": False}),
            windows=WindowSpec(normalization="window", threshold=0.1),
            augmentation=Augmentation(transforms=(BandLimit(0.3), Hum(0.3))),
            optimisation=Optimisation(epochs=40, patience=8, patience_from=10, reduce_lr=True, ema=True),
        ),
    ),
    Study(
        "six blocks of 26 filters, kernels of 5, pooling by 3 (not adopted)",
        "rejected",
        TrainConfig(
            model=ModelSpec("m5", {"n_layers": 6, "filters": 26, "kernel_size": 5, "pool_size": 3}),
            windows=WindowSpec(normalization="window", threshold=0.1),
            augmentation=Augmentation(transforms=(BandLimit(0.3), Hum(0.3))),
            optimisation=Optimisation(epochs=40, patience=8, patience_from=10, reduce_lr=True, ema=True),
        ),
    ),
    Study(
        "seven blocks of 28 filters, pooling by 3 (not adopted)",
        "rejected",
        TrainConfig(
            model=ModelSpec("m5", {"n_layers": 7, "filters": 28, "pool_size": 3}),
            windows=WindowSpec(normalization="window", threshold=0.1),
            augmentation=Augmentation(transforms=(BandLimit(0.3), Hum(0.3))),
            optimisation=Optimisation(epochs=40, patience=8, patience_from=10, reduce_lr=True, ema=True),
        ),
    ),
    Study(
        "five blocks, 30 epochs on a cosine schedule, no early stopping (not adopted)",
        "rejected",
        TrainConfig(
            model=ModelSpec("m5"),
            windows=WindowSpec(normalization="window", threshold=0.1),
            augmentation=Augmentation(transforms=(BandLimit(0.3), Hum(0.3))),
            optimisation=Optimisation(epochs=30, patience_from=10, ema=True),
        ),
        {"cosine": True},
    ),
    Study(
        "five blocks + speed perturbation 0.9-1.1 (adopted)",
        "adopted",
        TrainConfig(
            model=ModelSpec("m5"),
            windows=WindowSpec(normalization="window", threshold=0.1),
            augmentation=Augmentation(speed=(0.9, 1.1), transforms=(BandLimit(0.3), Hum(0.3))),
            optimisation=Optimisation(epochs=40, patience=8, patience_from=10, reduce_lr=True, ema=True),
        ),
    ),
    Study(
        "five blocks, every training file drawn equally often (not adopted)",
        "rejected",
        TrainConfig(
            model=ModelSpec("m5"),
            windows=WindowSpec(normalization="window", threshold=0.1),
            augmentation=Augmentation(transforms=(BandLimit(0.3), Hum(0.3))),
            optimisation=Optimisation(epochs=40, patience=8, patience_from=10, reduce_lr=True, ema=True),
        ),
        {"balance": "file"},
    ),
    Study(
        "five blocks + weight decay 0.05, decoupled (not adopted)",
        "rejected",
        TrainConfig(
            model=ModelSpec("m5"),
            windows=WindowSpec(normalization="window", threshold=0.1),
            augmentation=Augmentation(transforms=(BandLimit(0.3), Hum(0.3))),
            optimisation=Optimisation(epochs=40, patience=8, patience_from=10, reduce_lr=True, ema=True),
        ),
        {"weight_decay": 0.05},
    ),
    Study(
        "five blocks + label smoothing 0.1 (not adopted)",
        "rejected",
        TrainConfig(
            model=ModelSpec("m5"),
            windows=WindowSpec(normalization="window", threshold=0.1),
            augmentation=Augmentation(transforms=(BandLimit(0.3), Hum(0.3))),
            optimisation=Optimisation(epochs=40, patience=8, patience_from=10, reduce_lr=True, ema=True),
        ),
        {"label_smoothing": 0.1},
    ),
    Study(
        "five blocks + speed perturbation 0.9-1.1, every training file drawn equally often (not adopted)",
        "rejected",
        TrainConfig(
            model=ModelSpec("m5"),
            windows=WindowSpec(normalization="window", threshold=0.1),
            augmentation=Augmentation(speed=(0.9, 1.1), transforms=(BandLimit(0.3), Hum(0.3))),
            optimisation=Optimisation(epochs=40, patience=8, patience_from=10, reduce_lr=True, ema=True),
        ),
        {"balance": "file"},
    ),
    Study(
        "five blocks + speed perturbation 0.8-1.25 (not adopted)",
        "rejected",
        TrainConfig(
            model=ModelSpec("m5"),
            windows=WindowSpec(normalization="window", threshold=0.1),
            augmentation=Augmentation(speed=(0.8, 1.25), transforms=(BandLimit(0.3), Hum(0.3))),
            optimisation=Optimisation(epochs=40, patience=8, patience_from=10, reduce_lr=True, ema=True),
        ),
    ),
    Study(
        "five blocks + speed perturbation, training windows of any loudness (not adopted)",
        "rejected",
        TrainConfig(
            model=ModelSpec("m5"),
            windows=WindowSpec(normalization="window", threshold=0.0),
            augmentation=Augmentation(speed=(0.9, 1.1), transforms=(BandLimit(0.3), Hum(0.3))),
            optimisation=Optimisation(epochs=40, patience=8, patience_from=10, reduce_lr=True, ema=True),
        ),
    ),
    Study(
        "five blocks + speed perturbation + another window behind 30% of windows (not adopted)",
        "rejected",
        TrainConfig(
            model=ModelSpec("m5"),
            windows=WindowSpec(normalization="window", threshold=0.1),
            augmentation=Augmentation(speed=(0.9, 1.1), transforms=(BandLimit(0.3), Hum(0.3), Background(0.3))),
            optimisation=Optimisation(epochs=40, patience=8, patience_from=10, reduce_lr=True, ema=True),
        ),
    ),
    Study(
        "m5 with its batch normalization computed by XLA kernels: the same arithmetic, other round-off (not adopted)",
        "rejected",
        TrainConfig(
            model=ModelSpec("m5", {"batch_norm": "xla"}),
            windows=WindowSpec(normalization="window", threshold=0.1),
            augmentation=Augmentation(speed=(0.9, 1.1), transforms=(BandLimit(0.3), Hum(0.3))),
            optimisation=Optimisation(epochs=40, patience=8, patience_from=10, reduce_lr=True, ema=True),
        ),
    ),
    Study(
        "five blocks of 52 filters, separable kernels of 9 after the first, as in MatchboxNet (not adopted)",
        "rejected",
        TrainConfig(
            model=ModelSpec("m5", {"separable": True, "kernel_size": 9, "filters": 52}),
            windows=WindowSpec(normalization="window", threshold=0.1),
            augmentation=Augmentation(speed=(0.9, 1.1), transforms=(BandLimit(0.3), Hum(0.3))),
            optimisation=Optimisation(epochs=40, patience=8, patience_from=10, reduce_lr=True, ema=True),
        ),
    ),
    Study(
        "six blocks of 48 filters, separable kernels of 9 after the first, pooling by 3 (not adopted)",
        "rejected",
        TrainConfig(
            model=ModelSpec("m5", {"separable": True, "kernel_size": 9, "filters": 48, "n_layers": 6, "pool_size": 3}),
            windows=WindowSpec(normalization="window", threshold=0.1),
            augmentation=Augmentation(speed=(0.9, 1.1), transforms=(BandLimit(0.3), Hum(0.3))),
            optimisation=Optimisation(epochs=40, patience=8, patience_from=10, reduce_lr=True, ema=True),
        ),
    ),
    Study(
        "m5 with 128 filters per block, over the 20,000-parameter limit (not adopted)",
        "rejected",
        TrainConfig(
            model=ModelSpec("m5", {"filters": 128}),
            windows=WindowSpec(normalization="window", threshold=0.1),
            augmentation=Augmentation(speed=(0.9, 1.1), transforms=(BandLimit(0.3), Hum(0.3))),
            optimisation=Optimisation(epochs=40, patience=8, patience_from=10, reduce_lr=True, ema=True),
        ),
    ),
    Study(
        "m5 with 64 filters per block, over the 20,000-parameter limit (not adopted)",
        "rejected",
        TrainConfig(
            model=ModelSpec("m5", {"filters": 64}),
            windows=WindowSpec(normalization="window", threshold=0.1),
            augmentation=Augmentation(speed=(0.9, 1.1), transforms=(BandLimit(0.3), Hum(0.3))),
            optimisation=Optimisation(epochs=40, patience=8, patience_from=10, reduce_lr=True, ema=True),
        ),
    ),
    Study(
        "m5 with 36 learned band-pass filters of 80 taps (5 ms) as first layer, as in SincNet (not adopted)",
        "rejected",
        TrainConfig(
            model=ModelSpec("m5", {"sinc": True}),
            windows=WindowSpec(normalization="window", threshold=0.1),
            augmentation=Augmentation(speed=(0.9, 1.1), transforms=(BandLimit(0.3), Hum(0.3))),
            optimisation=Optimisation(epochs=40, patience=8, patience_from=10, reduce_lr=True, ema=True),
        ),
    ),
    Study(
        "m5 with 36 learned band-pass filters of 251 taps (16 ms) as first layer, as in SincNet (not adopted)",
        "rejected",
        TrainConfig(
            model=ModelSpec("m5", {"sinc": True, "first_kernel_size": 251}),
            windows=WindowSpec(normalization="window", threshold=0.1),
            augmentation=Augmentation(speed=(0.9, 1.1), transforms=(BandLimit(0.3), Hum(0.3))),
            optimisation=Optimisation(epochs=40, patience=8, patience_from=10, reduce_lr=True, ema=True),
        ),
    ),
    Study(
        "m5 + a brighter or darker microphone (up to 6 dB per octave) on 30% of training windows (not adopted)",
        "rejected",
        TrainConfig(
            model=ModelSpec("m5"),
            windows=WindowSpec(normalization="window", threshold=0.1),
            augmentation=Augmentation(speed=(0.9, 1.1), transforms=(BandLimit(0.3), Tilt(0.3), Hum(0.3))),
            optimisation=Optimisation(epochs=40, patience=8, patience_from=10, reduce_lr=True, ema=True),
        ),
    ),
    Study(
        "m5 + a brighter or darker microphone (up to 6 dB per octave) on 60% of training windows (adopted: the m5 preset)",
        "adopted",
        TrainConfig(
            model=ModelSpec("m5"),
            windows=WindowSpec(normalization="window", threshold=0.1),
            augmentation=Augmentation(speed=(0.9, 1.1), transforms=(BandLimit(0.3), Tilt(0.6), Hum(0.3))),
            optimisation=Optimisation(epochs=40, patience=8, patience_from=10, reduce_lr=True, ema=True),
        ),
    ),
    Study(
        "m5 + a brighter or darker microphone (up to 6 dB per octave) on every training window (not adopted)",
        "rejected",
        TrainConfig(
            model=ModelSpec("m5"),
            windows=WindowSpec(normalization="window", threshold=0.1),
            augmentation=Augmentation(speed=(0.9, 1.1), transforms=(BandLimit(0.3), Tilt(1.0), Hum(0.3))),
            optimisation=Optimisation(epochs=40, patience=8, patience_from=10, reduce_lr=True, ema=True),
        ),
    ),
    Study(
        "m5 + one band of 1/4 to 1 octave removed from half the training windows, a frequency mask (not adopted)",
        "rejected",
        TrainConfig(
            model=ModelSpec("m5"),
            windows=WindowSpec(normalization="window", threshold=0.1),
            augmentation=Augmentation(speed=(0.9, 1.1), transforms=(BandLimit(0.3), Tilt(0.6), Notch(0.5), Hum(0.3))),
            optimisation=Optimisation(epochs=40, patience=8, patience_from=10, reduce_lr=True, ema=True),
        ),
    ),
    Study(
        "m5 + 20-200 ms silenced in half the training windows, a time mask (not adopted)",
        "rejected",
        TrainConfig(
            model=ModelSpec("m5"),
            windows=WindowSpec(normalization="window", threshold=0.1),
            augmentation=Augmentation(speed=(0.9, 1.1), transforms=(BandLimit(0.3), Tilt(0.6), Gap(0.5), Hum(0.3))),
            optimisation=Optimisation(epochs=40, patience=8, patience_from=10, reduce_lr=True, ema=True),
        ),
    ),
]


LEVERS = [  # one seed, one change after another
    Study(
        "original recipe (class scaling, last epoch)",
        "reference",
        TrainConfig(
            model=ModelSpec("original", {"batch_norm": "xla"}),
        ),
    ),
    Study(
        "original net + window scaling, augmentation, early stop",
        "reference",
        TrainConfig(
            model=ModelSpec("original", {"batch_norm": "xla"}),
            windows=WindowSpec(normalization="window"),
            augmentation=Augmentation(),
            optimisation=Optimisation(epochs=40, patience=8),
        ),
    ),
    Study(
        "M5 shape, 32 filters",
        "adopted",
        TrainConfig(
            model=ModelSpec("m5", {"n_layers": 4, "filters": 32, "log_compress": False}),
            windows=WindowSpec(normalization="window"),
            augmentation=Augmentation(),
            optimisation=Optimisation(epochs=40, patience=8),
        ),
    ),
    Study(
        "+ log compression after the first block",
        "adopted",
        TrainConfig(
            model=ModelSpec("m5", {"n_layers": 4, "filters": 32}),
            windows=WindowSpec(normalization="window"),
            augmentation=Augmentation(),
            optimisation=Optimisation(epochs=40, patience=8),
        ),
    ),
    Study(
        "+ 40 filters, halve learning rate on plateau",
        "adopted",
        TrainConfig(
            model=ModelSpec("m5", {"n_layers": 4, "filters": 40}),
            windows=WindowSpec(normalization="window"),
            augmentation=Augmentation(),
            optimisation=Optimisation(epochs=40, patience=8, reduce_lr=True),
        ),
    ),
    Study(
        "+ moving average of the weights",
        "adopted",
        TrainConfig(
            model=ModelSpec("m5", {"n_layers": 4, "filters": 40}),
            windows=WindowSpec(normalization="window"),
            augmentation=Augmentation(),
            optimisation=Optimisation(epochs=40, patience=8, reduce_lr=True, ema=True),
        ),
    ),
    Study(
        "+ speed perturbation 0.85-1.15 (not adopted)",
        "rejected",
        TrainConfig(
            model=ModelSpec("m5", {"n_layers": 4, "filters": 40}),
            windows=WindowSpec(normalization="window"),
            augmentation=Augmentation(speed=(0.85, 1.15)),
            optimisation=Optimisation(epochs=40, patience=8, reduce_lr=True, ema=True),
        ),
    ),
    Study(
        "+ band-limit and mains-hum augmentation, no speed",
        "adopted",
        TrainConfig(
            model=ModelSpec("m5", {"n_layers": 4, "filters": 40}),
            windows=WindowSpec(normalization="window"),
            augmentation=Augmentation(transforms=(BandLimit(0.3), Hum(0.3))),
            optimisation=Optimisation(epochs=40, patience=8, reduce_lr=True, ema=True),
        ),
    ),
    Study(
        "+ early stopping only from epoch 10",
        "adopted",
        TrainConfig(
            model=ModelSpec("m5", {"n_layers": 4, "filters": 40}),
            windows=WindowSpec(normalization="window"),
            augmentation=Augmentation(transforms=(BandLimit(0.3), Hum(0.3))),
            optimisation=Optimisation(epochs=40, patience=8, patience_from=10, reduce_lr=True, ema=True),
        ),
    ),
    Study(
        "+ training windows from 10% of file peak, not 40%",
        "adopted",
        TrainConfig(
            model=ModelSpec("m5", {"n_layers": 4, "filters": 40}),
            windows=WindowSpec(normalization="window", threshold=0.1),
            augmentation=Augmentation(transforms=(BandLimit(0.3), Hum(0.3))),
            optimisation=Optimisation(epochs=40, patience=8, patience_from=10, reduce_lr=True, ema=True),
        ),
    ),
    Study(
        "+ a fifth block, 36 filters instead of 40",
        "adopted",
        TrainConfig(
            model=ModelSpec("m5"),
            windows=WindowSpec(normalization="window", threshold=0.1),
            augmentation=Augmentation(transforms=(BandLimit(0.3), Hum(0.3))),
            optimisation=Optimisation(epochs=40, patience=8, patience_from=10, reduce_lr=True, ema=True),
        ),
    ),
    Study(
        "+ speed perturbation 0.9-1.1",
        "adopted",
        TrainConfig(
            model=ModelSpec("m5"),
            windows=WindowSpec(normalization="window", threshold=0.1),
            augmentation=Augmentation(speed=(0.9, 1.1), transforms=(BandLimit(0.3), Hum(0.3))),
            optimisation=Optimisation(epochs=40, patience=8, patience_from=10, reduce_lr=True, ema=True),
        ),
    ),
    Study(
        "+ brighter or darker microphone on 60% of windows (= m5)",
        "adopted",
        TrainConfig(
            model=ModelSpec("m5"),
            windows=WindowSpec(normalization="window", threshold=0.1),
            augmentation=Augmentation(speed=(0.9, 1.1), transforms=(BandLimit(0.3), Tilt(0.6), Hum(0.3))),
            optimisation=Optimisation(epochs=40, patience=8, patience_from=10, reduce_lr=True, ema=True),
        ),
    ),
]
