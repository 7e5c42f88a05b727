"""How a network's decision adds up, from the NumPy forward pass: the decision terms, the class-activation map
spread over 50-ms slices, and occlusion (what silencing each slice does).

For a globally average-pooled network, ``logit = sum_i w_i * g_i + b``: :func:`decision` returns each term, and
:func:`class_activation` spreads the same sum over time, exactly. :mod:`catdog_cnn.look.peel` and
:mod:`catdog_cnn.look.attribution` compute the same with Keras, for the lessons.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..config import ATTRIBUTION_SLICE_SECONDS, SAMPLE_RATE
from .numpy_net import NUMPY_BATCH, Layer, forward_batch

__all__ = ["SLICE", "LAYER_KINDS", "layer_title", "Decision", "feature_layer", "decision", "class_activation",
           "per_slice", "spread_over_slices", "logits", "occlusion", "most_decisive_slice"]  # fmt: skip

SLICE = int(ATTRIBUTION_SLICE_SECONDS * SAMPLE_RATE)  # samples in one slice
LAYER_KINDS = {"conv": "convolution", "bn": "batch norm", "relu": "ReLU", "pool": "max pool", "log": "log"}


def layer_title(name: str) -> str:
    """What a peelable layer is, for people: ``"relu_10"`` is ``"block 10 · ReLU"``; other names stay as they are."""
    kind, _, block = name.rpartition("_")
    return f"block {block} · {LAYER_KINDS[kind]}" if block.isdigit() and kind in LAYER_KINDS else name


@dataclass
class Decision:
    """The sigmoid unit's sum, term by term, for n windows.

    ``pooled`` (n, k) are the pooled components g, ``weights`` (k,) and ``bias``
    the unit's parameters, ``contributions`` (n, k) = g * w, ``logit`` (n,) =
    contributions summed + bias, and ``p_dog`` (n,) = sigmoid(logit).
    """

    pooled: np.ndarray
    weights: np.ndarray
    bias: float
    contributions: np.ndarray
    logit: np.ndarray
    p_dog: np.ndarray


def feature_layer(layers: list[Layer]) -> str:
    """Name of the layer whose output global pooling averages (the last ReLU or pooling layer)."""
    names = [layer.name for layer in layers]
    return names[names.index("gap") - 1]


def _unit(layers: list[Layer]) -> tuple[np.ndarray, float]:
    dense = layers[-1]
    return dense.arrays["weights"], float(dense.arrays["bias"][0])


def decision(layers: list[Layer], acts: dict[str, np.ndarray]) -> Decision:
    """The decision terms of windows whose layer outputs are ``acts`` (from
    :func:`~catdog_cnn.serve.numpy_net.forward_batch`)."""
    weights, bias = _unit(layers)
    pooled = acts["gap"]
    contributions = pooled * weights
    logit = contributions.sum(axis=1) + bias
    return Decision(pooled, weights, bias, contributions, logit, 1 / (1 + np.exp(-logit)))


def class_activation(layers: list[Layer], acts: dict[str, np.ndarray]) -> np.ndarray:
    """Evidence for dog over time (n, T): the last feature map weighted by the sigmoid weights; its mean over time
    plus the bias is the logit."""
    return acts[feature_layer(layers)] @ _unit(layers)[0]


def per_slice(values: np.ndarray, slice_size: int = SLICE) -> np.ndarray:
    """``values`` (n, length) summed over consecutive slices of ``slice_size``: shape (n, length // slice_size)."""
    n, length = values.shape
    k = length // slice_size
    return values[:, : k * slice_size].reshape(n, k, slice_size).sum(axis=2)


def spread_over_slices(cam: np.ndarray, length: int, slice_size: int = SLICE) -> np.ndarray:
    """A class-activation map (n, T) as evidence per slice of a window of ``length`` samples: each step spread
    evenly over the samples it falls on, so that a window's slices add up to its logit minus the bias."""
    at = (np.arange(length) * cam.shape[1]) // length  # the step each sample falls in
    return per_slice(cam[:, at] / length, slice_size)


def logits(layers: list[Layer], windows: np.ndarray) -> np.ndarray:
    """The logit (the sigmoid unit's input) of every window (n, segment)."""
    return decision(layers, forward_batch(layers, windows, until="gap")).logit


def occlusion(layers: list[Layer], window: np.ndarray, slice_size: int = SLICE) -> np.ndarray:
    """How far the logit moves away from the predicted class when each slice alone is silenced: shape (slices,)."""
    window = np.asarray(window, np.float64).ravel()
    k = len(window) // slice_size
    copies = np.repeat(window[None], k + 1, axis=0)
    for j in range(k):
        copies[j + 1, j * slice_size : (j + 1) * slice_size] = 0
    logit = np.concatenate([logits(layers, copies[i : i + NUMPY_BATCH]) for i in range(0, k + 1, NUMPY_BATCH)])
    return (logit[0] - logit[1:]) * (1.0 if logit[0] >= 0 else -1.0)


def most_decisive_slice(layers: list[Layer], window: np.ndarray, slice_size: int = SLICE) -> int:
    """Index of the slice whose silencing moves one window's decision most (:func:`occlusion`)."""
    return int(np.argmax(occlusion(layers, window, slice_size)))
