"""The Keras twin of a NumPy network: the same weights in Keras, its gradients, and its training on the same
batches, to check :mod:`catdog_cnn.nets.backprop` and to put the two training runs side by side."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .._keras import keras, tf
from .._quiet import c_stderr_silenced
from ..serve.numpy_net import Layer, network_layers
from .backprop import ADAM, evaluate_logits
from .model import build_model

__all__ = ["WEIGHT_ORDER", "keras_copy", "keras_gradients", "gradient_differences", "keras_evaluate", "train_keras"]

WEIGHT_ORDER = {"conv": ["kernel", "bias"], "bn": ["gamma", "beta", "mean", "variance"], "dense": ["weights", "bias"]}


def keras_copy(layers: list[Layer] | None, preset: str = "original", *, dtype: str = "float32") -> keras.Model:
    """A Keras model of ``preset`` without dropout, computing in ``dtype``, holding the weights of ``layers`` (or
    Keras' own random start when None)."""
    before, policy = keras.config.floatx(), keras.config.dtype_policy()
    keras.config.set_floatx(dtype)
    keras.config.set_dtype_policy(dtype)
    try:
        model = build_model(preset, dropout=0.0)
    finally:
        keras.config.set_floatx(before)
        keras.config.set_dtype_policy(policy)
    if layers is not None:
        ours = {layer.name: layer for layer in layers}
        for k in model.layers:
            if k.name in ours and k.weights:
                mine = ours[k.name]
                k.set_weights([mine.arrays[n].reshape(w.shape) for n, w in zip(WEIGHT_ORDER[mine.kind], k.weights,
                                                                              strict=True)])  # fmt: skip
        assert [x.name for x in network_layers(model)] == [x.name for x in layers]
    return model


def keras_gradients(model: keras.Model, x: np.ndarray, y: np.ndarray) -> dict[tuple[str, str], np.ndarray]:
    """The mean binary cross-entropy's gradient for every weight, by (layer, weight) in :mod:`backprop`'s names,
    with batch normalization in training mode."""
    dtype = model.inputs[0].dtype
    with c_stderr_silenced(), tf.GradientTape() as tape:
        p = model(tf.constant(np.asarray(x)[:, :, None], dtype), training=True)
        loss = tf.reduce_mean(keras.losses.binary_crossentropy(tf.constant(np.asarray(y)[:, None], dtype), p))
    out = {}
    for v, g in zip(model.trainable_variables, tape.gradient(loss, model.trainable_variables), strict=True):
        layer, name = v.path.split("/")
        out[(layer, "weights" if layer == "dense" and name == "kernel" else name)] = g.numpy()
    return out


def gradient_differences(layers: list[Layer], grads: dict[str, dict[str, np.ndarray]], model: keras.Model,
                         x: np.ndarray, y: np.ndarray) -> dict[str, float]:  # fmt: skip
    """The largest difference between NumPy's ``grads`` and TensorFlow's, by kind of weight ("conv kernel", ...),
    as a share of the largest gradient of that array. A convolution's bias before batch normalization has no
    gradient in exact arithmetic, so its difference is taken as a share of its kernel's largest gradient."""
    theirs = keras_gradients(model, x, y)
    kinds = {layer.name: layer.kind for layer in layers}
    worst: dict[str, float] = {}
    for (layer, name), g in theirs.items():
        scale = np.abs(theirs[(layer, "kernel")] if kinds[layer] == "conv" and name == "bias" else g).max()
        key = f"{kinds[layer]} {name}"
        worst[key] = max(worst.get(key, 0.0), float(np.abs(grads[layer][name].reshape(g.shape) - g).max() / scale))
    return worst


def keras_evaluate(model: keras.Model, x: np.ndarray, y: np.ndarray) -> dict[str, float]:
    """:func:`catdog_cnn.nets.backprop.evaluate` for a Keras model: the mean loss and the share called right."""
    p = np.clip(model.predict(np.asarray(x)[:, :, None], verbose=0, batch_size=64)[:, 0].astype(np.float64), 1e-7,
                1 - 1e-7)  # fmt: skip
    return evaluate_logits(np.log(p / (1 - p)), y)


def train_keras(
    model: keras.Model,
    x: np.ndarray,
    y: np.ndarray,
    batches: list[np.ndarray],
    *,
    learning_rate: float = ADAM["learning_rate"],
    every: int = 0,
    check: Callable[[keras.Model], dict[str, float]] | None = None,
) -> dict[str, Any]:
    """Train ``model`` with Adam on the given ``batches`` of windows ``x`` (n, segment), in order, as
    :func:`catdog_cnn.nets.backprop.train` does; returns each step's loss and, every ``every`` steps, what ``check``
    returns."""
    model.compile(optimizer=keras.optimizers.Adam(learning_rate, beta_1=ADAM["beta_1"], beta_2=ADAM["beta_2"],
                                                  epsilon=ADAM["epsilon"]), loss="binary_crossentropy")  # fmt: skip
    history: dict[str, Any] = {"loss": [], "checked_at": [], "checked": {}}
    for step, batch in enumerate(batches):
        history["loss"].append(float(model.train_on_batch(x[batch][:, :, None], y[batch].astype("float32"))))
        if check is not None and every and (step + 1) % every == 0:
            history["checked_at"].append(step + 1)
            for key, value in check(model).items():
                history["checked"].setdefault(key, []).append(value)
    return history
