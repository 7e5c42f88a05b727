"""catdog_cnn: tell cat sounds from dog sounds with a 1-D CNN on the raw waveform."""

import os

# TensorFlow's C++ start-up chatter (CUDA probing, CPU flags) hides real output.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from .config import SAMPLE_RATE, SEED, SEGMENT, CatDogError
from .data import LABELS, load_split, load_wav
from .model import build_model

__version__ = "0.1.0"

__all__ = ["SAMPLE_RATE", "SEED", "SEGMENT", "CatDogError", "LABELS", "load_split", "load_wav", "build_model"]
