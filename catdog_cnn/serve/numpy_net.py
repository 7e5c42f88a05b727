"""The whole network in NumPy: the forward pass of a model from :func:`~catdog_cnn.nets.model.build_model`, written
plainly, one function per kind of layer, with no TensorFlow.

:func:`network_layers` reads a Keras model into a list of plain layers (a kind, a name and NumPy arrays);
:func:`forward` runs a window through them and returns every layer's output, as
:func:`~catdog_cnn.look.peel.activations` does with Keras. The web explorer's JavaScript mirrors these functions one
by one (``catdog_cnn/serve/web/net.js``), so a reader can compare them line by line.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..config import CatDogError

__all__ = [
    "Layer",
    "network_layers",
    "conv1d",
    "batch_norm",
    "relu",
    "max_pool",
    "log_compress",
    "global_average",
    "sigmoid_unit",
    "forward",
    "forward_batch",
    "NumpyNet",
]

NUMPY_BATCH = 16  # windows per batched forward pass: the first layer's patches of 16 m5 windows take about 40 MB


@dataclass
class Layer:
    """One layer as NumPy sees it: its ``kind`` (conv, bn, relu, pool, log, gap, dense), its Keras ``name``, its
    arrays by name and its settings (a convolution's ``stride``, a pool's ``size``, batch norm's ``epsilon``)."""

    kind: str
    name: str
    arrays: dict[str, np.ndarray] = field(default_factory=dict)
    settings: dict[str, Any] = field(default_factory=dict)


def conv1d(x: np.ndarray, kernel: np.ndarray, bias: np.ndarray, *, stride: int) -> np.ndarray:
    """A 1-D convolution with "same" padding: ``x`` (steps, in) and ``kernel`` (size, in, out) give (steps', out).

    Keras pads so that there are ceil(steps / stride) outputs, with any odd padding sample on the right, and
    computes a cross-correlation: output step t is the sum of ``kernel`` times the ``size`` input steps from
    t × stride (in the padded input), plus the bias.
    """
    size = kernel.shape[0]
    steps = -(-len(x) // stride)  # ceil
    pad = max((steps - 1) * stride + size - len(x), 0)
    padded = np.pad(x, ((pad // 2, pad - pad // 2), (0, 0)))
    windows = np.lib.stride_tricks.sliding_window_view(padded, size, axis=0)[::stride]  # (steps, in, size)
    return np.einsum("tis,sio->to", windows[:steps], kernel) + bias


def batch_norm(
    x: np.ndarray, gamma: np.ndarray, beta: np.ndarray, mean: np.ndarray, variance: np.ndarray, *, epsilon: float
) -> np.ndarray:
    """Batch normalization at inference: each channel shifted by its moving mean, divided by its moving standard
    deviation, then scaled by ``gamma`` and shifted by ``beta``."""
    return (x - mean) / np.sqrt(variance + epsilon) * gamma + beta


def relu(x: np.ndarray) -> np.ndarray:
    """Keep positive values, set negative ones to zero."""
    return np.maximum(x, 0)


def max_pool(x: np.ndarray, *, size: int) -> np.ndarray:
    """The largest of every ``size`` consecutive steps, per channel; a last incomplete group is dropped."""
    steps = len(x) // size
    return x[: steps * size].reshape(steps, size, -1).max(axis=1)


def log_compress(x: np.ndarray) -> np.ndarray:
    """log(1 + x): large values squeezed, as a spectrogram's log does."""
    return np.log1p(x)


def global_average(x: np.ndarray) -> np.ndarray:
    """The mean of every channel over time: (steps, channels) to (channels,)."""
    return x.mean(axis=0)


def sigmoid_unit(g: np.ndarray, weights: np.ndarray, bias: float) -> np.ndarray:
    """p(dog) = 1 / (1 + exp(-logit)), with logit = sum of ``weights`` times ``g``, plus ``bias``."""
    logit = g @ weights + bias
    return 1 / (1 + np.exp(-logit))


def _apply(layer: Layer, x: np.ndarray) -> np.ndarray:
    a, s = layer.arrays, layer.settings
    if layer.kind == "conv":
        return conv1d(x, a["kernel"], a["bias"], stride=s["stride"])
    if layer.kind == "bn":
        return batch_norm(x, a["gamma"], a["beta"], a["mean"], a["variance"], epsilon=s["epsilon"])
    if layer.kind == "pool":
        return max_pool(x, size=s["size"])
    if layer.kind == "dense":
        return sigmoid_unit(x, a["weights"], float(a["bias"][0]))[None]
    return {"relu": relu, "log": log_compress, "gap": global_average}[layer.kind](x)


def forward(layers: list[Layer], window: np.ndarray) -> dict[str, np.ndarray]:
    """Every layer's output for one window (shape (segment,) or (segment, 1)), by layer name, in float64.

    The outputs have the shapes :func:`~catdog_cnn.look.peel.activations` gives for one window, without its batch
    axis: (steps, channels) for a block's layers, (channels,) for ``gap`` and (1,) for ``dense``: p(dog).
    """
    x = np.asarray(window, dtype=np.float64).reshape(-1, 1)
    out = {}
    for layer in layers:
        x = _apply(layer, x)
        out[layer.name] = x
    return out


def _layer(keras_layer: Any) -> Layer | None:
    """The :class:`Layer` of one Keras layer; None for those that do nothing at inference (input, dropout)."""
    kind, name = type(keras_layer).__name__, keras_layer.name
    weights = [np.asarray(w, dtype=np.float64) for w in keras_layer.get_weights()]
    if kind in ("InputLayer", "Dropout"):
        return None
    if kind == "Conv1D" and keras_layer.padding == "same" and keras_layer.dilation_rate == (1,):
        return Layer("conv", name, {"kernel": weights[0], "bias": weights[1]}, {"stride": keras_layer.strides[0]})
    if kind in ("BatchNormalization", "XLABatchNormalization"):
        arrays = dict(zip(("gamma", "beta", "mean", "variance"), weights, strict=True))
        return Layer("bn", name, arrays, {"epsilon": float(keras_layer.epsilon)})
    if kind == "MaxPooling1D":
        return Layer("pool", name, settings={"size": keras_layer.pool_size[0]})
    if kind == "Dense":
        return Layer("dense", name, {"weights": weights[0][:, 0], "bias": weights[1]})
    simple = {"ReLU": "relu", "LogCompression": "log", "GlobalAveragePooling1D": "gap"}
    if kind in simple:
        return Layer(simple[kind], name)
    raise CatDogError(f"layer {name} ({kind}) has no NumPy version here: only the original and m5 kinds of layer do")


def network_layers(model: Any) -> list[Layer]:
    """A Keras model from :func:`~catdog_cnn.nets.model.build_model` as plain layers, in order.

    Raises
    ------
    CatDogError
        For a layer kind the NumPy forward pass does not have (a sinc or separable convolution, max pooling
        over time at the end): the message names it.
    """
    layers = [_layer(layer) for layer in model.layers]
    return [layer for layer in layers if layer is not None]


def _conv1d_batch(x: np.ndarray, kernel: np.ndarray, bias: np.ndarray, *, stride: int) -> np.ndarray:
    """:func:`conv1d` for a batch (n, steps, in), as one matrix product (the same sums, in another order)."""
    size = kernel.shape[0]
    steps = -(-x.shape[1] // stride)
    pad = max((steps - 1) * stride + size - x.shape[1], 0)
    padded = np.pad(x, ((0, 0), (pad // 2, pad - pad // 2), (0, 0)))
    windows = np.lib.stride_tricks.sliding_window_view(padded, size, axis=1)[:, ::stride][:, :steps]
    return np.tensordot(windows, kernel, axes=([2, 3], [1, 0])) + bias  # (n, steps, in, size) . (size, in, out)


def _apply_batch(layer: Layer, x: np.ndarray) -> np.ndarray:
    a, s = layer.arrays, layer.settings
    if layer.kind == "conv":
        return _conv1d_batch(x, a["kernel"], a["bias"], stride=s["stride"])
    if layer.kind == "pool":
        steps = x.shape[1] // s["size"]
        return x[:, : steps * s["size"]].reshape(len(x), steps, s["size"], -1).max(axis=2)
    if layer.kind == "gap":
        return x.mean(axis=1)
    if layer.kind == "dense":
        return sigmoid_unit(x, a["weights"], float(a["bias"][0]))[:, None]
    return _apply(layer, x)  # batch norm, ReLU and log act on each number alone


def forward_batch(layers: list[Layer], windows: np.ndarray, *, until: str | None = None) -> dict[str, np.ndarray]:
    """:func:`forward` for windows (n, segment[, 1]) at once: every layer's output with a leading batch axis, up
    to and including the layer named ``until`` (all by default)."""
    x = np.asarray(windows, dtype=np.float64).reshape(len(windows), -1, 1)
    out = {}
    for layer in layers:
        x = _apply_batch(layer, x)
        out[layer.name] = x
        if layer.name == until:
            break
    return out


class NumpyNet:
    """A model as a NumPy predictor: windows (n, segment[, 1]) to p(dog) (n,), as ``predict`` calls a model."""

    def __init__(self, layers: list[Layer], batch_size: int = NUMPY_BATCH) -> None:
        self.layers, self.batch_size = layers, batch_size

    def __call__(self, windows: np.ndarray) -> np.ndarray:
        last = self.layers[-1].name
        parts = [forward_batch(self.layers, windows[i : i + self.batch_size])[last][:, 0]
                 for i in range(0, len(windows), self.batch_size)]  # fmt: skip
        return np.concatenate(parts) if parts else np.zeros(0)
