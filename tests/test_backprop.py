"""The NumPy backward pass: every gradient against finite differences and against TensorFlow's on real windows,
one Adam step against Keras', and training that lowers the loss."""

from __future__ import annotations

import copy

import numpy as np
import pytest

from catdog_cnn.nets import backprop as bp
from catdog_cnn.serve.numpy_net import Layer

# Largest difference from TensorFlow computing in float64, as a share of the largest gradient of that array. In
# float32, as Keras trains, round-off alone gives up to 4e-3 on the original's ten blocks (lesson 10 shows it).
GRADIENT_TOLERANCE = 1e-9


def tiny(pool: bool) -> list[Layer]:
    """Two small blocks, with max pooling and log compression when ``pool``: every kind of layer m5 has."""
    layers = bp.initial_layers(n_blocks=2, filters=3, kernel_size=5, stride=2, seed=1)
    for layer in layers:
        if layer.kind == "bn":  # away from gamma 1, beta 0, so their gradients are tested in general
            layer.arrays["gamma"] = layer.arrays["gamma"] * 1.3
            layer.arrays["beta"] = layer.arrays["beta"] + 0.2
    if pool:
        layers.insert(3, Layer("log", "log_1"))
        layers.insert(4, Layer("pool", "pool_1", settings={"size": 3}))
    return layers


def loss_of(layers: list[Layer], x: np.ndarray, y: np.ndarray) -> float:
    return bp.binary_cross_entropy(bp.forward_train(layers, x).logit, y)[0]


@pytest.mark.parametrize("pool", [False, True])
def test_every_gradient_matches_finite_differences(pool):
    rng = np.random.default_rng(0)
    layers, x, y = tiny(pool), rng.standard_normal((4, 61)), np.array([0.0, 1.0, 1.0, 0.0])
    done = bp.forward_train(layers, x)
    grads = bp.backward(layers, done, bp.binary_cross_entropy(done.logit, y)[1])
    checked = 0
    for layer in layers:
        for name, grad in grads.get(layer.name, {}).items():
            for index in list(np.ndindex(grad.shape))[:: max(1, grad.size // 6)]:
                nudged = [copy.deepcopy(layers) for _ in range(2)]
                for sign, version in zip((1, -1), nudged, strict=True):
                    next(v for v in version if v.name == layer.name).arrays[name][index] += sign * 1e-6
                numeric = (loss_of(nudged[0], x, y) - loss_of(nudged[1], x, y)) / 2e-6
                assert grad[index] == pytest.approx(numeric, abs=1e-7, rel=1e-4), (layer.name, name, index)
                checked += 1
    assert checked > 30


def test_a_bias_before_batch_normalization_gets_no_gradient():
    rng = np.random.default_rng(0)
    layers = tiny(False)
    done = bp.forward_train(layers, rng.standard_normal((4, 61)))
    grads = bp.backward(layers, done, bp.binary_cross_entropy(done.logit, np.array([0.0, 1.0, 1.0, 0.0]))[1])
    assert np.abs(grads["conv_1"]["bias"]).max() < 1e-12 < np.abs(grads["conv_1"]["kernel"]).max()


@pytest.fixture(scope="module")
def real_batch(real_training_batch):
    return real_training_batch(8)


@pytest.mark.parametrize("preset", ["original", "m5"])
def test_gradients_match_tensorflow_on_real_windows(preset, real_batch):
    from catdog_cnn.nets.keras_twin import gradient_differences, keras_copy
    from catdog_cnn.serve.numpy_net import network_layers

    x, y = real_batch
    if preset == "m5":  # Keras' own random start
        layers = network_layers(keras_copy(None, preset, dtype="float64"))
    else:  # the NumPy start
        layers = bp.initial_layers(seed=0)
    done = bp.forward_train(layers, x)
    grads = bp.backward(layers, done, bp.binary_cross_entropy(done.logit, y)[1])
    worst = gradient_differences(layers, grads, keras_copy(layers, preset, dtype="float64"), x, y)
    assert len(worst) >= 6 and max(worst.values()) <= GRADIENT_TOLERANCE, worst


def test_one_adam_step_matches_keras(real_batch):
    from catdog_cnn.nets.keras_twin import WEIGHT_ORDER, keras_copy, train_keras

    x, y = real_batch
    layers = bp.initial_layers(seed=0)
    model = keras_copy(layers, dtype="float64")  # the same arithmetic: only the algorithm is compared
    train_keras(model, x, y, [np.arange(len(x))])
    bp.train_step(layers, x, y, bp.Adam())
    for ours in layers:
        for name, theirs in zip(WEIGHT_ORDER.get(ours.kind, []), model.get_layer(ours.name).get_weights(), strict=True):
            value = ours.arrays[name]  # the new weights, and batch norm's newly tracked statistics
            if ours.kind == "conv" and name == "bias":
                # Its gradient is round-off (about 0), so the step's direction is set by the round-off, and its
                # size by how the round-off compares with Adam's epsilon: at most the learning rate for both.
                assert np.abs(value).max() <= 1.01 * bp.ADAM["learning_rate"] >= np.abs(theirs).max()
                continue
            # Keras keeps beta_2 in float32 (0.99900001), which moves the steps of small gradients by up to 1e-4
            step_error = 1e-4 * bp.ADAM["learning_rate"] + 1e-9 * np.abs(value).max()
            assert np.abs(theirs.reshape(value.shape) - value).max() <= step_error, (ours.name, name)


def test_training_lowers_the_loss_as_keras_does_on_the_same_batches(real_split):
    from catdog_cnn.nets.keras_twin import keras_copy, train_keras
    from catdog_cnn.sound.windows import evaluation_windows

    windows = evaluation_windows(real_split.train)
    x, y, start = windows.x[:, :, 0], windows.y, bp.initial_layers(seed=0)
    checks = []
    trained, history = bp.train(start, x, y, steps=80, batch_size=16, every=40,
                                check=lambda layers: checks.append(1) or {"n": len(checks)})  # fmt: skip
    assert np.mean(history["loss"][-20:]) < np.mean(history["loss"][:20]) - 0.05
    assert history["checked_at"] == [40, 80] and history["checked"]["n"] == [1, 2]
    assert not np.array_equal(trained[0].arrays["kernel"], start[0].arrays["kernel"])  # a copy was trained
    theirs = train_keras(keras_copy(start), x, y, bp.batches(y, 40, 16, seed=0))["loss"]
    assert np.abs(np.array(theirs[:5]) - history["loss"][:5]).max() < 1e-3  # the same start, the same batches


def test_batches_are_half_cat_half_dog_and_evaluation_counts_right_answers():
    y = np.array([0] * 30 + [1] * 6)
    for batch in bp.batches(y, 5, 8, seed=0):
        assert len(set(batch)) == 8 and y[batch].sum() == 4
    layers = bp.initial_layers(n_blocks=2, filters=3, seed=0)
    x = np.random.default_rng(0).standard_normal((6, 64))
    result = bp.evaluate(layers, x, np.array([0, 1, 0, 1, 0, 1]))
    logit = bp.forward_eval(layers, x)
    assert result["accuracy"] == np.mean((logit > 0) == np.array([False, True] * 3)) and result["loss"] > 0
