"""The 1-D CNN that reads raw waveforms, with the original notebook's design as default."""

from __future__ import annotations

import math
from typing import Any

from .._keras import keras
from ..config import SEGMENT, CatDogError
from .layers import LogCompression, SincConv1D, XLABatchNormalization

__all__ = [
    "PRESETS",
    "BATCH_NORMS",
    "XLABatchNormalization",
    "SincConv1D",
    "model_config",
    "build_model",
    "count_params",
    "multiply_adds",
    "explain_params",
]

ORIGINAL: dict[str, Any] = {
    "input_length": SEGMENT,
    "n_layers": 10,
    "filters": 10,
    "kernel_size": 4,
    "strides": 2,
    "first_filters": None,  # None: same as filters
    "first_kernel_size": None,  # None: same as kernel_size
    "first_strides": None,  # None: same as strides
    "padding": "same",
    "pool_size": 1,  # max-pooling after each block; 1 means none
    "global_pool": "avg",
    "dropout": 0.0,
    "log_compress": False,  # log(1 + x) after the first block, as a spectrogram's log
    "batch_norm": "keras",  # "xla": the same normalization computed by XLA-compiled kernels
    "separable": False,  # blocks after the first: a filter per channel over time, then a 1x1 mix of channels
    "sinc": False,  # first layer: band-pass filters with two learned edges each (SincConv1D)
}

PRESETS: dict[str, dict[str, Any]] = {
    # The original notebook: 10 x [Conv1D(10, 4, stride 2) -> BN -> ReLU] -> GAP -> sigmoid.
    "original": {},
    # After Dai et al.'s M5: a long, strided first kernel sees 5 ms at once,
    # then short kernels with max-pooling; log compression after the first
    # block (as a spectrogram's log), dropout before the decision. Five blocks
    # of 36 filters: each unit of the last one sees 0.43 s (four blocks: 0.11 s).
    "m5": {
        "n_layers": 5,
        "filters": 36,
        "kernel_size": 3,
        "strides": 1,
        "first_kernel_size": 80,
        "first_strides": 4,
        "pool_size": 4,
        "dropout": 0.2,
        "log_compress": True,
    },
}


layers = keras.layers

BATCH_NORMS = {"keras": layers.BatchNormalization, "xla": XLABatchNormalization}


def model_config(preset: str = "original", **overrides: Any) -> dict[str, Any]:
    """Return the full set of architecture knobs of a preset, with overrides applied.

    Raises
    ------
    CatDogError
        For an unknown preset or knob.
    """
    if preset not in PRESETS:
        raise CatDogError(f"unknown preset {preset!r}; choose one of {sorted(PRESETS)}")
    unknown = set(overrides) - set(ORIGINAL)
    if unknown:
        raise CatDogError(f"unknown model options {sorted(unknown)}; known: {sorted(ORIGINAL)}")
    cfg = {**ORIGINAL, **PRESETS[preset], **overrides}
    if cfg["batch_norm"] not in BATCH_NORMS:
        raise CatDogError(f"batch_norm must be one of {sorted(BATCH_NORMS)}, not {cfg['batch_norm']!r}")
    return cfg


def build_model(preset: str = "original", **overrides: Any) -> keras.Model:
    """Build the classifier; its output is the probability that a window is a dog.

    Each block is Conv1D -> BatchNormalization -> ReLU (-> MaxPooling1D when
    ``pool_size`` > 1), named ``conv_i``, ``bn_i``, ``relu_i``, ``pool_i`` for
    i = 1 ... n_layers, followed by ``gap`` (global pooling), an optional
    ``dropout`` and ``dense`` (one sigmoid unit).

    Parameters
    ----------
    preset : str
        ``"original"`` (4,151 parameters) or ``"m5"``.
    **overrides
        Any knob of :data:`ORIGINAL`: ``n_layers``, ``filters``, ``kernel_size``,
        ``strides``, ``first_filters``, ``first_kernel_size``, ``first_strides``,
        ``padding``, ``pool_size``, ``global_pool`` ("avg" or "max"), ``dropout``,
        ``log_compress``, ``batch_norm`` ("keras" or "xla", see
        :class:`XLABatchNormalization`), ``separable`` (blocks after the first
        as ``SeparableConv1D``: each channel filtered over time on its own, then
        mixed by a 1 x 1 convolution; far fewer weights for a long kernel),
        ``sinc`` (a first layer of learned band-pass filters, see :class:`SincConv1D`),
        ``input_length``.

    Returns
    -------
    keras.Model
        Input shape (None, input_length, 1), output shape (None, 1).
    """
    cfg = model_config(preset, **overrides)
    inputs = keras.Input((cfg["input_length"], 1), name="waveform")
    x = inputs
    for i in range(1, cfg["n_layers"] + 1):
        first = i == 1
        conv = layers.SeparableConv1D if cfg["separable"] and not first else layers.Conv1D
        if first and cfg["sinc"]:
            conv = SincConv1D
        x = conv(
            (cfg["first_filters"] if first and cfg["first_filters"] else cfg["filters"]),
            (cfg["first_kernel_size"] if first and cfg["first_kernel_size"] else cfg["kernel_size"]),
            strides=(cfg["first_strides"] if first and cfg["first_strides"] else cfg["strides"]),
            padding=cfg["padding"],
            name=f"conv_{i}",
        )(x)
        x = BATCH_NORMS[cfg["batch_norm"]](name=f"bn_{i}")(x)
        x = layers.ReLU(name=f"relu_{i}")(x)
        if cfg["pool_size"] > 1 and x.shape[1] >= cfg["pool_size"]:
            x = layers.MaxPooling1D(cfg["pool_size"], name=f"pool_{i}")(x)
        if first and cfg["log_compress"]:
            x = LogCompression(name="log_1")(x)
    pool = {"avg": layers.GlobalAveragePooling1D, "max": layers.GlobalMaxPooling1D}[cfg["global_pool"]]
    x = pool(name="gap")(x)
    if cfg["dropout"] > 0:
        x = layers.Dropout(cfg["dropout"], name="dropout")(x)
    outputs = layers.Dense(1, activation="sigmoid", name="dense")(x)
    return keras.Model(inputs, outputs, name=f"catdog_{preset}")


