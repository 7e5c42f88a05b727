"""How the network learns, in NumPy: the loss, the backward pass of every layer, and Adam.

The forward pass of :mod:`catdog_cnn.serve.numpy_net` answers one window with fixed weights. Learning needs a batch of
windows at once, batch normalization in its training mode (each channel scaled by the batch's own mean and
variance), and the way back: for every layer, given how the loss changes with its output, how it changes with
its input and with its weights (the chain rule, layer by layer, from the loss back to the first kernel:
backpropagation). Each ``*_backward`` function below mirrors one forward function; tensors are (batch, steps,
channels). :func:`train_step` puts them together with the binary cross-entropy loss and Adam, as Keras trains
the same network; the tests compare every gradient and one step's new weights with TensorFlow's.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..serve.numpy_net import Layer

__all__ = [
    "BN_MOMENTUM",
    "BN_EPSILON",
    "ADAM",
    "initial_layers",
    "conv1d_forward",
    "conv1d_backward",
    "batch_norm_forward",
    "batch_norm_backward",
    "relu_backward",
    "max_pool_backward",
    "log_compress_backward",
    "global_average_backward",
    "dense_backward",
    "binary_cross_entropy",
    "forward_train",
    "backward",
    "Adam",
    "train_step",
    "batches",
    "forward_eval",
    "evaluate",
    "evaluate_logits",
    "train",
]

BN_MOMENTUM = 0.99  # Keras' default: the moving statistics keep 99% of their value at each step
BN_EPSILON = 1e-3  # Keras' default, added to the variance before its square root
ADAM = {"learning_rate": 1e-3, "beta_1": 0.9, "beta_2": 0.999, "epsilon": 1e-7}  # Keras' defaults

Grads = dict[str, dict[str, np.ndarray]]  # layer name -> array name -> gradient


# ---- the starting point ---------------------------------------------------------------------------------
def _glorot(rng: np.random.Generator, shape: tuple[int, ...], fan_in: int, fan_out: int) -> np.ndarray:
    limit = np.sqrt(6 / (fan_in + fan_out))
    return rng.uniform(-limit, limit, size=shape)


def initial_layers(
    n_blocks: int = 10, filters: int = 10, kernel_size: int = 4, stride: int = 2, *, seed: int = 0
) -> list[Layer]:
    """The original network (by default) with random weights, as Keras starts it: Glorot-uniform kernels,
    zero biases, batch normalization's gamma 1 and beta 0, its moving mean 0 and variance 1."""
    rng = np.random.default_rng(seed)
    layers, channels = [], 1
    for b in range(1, n_blocks + 1):
        kernel = _glorot(rng, (kernel_size, channels, filters), kernel_size * channels, kernel_size * filters)
        layers.append(Layer("conv", f"conv_{b}", {"kernel": kernel, "bias": np.zeros(filters)}, {"stride": stride}))
        bn = {"gamma": np.ones(filters), "beta": np.zeros(filters), "mean": np.zeros(filters),
              "variance": np.ones(filters)}  # fmt: skip
        layers.append(Layer("bn", f"bn_{b}", bn, {"epsilon": BN_EPSILON}))
        layers.append(Layer("relu", f"relu_{b}"))
        channels = filters
    layers.append(Layer("gap", "gap"))
    dense = {"weights": _glorot(rng, (filters,), filters, 1), "bias": np.zeros(1)}
    layers.append(Layer("dense", "dense", dense))
    return layers


