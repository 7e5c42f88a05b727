"""catdog_cnn: tell cat sounds from dog sounds with a 1-D CNN on the raw waveform."""

from ._quiet import import_tensorflow_quietly

import_tensorflow_quietly()

from .config import SAMPLE_RATE, SEED, SEGMENT, CatDogError, quick_mode  # noqa: E402
from .data import LABELS, load_split, load_wav  # noqa: E402
from .model import build_model  # noqa: E402

__version__ = "0.1.0"

__all__ = [
    "SAMPLE_RATE",
    "SEED",
    "SEGMENT",
    "CatDogError",
    "quick_mode",
    "LABELS",
    "load_split",
    "load_wav",
    "build_model",
]
