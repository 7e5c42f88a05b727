"""Where in a window the evidence sits: four attributions over 50-ms slices, and deletion curves that test them.

Each method gives every slice of a window a relevance for the class the model predicts:

``class activation``
    The exact class-activation map of a globally average-pooled model (:func:`~catdog_cnn.look.peel.class_activation`),
    summed over the steps that fall in each slice.
``input gradient``
    Gradient times input of the logit, summed over each slice's samples.
``SmoothGrad``
    The same, with the gradient averaged over noisy copies of the window (Smilkov et al., 2017).
``occlusion``
    How much the logit falls when the slice alone is silenced.

A deletion curve silences the slices in order of relevance, most relevant first, and follows p of the predicted
class; the faster it falls, the better the attribution names what the decision rests on. Its area (the mean
over the steps) ranks the methods; ``random`` (a seeded random order) is the floor to beat.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .._keras import keras, tf
from ..config import SEED, SMOOTHGRAD_NOISE, SMOOTHGRAD_SAMPLES
from ..serve.decide import SLICE, per_slice, spread_over_slices
from .peel import class_activation, sigmoid_unit

__all__ = [
    "SLICE",
    "METHODS",
    "logits",
    "per_slice",
    "dog_evidence",
    "class_activation_relevance",
    "gradient_relevance",
    "smoothgrad_relevance",
    "occlusion_relevance",
    "random_relevance",
    "relevance",
    "FILLS",
    "floor_noise",
    "deletion_curves",
    "deletion_areas",
    "deletion_area",
    "area_lead",
    "most_decisive_slice",
]

_BATCH = 256  # windows per forward pass
_CHUNK = 16  # windows whose silenced copies (slices + 1 each) are made at a time, so memory stays small


def _logit_function(model: keras.Model) -> Callable[[tf.Tensor], tf.Tensor]:
    """The model's logit (the sigmoid unit's input) as a TensorFlow function of windows (n, segment, 1)."""
    pooled = keras.Model(model.inputs, model.get_layer("gap").output)
    weights, bias = sigmoid_unit(model)
    w = tf.constant(weights[:, None], tf.float32)
    return lambda x: tf.squeeze(tf.matmul(pooled(x, training=False), w), axis=1) + bias


def _batches(x: np.ndarray, size: int = _BATCH):
    """``x`` in batches of ``size`` windows (fewer when ``x`` has fewer), the last padded with silence to the same
    shape as the others."""
    size = max(1, min(size, len(x)))
    for i in range(0, len(x), size):
        batch = x[i : i + size]
        yield len(batch), np.pad(batch, ((0, size - len(batch)), (0, 0), (0, 0)))


def logits(model: keras.Model, x: np.ndarray, *, batch_size: int = _BATCH) -> np.ndarray:
    """The logit of every window of ``x`` (n, segment, 1) or (n, segment), in batches of ``batch_size``."""
    f = _logit_function(model)
    x = np.asarray(x, np.float32).reshape(len(x), -1, 1)
    return np.concatenate([f(tf.constant(batch)).numpy()[:n] for n, batch in _batches(x, batch_size)])


def _toward_prediction(model: keras.Model, x: np.ndarray) -> np.ndarray:
    """+1 for windows the model calls dog, -1 for cat: relevance is evidence for the predicted class."""
    return np.where(logits(model, x) >= 0, 1.0, -1.0)[:, None]


def dog_evidence(
    model: keras.Model,
    x: np.ndarray,
    slice_size: int = SLICE,
    *,
    peeled: keras.Model | None = None,
    batch_size: int = _BATCH,
) -> np.ndarray:
    """Evidence for dog (n, slices) from the class-activation map, each step spread over its share of the window.

    A window's slices add up to its logit minus the sigmoid unit's bias (for an average-pooled model).
    ``peeled`` (:func:`~catdog_cnn.look.peel.feature_model` or :func:`~catdog_cnn.look.peel.activation_model`) saves
    building it on each call; ``batch_size`` windows go through the network at a time.
    """
    x = np.asarray(x, np.float32).reshape(len(x), -1, 1)
    cam = np.concatenate([class_activation(model, b, peeled=peeled)[:n] for n, b in _batches(x, batch_size)])
    return spread_over_slices(cam, x.shape[1], slice_size)


def class_activation_relevance(model: keras.Model, x: np.ndarray, slice_size: int = SLICE) -> np.ndarray:
    """Relevance (n, slices) from the class-activation map: :func:`dog_evidence`, for the predicted class."""
    return dog_evidence(model, x, slice_size) * _toward_prediction(model, x)


def _gradients(model: keras.Model, x: np.ndarray) -> np.ndarray:
    f = _logit_function(model)
    out = []
    for n, padded in _batches(x):
        batch = tf.constant(padded)
        with tf.GradientTape() as tape:
            tape.watch(batch)
            total = tf.reduce_sum(f(batch))
        out.append(tape.gradient(total, batch).numpy()[:n])
    return np.concatenate(out)


def gradient_relevance(model: keras.Model, x: np.ndarray, slice_size: int = SLICE) -> np.ndarray:
    """Relevance (n, slices): gradient of the logit times the input, summed per slice."""
    x = np.asarray(x, np.float32).reshape(len(x), -1, 1)
    return per_slice((_gradients(model, x) * x)[..., 0], slice_size) * _toward_prediction(model, x)


def smoothgrad_relevance(
    model: keras.Model,
    x: np.ndarray,
    slice_size: int = SLICE,
    *,
    samples: int = SMOOTHGRAD_SAMPLES,
    noise: float = SMOOTHGRAD_NOISE,
    seed: int = SEED,
) -> np.ndarray:
    """Relevance (n, slices): gradient averaged over ``samples`` noisy copies (sd ``noise`` × peak), times the input."""
    x = np.asarray(x, np.float32).reshape(len(x), -1, 1)
    rng = np.random.default_rng(seed)
    scale = noise * np.abs(x).max(axis=(1, 2), keepdims=True)
    grad = np.zeros_like(x)
    for _ in range(samples):
        grad += _gradients(model, x + (rng.standard_normal(x.shape) * scale).astype(np.float32))
    return per_slice((grad / samples * x)[..., 0], slice_size) * _toward_prediction(model, x)


def occlusion_relevance(
    model: keras.Model, x: np.ndarray, slice_size: int = SLICE, *, batch_size: int = _BATCH
) -> np.ndarray:
    """Relevance (n, slices): how far the logit moves away from the predicted class when one slice is silenced."""
    x = np.asarray(x, np.float32).reshape(len(x), -1)
    if len(x) > _CHUNK:
        return np.concatenate(
            [occlusion_relevance(model, x[i : i + _CHUNK], slice_size, batch_size=batch_size)
             for i in range(0, len(x), _CHUNK)]
        )  # fmt: skip
    n, length = x.shape
    k = length // slice_size
    base = logits(model, x, batch_size=batch_size)
    occluded = np.repeat(x, k, axis=0).reshape(n, k, length)
    for j in range(k):
        occluded[:, j, j * slice_size : (j + 1) * slice_size] = 0
    moved = base[:, None] - logits(model, occluded.reshape(n * k, length), batch_size=batch_size).reshape(n, k)
    return moved * np.where(base >= 0, 1.0, -1.0)[:, None]


def random_relevance(model: keras.Model, x: np.ndarray, slice_size: int = SLICE, *, seed: int = SEED) -> np.ndarray:
    """A seeded random relevance (n, slices): the order a deletion curve must beat."""
    return np.random.default_rng(seed).random((len(x), np.asarray(x).shape[1] // slice_size))


METHODS: dict[str, Callable[..., np.ndarray]] = {
    "class activation": class_activation_relevance,
    "input gradient": gradient_relevance,
    "SmoothGrad": smoothgrad_relevance,
    "occlusion": occlusion_relevance,
    "random": random_relevance,
}


def relevance(model: keras.Model, x: np.ndarray, method: str, slice_size: int = SLICE) -> np.ndarray:
    """The relevance (n, slices) of windows ``x`` by one of :data:`METHODS`."""
    return METHODS[method](model, x, slice_size)


FILLS = ("silence", "floor noise")  # what a deleted slice is replaced with


def floor_noise(x: np.ndarray, slice_size: int = SLICE, *, seed: int = SEED) -> np.ndarray:
    """Gaussian noise as long as each window, at the level of its quietest slice (its RMS), seeded.

    A deletion that puts this in place of a slice removes what the slice held without adding a silence the
    window never had: a recording's floor is rarely digital zero.
    """
    x = np.asarray(x, np.float32).reshape(len(x), -1)
    k = x.shape[1] // slice_size
    rms = np.sqrt(np.mean(x[:, : k * slice_size].reshape(len(x), k, slice_size) ** 2, axis=2))
    floor = rms.min(axis=1, keepdims=True)
    return (np.random.default_rng(seed).standard_normal(x.shape) * floor).astype(np.float32)


def deletion_curves(
    model: keras.Model,
    x: np.ndarray,
    relevance: np.ndarray,
    slice_size: int = SLICE,
    *,
    fill: str = "silence",
    seed: int = SEED,
) -> np.ndarray:
    """p of each window's predicted class as its slices are deleted, most relevant first.

    A deleted slice is set to zero (``fill="silence"``) or replaced by :func:`floor_noise` (``"floor noise"``,
    seeded by ``seed``). Ties in relevance are broken by slice index, so the order does not hang on round-off.

    Returns
    -------
    np.ndarray, shape (n, slices + 1)
        Column k: after the k most relevant slices are deleted (column 0: the window as it is).
    """
    if fill not in FILLS:
        raise ValueError(f"fill must be one of {FILLS}, not {fill!r}")
    x = np.asarray(x, np.float32).reshape(len(x), -1)
    noise = floor_noise(x, slice_size, seed=seed) if fill == "floor noise" else np.zeros_like(x)
    if len(x) > _CHUNK:
        chunks = range(0, len(x), _CHUNK)
        return np.concatenate(
            [_deletion_chunk(model, x[i : i + _CHUNK], relevance[i : i + _CHUNK], noise[i : i + _CHUNK], slice_size)
             for i in chunks]
        )  # fmt: skip
    return _deletion_chunk(model, x, relevance, noise, slice_size)


def _deletion_chunk(
    model: keras.Model, x: np.ndarray, relevance: np.ndarray, fill: np.ndarray, slice_size: int
) -> np.ndarray:
    n, length = x.shape
    k = relevance.shape[1]
    order = np.argsort(-relevance, axis=1, kind="stable")
    steps = np.repeat(x, k + 1, axis=0).reshape(n, k + 1, length)
    for i in range(n):
        for step, j in enumerate(order[i], start=1):
            part = slice(j * slice_size, (j + 1) * slice_size)
            steps[i, step:, part] = fill[i, part]
    p_dog = 1 / (1 + np.exp(-logits(model, steps.reshape(n * (k + 1), length)).reshape(n, k + 1)))
    return np.where(p_dog[:, :1] >= 0.5, p_dog, 1 - p_dog)


def deletion_areas(curves: np.ndarray) -> np.ndarray:
    """Area under each window's deletion curve (n, steps + 1), steps scaled to [0, 1]: lower is better."""
    return np.trapezoid(curves, dx=1 / (curves.shape[1] - 1), axis=1)


def deletion_area(curves: np.ndarray) -> float:
    """The mean over windows of :func:`deletion_areas`."""
    return float(np.mean(deletion_areas(curves)))


def area_lead(better: np.ndarray, worse: np.ndarray) -> tuple[float, float]:
    """How much lower one method's deletion areas are than another's on the same windows: the mean of the
    window-by-window differences ``worse - better``, and its standard error. More than two standard errors is a
    lead that the windows' spread does not explain."""
    difference = np.asarray(worse, float) - np.asarray(better, float)
    return float(difference.mean()), float(difference.std(ddof=1) / np.sqrt(len(difference)))


def most_decisive_slice(
    model: keras.Model, window: np.ndarray, slice_size: int = SLICE, *, batch_size: int = _BATCH
) -> int:
    """Index of the 50-ms slice whose silencing moves one window's decision most (occlusion)."""
    relevance = occlusion_relevance(model, np.asarray(window)[None], slice_size, batch_size=batch_size)
    return int(np.argmax(relevance[0]))
