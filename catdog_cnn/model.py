"""The 1-D CNN that reads raw waveforms, with the original notebook's design as default."""

from __future__ import annotations

import functools
import math
from typing import Any

import numpy as np

from ._keras import keras, tf
from .config import SAMPLE_RATE, SEGMENT, CatDogError
from .mel import mel_edges

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


@keras.saving.register_keras_serializable(package="catdog_cnn")
class LogCompression(keras.layers.Layer):
    """``log(1 + x)`` of non-negative activations: loud and quiet parts on one scale."""

    def call(self, x):
        return keras.ops.log1p(x)


MIN_LOW_HZ = 30.0  # SincConv1D: lowest low edge of a band
MIN_BAND_HZ = 50.0  # SincConv1D: narrowest band


@keras.saving.register_keras_serializable(package="catdog_cnn")
class SincConv1D(keras.layers.Layer):
    """A first layer of band-pass filters, each defined by two learned numbers (SincNet).

    Ravanelli and Bengio's SincNet: filter ``i`` passes the frequencies
    between two edges (see :meth:`band_edges`), as the difference of two
    sinc low-passes tapered by a Hamming window. Training moves only the
    edges, through the weights ``low_hz`` and ``band_hz``, so the layer has
    2 weights per filter instead of ``kernel_size``, and every filter stays
    a band-pass, readable in hertz. The bands start side by side, evenly
    spaced on the mel scale from :data:`MIN_LOW_HZ` to Nyquist; no bias.
    """

    def __init__(
        self,
        filters: int,
        kernel_size: int,
        strides: int = 1,
        padding: str = "same",
        sample_rate: int = SAMPLE_RATE,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.filters, self.kernel_size, self.strides = filters, kernel_size, strides
        self.padding, self.sample_rate = padding, sample_rate

    def build(self, input_shape):
        edges = mel_edges(self.filters + 1, MIN_LOW_HZ, self.sample_rate / 2)
        low, band = edges[:-1], np.diff(edges)
        self.low_hz = self.add_weight(
            shape=(self.filters,), initializer=keras.initializers.Constant(low - MIN_LOW_HZ), name="low_hz"
        )
        self.band_hz = self.add_weight(  # a mel band narrower than MIN_BAND_HZ starts at that width
            shape=(self.filters,),
            initializer=keras.initializers.Constant(np.maximum(band - MIN_BAND_HZ, 0)),
            name="band_hz",
        )
        n = np.arange(self.kernel_size) - (self.kernel_size - 1) / 2
        self._t = n / self.sample_rate  # seconds from the kernel's centre
        self._window = np.hamming(self.kernel_size).astype("float32")

    def band_edges(self):
        """Low and high edge (Hz) of every band, shape (filters,) each.

        The low edge lies ``|low_hz|`` above :data:`MIN_LOW_HZ`, the high edge
        ``|band_hz|`` above the low edge plus :data:`MIN_BAND_HZ`, at most at Nyquist.
        """
        ops = keras.ops
        low = MIN_LOW_HZ + ops.abs(self.low_hz)
        high = ops.clip(low + MIN_BAND_HZ + ops.abs(self.band_hz), MIN_LOW_HZ, self.sample_rate / 2)
        return low, high

    @property
    def kernel(self):
        """The filters as a Conv1D kernel, shape (kernel_size, 1, filters), each with a pass-band gain near 1."""
        ops = keras.ops
        low, high = self.band_edges()
        t = ops.convert_to_tensor(self._t[:, None], dtype=self.compute_dtype)

        def lowpass(cutoff):  # 2 f sinc(2 f t), with sinc(0) = 1
            arg = 2 * np.pi * cutoff[None, :] * t
            centre = ops.abs(arg) < 1e-6
            safe = ops.where(centre, ops.ones_like(arg), arg)
            return 2 * cutoff[None, :] * ops.where(centre, ops.ones_like(arg), ops.sin(safe) / safe)

        taps = (lowpass(high) - lowpass(low)) * self._window[:, None] / self.sample_rate
        return ops.expand_dims(taps, 1)

    def call(self, x):
        return keras.ops.conv(x, self.kernel, strides=self.strides, padding=self.padding)

    def get_config(self):
        return super().get_config() | {
            "filters": self.filters,
            "kernel_size": self.kernel_size,
            "strides": self.strides,
            "padding": self.padding,
            "sample_rate": self.sample_rate,
        }


def _bn_forward(x, gamma, beta, epsilon):
    mean = tf.reduce_mean(x, axis=0)
    variance = tf.reduce_mean(tf.square(x - mean), axis=0)
    return (x - mean) * (tf.math.rsqrt(variance + epsilon) * gamma) + beta, mean, variance


def _bn_backward(dy, x, mean, variance, gamma, epsilon):
    inv = tf.math.rsqrt(variance + epsilon)
    x_hat = (x - mean) * inv
    dbeta = tf.reduce_sum(dy, axis=0)
    dgamma = tf.reduce_sum(dy * x_hat, axis=0)
    n = tf.cast(tf.shape(x)[0], x.dtype)
    return (gamma * inv) * (dy - (dbeta + x_hat * dgamma) / n), dgamma, dbeta


def _bn_inference(x, mean, variance, gamma, beta, epsilon):
    scale = tf.math.rsqrt(variance + epsilon) * gamma
    return x * scale + (beta - mean * scale)


@keras.saving.register_keras_serializable(package="catdog_cnn")
class XLABatchNormalization(keras.layers.BatchNormalization):
    """Keras' BatchNormalization over the last axis, computed by XLA-compiled kernels.

    Same weights, same statistics, same moving averages. Keras computes a
    training step's normalization and its gradient as a dozen separate passes
    over the activations; here each direction is one fused kernel, which makes
    a training step of the original network about a quarter faster on a CPU.
    The round-off differs from Keras' layer: a run repeats exactly with either
    layer, but the two do not give the same numbers.
    """

    def build(self, input_shape):
        super().build(input_shape)
        # this layer's own kernels (a fresh wrapper each, so TensorFlow counts each layer's traces apart),
        # compiled once for each input shape they meet
        self._forward, self._backward, self._inference = (
            tf.function(functools.partial(f), jit_compile=True) for f in (_bn_forward, _bn_backward, _bn_inference)
        )

    def _normalize_batch(self, x, gamma, beta):
        """Normalize rows of ``x`` (samples, channels) by their batch statistics; returns (y, mean, variance)."""

        @tf.custom_gradient
        def normalize(x, gamma, beta):
            y, mean, variance = self._forward(x, gamma, beta, self.epsilon)

            def gradient(dy, _dmean, _dvariance):  # the statistics only update the moving averages
                return self._backward(dy, x, mean, variance, gamma, self.epsilon)

            return (y, tf.stop_gradient(mean), tf.stop_gradient(variance)), gradient

        return normalize(x, gamma, beta)

    def call(self, inputs, training=None, mask=None):
        channels = inputs.shape[-1]
        x = tf.reshape(inputs, (-1, channels))
        gamma, beta = tf.convert_to_tensor(self.gamma), tf.convert_to_tensor(self.beta)
        if training and self.trainable:
            y, mean, variance = self._normalize_batch(x, gamma, beta)
            for average, value in ((self.moving_mean, mean), (self.moving_variance, variance)):
                average.assign(average * self.momentum + value * (1.0 - self.momentum))
        else:
            mean, variance = tf.convert_to_tensor(self.moving_mean), tf.convert_to_tensor(self.moving_variance)
            y = self._inference(x, mean, variance, gamma, beta, self.epsilon)
        return tf.reshape(y, tf.shape(inputs))


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
