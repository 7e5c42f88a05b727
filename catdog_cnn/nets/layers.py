"""The package's own Keras layers: log compression, learned band-pass filters and compiled batch normalization.

They are registered as serializable under the package name, so ``keras.models.load_model`` finds them
in saved models once this module is imported (:mod:`catdog_cnn.nets.model` imports it).
"""

from __future__ import annotations

import functools

import numpy as np

from .._keras import keras, tf
from ..config import SAMPLE_RATE
from ..sound.dsp import mel_edges

__all__ = ["LogCompression", "SincConv1D", "XLABatchNormalization", "MIN_LOW_HZ", "MIN_BAND_HZ"]


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
