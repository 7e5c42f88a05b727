"""catdog_cnn: tell cat sounds from dog sounds with a 1-D CNN on the raw waveform.

Importing the package loads neither TensorFlow nor Keras: predicting with the
committed LiteRT models needs neither. The modules that build and train
networks (``model``, ``train``, ``generator``, ``peel``, ...) load them.
"""

from typing import Any

from .config import SAMPLE_RATE, SEED, SEGMENT, CatDogError, quick_mode
from .sound.data import LABELS, load_split, load_wav

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


def __getattr__(name: str) -> Any:
    if name == "build_model":  # needs TensorFlow: loaded on first use
        from .nets.model import build_model

        return build_model
    raise AttributeError(f"module 'catdog_cnn' has no attribute {name!r}")