def count_params(model: keras.Model) -> dict[str, dict[str, int]]:
    """Trainable and non-trainable parameter counts of every layer that has weights.

    Returns
    -------
    dict
        ``{layer name: {"trainable": n, "non_trainable": m}}`` in layer order.
    """
    counts = {}
    for layer in model.layers:
        if layer.weights:
            counts[layer.name] = {
                "trainable": sum(int(w.numpy().size) for w in layer.trainable_weights),
                "non_trainable": sum(int(w.numpy().size) for w in layer.non_trainable_weights),
            }
    return counts


def multiply_adds(model: keras.Model) -> int:
    """Multiply-accumulate operations to classify one window (convolutions and dense layers).

    BatchNorm, ReLU and pooling are left out: they cost one operation per
    value, far less than the convolutions.

    Returns
    -------
    int
        MACs per input window; FLOPs are about twice this.
    """
    total = 0
    for layer in model.layers:
        if isinstance(layer, (layers.Conv1D, SincConv1D)):
            length, filters = layer.output.shape[1], layer.output.shape[2]
            total += length * filters * math.prod(layer.kernel.shape[:2])
        elif isinstance(layer, layers.SeparableConv1D):
            length, filters = layer.output.shape[1], layer.output.shape[2]
            k, c_in, _ = layer.depthwise_kernel.shape
            total += length * c_in * (k + filters)  # the filter per channel, then the 1 x 1 mix
        elif isinstance(layer, layers.Dense):
            total += math.prod(layer.kernel.shape)
    return total


def explain_params(model: keras.Model) -> list[str]:
    """One line per layer with weights, deriving its parameter count from its shapes.

    Returns
    -------
    list of str
        E.g. ``"conv_2: 4 (kernel) x 10 (inputs) x 10 (filters) + 10 (biases) = 410"``.
    """
    lines = []
    for layer in model.layers:
        if isinstance(layer, layers.Conv1D):
            k, c_in, f = layer.kernel.shape
            lines.append(
                f"{layer.name}: {k} (kernel) x {c_in} (inputs) x {f} (filters) + {f} (biases) = {k * c_in * f + f}"
            )
        elif isinstance(layer, SincConv1D):
            lines.append(f"{layer.name}: {layer.filters} (filters) x 2 (low edge, band width) = {2 * layer.filters}")
        elif isinstance(layer, layers.SeparableConv1D):
            k, c_in, _ = layer.depthwise_kernel.shape
            f = layer.pointwise_kernel.shape[-1]
            lines.append(
                f"{layer.name}: {k} (kernel) x {c_in} (inputs) + {c_in} (inputs) x {f} (filters) + {f} (biases) "
                f"= {k * c_in + c_in * f + f}"
            )
        elif isinstance(layer, layers.BatchNormalization):
            f = layer.gamma.shape[0]
            lines.append(
                f"{layer.name}: 4 x {f} (gamma, beta trainable; moving mean, variance not) = {4 * f} "
                f"({2 * f} trainable)"
            )
        elif isinstance(layer, layers.Dense):
            n_in, n_out = layer.kernel.shape
            lines.append(f"{layer.name}: {n_in} (weights) x {n_out} + {n_out} (bias) = {n_in * n_out + n_out}")
    return lines