# ---- each layer forward (training mode) and backward -----------------------------------------------------
def _padding(steps_in: int, size: int, stride: int) -> tuple[int, int, int]:
    """Keras' "same" padding: (steps out, zeros on the left, zeros on the right)."""
    steps = -(-steps_in // stride)
    pad = max((steps - 1) * stride + size - steps_in, 0)
    return steps, pad // 2, pad - pad // 2


def _patches(x: np.ndarray, size: int, stride: int) -> tuple[np.ndarray, int, int]:
    """The input under the kernel at every output step, as rows: (n * steps, in * size); and the padding."""
    steps, left, right = _padding(x.shape[1], size, stride)
    padded = np.pad(x, ((0, 0), (left, right), (0, 0)))
    windows = np.lib.stride_tricks.sliding_window_view(padded, size, axis=1)[:, ::stride][:, :steps]  # (n, t, in, s)
    return windows.reshape(len(x) * steps, -1), left, steps


def conv1d_forward(x: np.ndarray, kernel: np.ndarray, bias: np.ndarray, stride: int) -> np.ndarray:
    """:func:`~catdog_cnn.serve.numpy_net.conv1d` for a batch: x (n, steps, in), kernel (size, in, out), as one matrix
    product of the input under the kernel at every step by the kernel."""
    size, cin, cout = kernel.shape
    rows, _, steps = _patches(x, size, stride)
    return (rows @ kernel.transpose(1, 0, 2).reshape(cin * size, cout)).reshape(len(x), steps, cout) + bias


def conv1d_backward(
    x: np.ndarray, kernel: np.ndarray, stride: int, dy: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Gradients of a convolution: given dL/dy, returns (dL/dx, dL/dkernel, dL/dbias).

    Output step t is the bias plus sum over s of kernel[s] times padded input step t*stride + s, so a kernel
    weight's gradient sums dy times the input samples it met, and an input sample's gradient sums dy times
    every weight it met (padding samples receive some too, and are dropped).
    """
    size, cin, cout = kernel.shape
    rows, left, steps = _patches(x, size, stride)
    dkernel = (rows.T @ dy.reshape(-1, cout)).reshape(cin, size, cout).transpose(1, 0, 2)
    dpadded = np.zeros((len(x), x.shape[1] + size + stride * steps, cin))
    for s in range(size):
        dpadded[:, s : s + stride * steps : stride] += dy @ kernel[s].T
    return dpadded[:, left : left + x.shape[1]], dkernel, dy.sum(axis=(0, 1))


def batch_norm_forward(
    x: np.ndarray, gamma: np.ndarray, beta: np.ndarray, epsilon: float
) -> tuple[np.ndarray, tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """Batch normalization in training mode: each channel scaled by the mean and variance of this batch (over
    windows and steps). Returns the output and (normalized x, the batch's mean, its variance)."""
    mean, variance = x.mean(axis=(0, 1)), x.var(axis=(0, 1))
    normalized = (x - mean) / np.sqrt(variance + epsilon)
    return normalized * gamma + beta, (normalized, mean, variance)


def batch_norm_backward(
    dy: np.ndarray, normalized: np.ndarray, variance: np.ndarray, gamma: np.ndarray, epsilon: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(dL/dx, dL/dgamma, dL/dbeta). Every value of a channel moved its batch's mean and variance, so its
    gradient has two more terms than a plain scale: the mean of dL/dnormalized, and its correlation with the
    normalized values, both taken away."""
    dnormalized = dy * gamma
    m = dy.shape[0] * dy.shape[1]
    dx = (dnormalized - dnormalized.sum(axis=(0, 1)) / m
          - normalized * (dnormalized * normalized).sum(axis=(0, 1)) / m) / np.sqrt(variance + epsilon)  # fmt: skip
    return dx, (dy * normalized).sum(axis=(0, 1)), dy.sum(axis=(0, 1))


def relu_backward(x: np.ndarray, dy: np.ndarray) -> np.ndarray:
    """A ReLU passes the gradient where its input was positive, and nothing where it was cut to zero."""
    return dy * (x > 0)


def max_pool_backward(x: np.ndarray, size: int, dy: np.ndarray) -> np.ndarray:
    """Only the largest value of each group reached the output, so only it receives the group's gradient."""
    n, steps_in, channels = x.shape
    steps = steps_in // size
    groups = x[:, : steps * size].reshape(n, steps, size, channels)
    winner = groups.argmax(axis=2)[:, :, None, :] == np.arange(size)[None, None, :, None]
    dx = np.zeros_like(x)
    dx[:, : steps * size] = (winner * dy[:, :, None, :]).reshape(n, steps * size, channels)
    return dx


def log_compress_backward(x: np.ndarray, dy: np.ndarray) -> np.ndarray:
    """d log(1 + x) / dx = 1 / (1 + x): large values pass less gradient."""
    return dy / (1 + x)


def global_average_backward(x: np.ndarray, dg: np.ndarray) -> np.ndarray:
    """Every step contributed 1/steps of the mean, so each receives 1/steps of its channel's gradient."""
    return np.broadcast_to(dg[:, None, :] / x.shape[1], x.shape).copy()


def dense_backward(g: np.ndarray, weights: np.ndarray, dlogit: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """logit = g . w + b: returns (dL/dg, dL/dw, dL/db)."""
    return dlogit[:, None] * weights[None, :], g.T @ dlogit, np.array([dlogit.sum()])


def binary_cross_entropy(logit: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray]:
    """The mean loss -[y log p + (1 - y) log(1 - p)], p = sigmoid(logit), and its gradient dL/dlogit = (p - y) / n.

    Computed from the logit, as Keras does after a sigmoid, so that a confident wrong answer costs a large but
    finite loss instead of log(0).
    """
    loss = np.maximum(logit, 0) - logit * y + np.log1p(np.exp(-np.abs(logit)))
    p = 1 / (1 + np.exp(-logit))
    return float(loss.mean()), (p - y) / len(y)


def _max_pool(h: np.ndarray, size: int) -> np.ndarray:
    steps = h.shape[1] // size
    return h[:, : steps * size].reshape(len(h), steps, size, -1).max(axis=2)


_FORWARD: dict[str, Callable[[np.ndarray, dict[str, np.ndarray], dict[str, Any]], np.ndarray]] = {
    "conv": lambda h, a, s: conv1d_forward(h, a["kernel"], a["bias"], s["stride"]),
    "relu": lambda h, a, s: np.maximum(h, 0),
    "pool": lambda h, a, s: _max_pool(h, s["size"]),
    "log": lambda h, a, s: np.log1p(h),
    "gap": lambda h, a, s: h.mean(axis=1),
}


# ---- the whole network -----------------------------------------------------------------------------------
@dataclass
class Pass:
    """What a training forward pass keeps for the way back: each layer's input, and batch norm's statistics."""

    inputs: list[np.ndarray] = field(default_factory=list)
    bn: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]] = field(default_factory=dict)
    logit: np.ndarray = field(default_factory=lambda: np.zeros(0))


def forward_train(layers: list[Layer], x: np.ndarray) -> Pass:
    """A batch (n, segment) or (n, segment, 1) through ``layers`` in training mode; returns what backward needs."""
    out = Pass()
    h = np.asarray(x, dtype=np.float64).reshape(len(x), -1, 1)
    for layer in layers:
        out.inputs.append(h)
        a, s = layer.arrays, layer.settings
        if layer.kind == "bn":  # training mode: this batch's statistics, kept for the way back
            h, out.bn[layer.name] = batch_norm_forward(h, a["gamma"], a["beta"], s["epsilon"])
        elif layer.kind == "dense":
            out.logit = h @ a["weights"] + a["bias"][0]
        else:
            h = _FORWARD[layer.kind](h, a, s)
    return out


def backward(layers: list[Layer], done: Pass, dlogit: np.ndarray) -> Grads:
    """Every weight's gradient, from dL/dlogit back to the first kernel (backpropagation)."""
    grads: Grads = {}
    d = dlogit
    for layer, x in zip(reversed(layers), reversed(done.inputs), strict=True):
        a, s = layer.arrays, layer.settings
        if layer.kind == "dense":
            d, dw, db = dense_backward(x, a["weights"], d)
            grads[layer.name] = {"weights": dw, "bias": db}
        elif layer.kind == "gap":
            d = global_average_backward(x, d)
        elif layer.kind == "log":
            d = log_compress_backward(x, d)
        elif layer.kind == "pool":
            d = max_pool_backward(x, s["size"], d)
        elif layer.kind == "relu":
            d = relu_backward(x, d)
        elif layer.kind == "bn":
            normalized, _, variance = done.bn[layer.name]
            d, dgamma, dbeta = batch_norm_backward(d, normalized, variance, a["gamma"], s["epsilon"])
            grads[layer.name] = {"gamma": dgamma, "beta": dbeta}
        elif layer.kind == "conv":
            d, dk, db = conv1d_backward(x, a["kernel"], s["stride"], d)
            grads[layer.name] = {"kernel": dk, "bias": db}
    return grads


def _track_statistics(layers: list[Layer], done: Pass, momentum: float) -> None:
    """Batch norm's moving mean and variance follow the batches' (tracked, not learned: no gradient moves them)."""
    for layer in layers:
        if layer.kind == "bn":
            _, mean, variance = done.bn[layer.name]
            layer.arrays["mean"] = momentum * layer.arrays["mean"] + (1 - momentum) * mean
            layer.arrays["variance"] = momentum * layer.arrays["variance"] + (1 - momentum) * variance


@dataclass
class Adam:
    """Adam as Keras computes it: each weight moves against a running mean of its gradients (m), divided by the
    root of a running mean of their squares (v), so every weight takes steps of about the learning rate."""

    learning_rate: float = ADAM["learning_rate"]
    beta_1: float = ADAM["beta_1"]
    beta_2: float = ADAM["beta_2"]
    epsilon: float = ADAM["epsilon"]
    step: int = 0
    m: dict[tuple[str, str], np.ndarray] = field(default_factory=dict)
    v: dict[tuple[str, str], np.ndarray] = field(default_factory=dict)

    def update(self, layers: list[Layer], grads: Grads) -> None:
        """Move every weight of ``layers`` that has a gradient in ``grads`` one step."""
        self.step += 1
        rate = self.learning_rate * np.sqrt(1 - self.beta_2**self.step) / (1 - self.beta_1**self.step)
        for layer in layers:
            for name, g in grads.get(layer.name, {}).items():
                key = (layer.name, name)
                m = self.m.get(key, np.zeros_like(g)) * self.beta_1 + (1 - self.beta_1) * g
                v = self.v.get(key, np.zeros_like(g)) * self.beta_2 + (1 - self.beta_2) * g**2
                self.m[key], self.v[key] = m, v
                layer.arrays[name] = layer.arrays[name] - rate * m / (np.sqrt(v) + self.epsilon)


def train_step(
    layers: list[Layer], x: np.ndarray, y: np.ndarray, optimizer: Adam, *, momentum: float = BN_MOMENTUM
) -> float:
    """One step of learning on a batch: forward, loss, backward, Adam; ``layers`` change in place. Returns the
    batch's loss before the step."""
    done = forward_train(layers, x)
    loss, dlogit = binary_cross_entropy(done.logit, np.asarray(y, dtype=np.float64))
    optimizer.update(layers, backward(layers, done, dlogit))
    _track_statistics(layers, done, momentum)
    return loss


def batches(y: np.ndarray, steps: int, batch_size: int = 32, *, seed: int = 0) -> list[np.ndarray]:
    """``steps`` batches of window indices, each half cat and half dog (as the training recipe draws them), so
    that the rarer class counts as much as the other."""
    rng = np.random.default_rng(seed)
    by_class = [np.flatnonzero(np.asarray(y) == c) for c in (0, 1)]
    sizes = (batch_size - batch_size // 2, batch_size // 2)
    draw = [(c, n) for c, n in zip(by_class, sizes, strict=True)]
    return [np.concatenate([rng.choice(c, size=n, replace=False) for c, n in draw]) for _ in range(steps)]


def forward_eval(layers: list[Layer], x: np.ndarray, *, chunk: int = 64) -> np.ndarray:
    """The logits of windows ``x`` (n, segment) at inference: batch normalization uses its tracked statistics."""
    logits = []
    for start in range(0, len(x), chunk):
        h = np.asarray(x[start : start + chunk], dtype=np.float64).reshape(len(x[start : start + chunk]), -1, 1)
        for layer in layers:
            a, s = layer.arrays, layer.settings
            if layer.kind == "bn":
                h = (h - a["mean"]) / np.sqrt(a["variance"] + s["epsilon"]) * a["gamma"] + a["beta"]
            elif layer.kind == "dense":
                h = h @ a["weights"] + a["bias"][0]
            elif layer.kind in ("conv", "relu", "pool", "log", "gap"):
                h = _FORWARD[layer.kind](h, a, s)
        logits.append(h)
    return np.concatenate(logits)


def evaluate(layers: list[Layer], x: np.ndarray, y: np.ndarray) -> dict[str, float]:
    """The mean loss and the share of windows called right (p(dog) > 0.5 for dog), at inference."""
    return evaluate_logits(forward_eval(layers, x), y)


def evaluate_logits(logit: np.ndarray, y: np.ndarray) -> dict[str, float]:
    """The mean loss of ``logit`` against labels ``y``, and the share called right (logit > 0 for dog)."""
    return {"loss": binary_cross_entropy(logit, np.asarray(y, dtype=np.float64))[0],
            "accuracy": float(np.mean((logit > 0) == (np.asarray(y) == 1)))}  # fmt: skip


def train(
    layers: list[Layer],
    x: np.ndarray,
    y: np.ndarray,
    *,
    steps: int,
    batch_size: int = 32,
    seed: int = 0,
    optimizer: Adam | None = None,
    every: int = 0,
    check: Callable[[list[Layer]], dict[str, float]] | None = None,
) -> tuple[list[Layer], dict[str, Any]]:
    """Train a copy of ``layers`` on ``steps`` batches of windows ``x`` (n, segment) with labels ``y`` (see
    :func:`batches`); returns it and its history: each step's ``loss`` (of its batch, before its update), and
    every ``every`` steps (``checked_at``: after which step) what ``check`` returns, under ``checked``."""
    layers, optimizer = copy.deepcopy(layers), optimizer or Adam()
    history: dict[str, Any] = {"loss": [], "checked_at": [], "checked": {}}
    for step, batch in enumerate(batches(y, steps, batch_size, seed=seed)):
        history["loss"].append(train_step(layers, x[batch], y[batch], optimizer))
        if check is not None and every and (step + 1) % every == 0:
            history["checked_at"].append(step + 1)
            for key, value in check(layers).items():
                history["checked"].setdefault(key, []).append(value)
    return layers, history
