"""Keras and TensorFlow, imported with TensorFlow's C++ start-up lines silenced (see :mod:`._quiet`).

Modules that need them import them from here (``from ._keras import keras``),
so that whichever loads first keeps those lines out of a notebook's cells.
"""

from ._quiet import import_tensorflow_quietly

import_tensorflow_quietly()

import keras  # noqa: E402
import tensorflow as tf  # noqa: E402

__all__ = ["keras", "tf"]
