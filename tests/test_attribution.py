"""Attribution on a network whose evidence is known by construction, and on the committed m5."""

import keras
import numpy as np
import pytest

from catdog_cnn.config import MODELS_DIR
from catdog_cnn.look import attribution
from catdog_cnn.nets.runs import load_run

SLICE = attribution.SLICE


def rectifier_model() -> keras.Model:
    """logit = 100 * mean(relu(x)) - 1: evidence for dog is exactly where, and as much as, the input is positive."""
    x = inputs = keras.Input((16_000, 1))
    x = keras.layers.Conv1D(1, 1, use_bias=False, kernel_initializer="ones", name="conv_1")(x)
    x = keras.layers.ReLU(name="relu_1")(x)
    x = keras.layers.GlobalAveragePooling1D(name="gap")(x)
    outputs = keras.layers.Dense(1, activation="sigmoid", name="dense")(x)
    model = keras.Model(inputs, outputs)
    model.get_layer("dense").set_weights([np.array([[100.0]]), np.array([-1.0])])
    return model


def bursts() -> np.ndarray:
    """Two windows, silent but for a strong burst in slice 12 and a weaker one in slice 3."""
    x = np.zeros((2, 16_000, 1), np.float32)
    x[:, 12 * SLICE : 13 * SLICE] = 0.8
    x[:, 3 * SLICE : 4 * SLICE] = 0.4
    x[1] *= 0.9  # the second a little quieter: the same order
    return x


@pytest.mark.parametrize("method", ["class activation", "input gradient", "SmoothGrad", "occlusion"])
def test_every_method_finds_the_evidence_that_was_built_in(method):
    model, x = rectifier_model(), bursts()
    assert np.all(attribution.logits(model, x) > 0)  # both called dog
    r = attribution.relevance(model, x, method)
    assert r.shape == (2, 20)
    assert np.all(np.argsort(-r, axis=1)[:, :2] == [12, 3])  # the strong burst, then the weak one
    assert np.allclose(np.delete(r, [3, 12], axis=1), 0, atol=1e-4)  # silence is no evidence
    curves = attribution.deletion_curves(model, x, r)
    assert curves.shape == (2, 21) and np.all(curves[:, 0] > 0.5)
    assert np.all(curves[:, 2] < 0.5)  # with both bursts gone the decision flips
    random = attribution.deletion_curves(model, x, attribution.random_relevance(model, x))
    assert attribution.deletion_area(curves) < attribution.deletion_area(random)


def test_class_activation_relevance_adds_up_to_the_logit_without_its_bias():
    model, x = rectifier_model(), bursts()
    r = attribution.class_activation_relevance(model, x)
    np.testing.assert_allclose(r.sum(axis=1), attribution.logits(model, x) + 1.0, rtol=1e-4)


def test_the_most_decisive_slice_of_a_window_is_where_its_evidence_is():
    assert attribution.most_decisive_slice(rectifier_model(), bursts()[0]) == 12


def test_on_m5_every_method_beats_a_random_order(rng):
    model, _ = load_run(MODELS_DIR / "m5")
    t = np.arange(16_000) / 16_000
    x = (np.sin(2 * np.pi * 600 * t) * (t > 0.4) * (t < 0.7) + 0.05 * rng.standard_normal((6, 16_000)))[..., None]
    x = (x / np.abs(x).max(axis=1, keepdims=True)).astype(np.float32)
    random = attribution.deletion_area(attribution.deletion_curves(model, x, attribution.random_relevance(model, x)))
    for method in ("class activation", "occlusion"):
        area = attribution.deletion_area(attribution.deletion_curves(model, x, attribution.relevance(model, x, method)))
        assert area < random, method


def test_floor_noise_sits_at_the_level_of_the_quietest_slice():
    x = bursts()
    x[0] += 0.01 * np.random.default_rng(1).standard_normal(x.shape[1:]).astype(np.float32)  # a floor of 0.01
    noise = attribution.floor_noise(x[:1])
    assert noise.shape == (1, x.shape[1]) and np.sqrt(np.mean(noise**2)) == pytest.approx(0.01, rel=0.1)
    assert np.array_equal(noise, attribution.floor_noise(x[:1]))  # seeded


def test_deleting_into_floor_noise_still_flips_a_decision_built_from_two_bursts():
    model, x = rectifier_model(), bursts()
    r = attribution.relevance(model, x, "occlusion")
    curves = attribution.deletion_curves(model, x, r, fill="floor noise")
    assert np.all(curves[:, 0] > 0.5) and np.all(curves[:, 2] < 0.5)
    areas = attribution.deletion_areas(curves)
    assert areas.shape == (2,) and attribution.deletion_area(curves) == pytest.approx(areas.mean())
    with pytest.raises(ValueError, match="fill must be one of"):
        attribution.deletion_curves(model, x, r, fill="pink noise")


def test_the_lead_of_one_method_is_the_mean_paired_difference_with_its_standard_error():
    worse = np.array([0.9, 0.8, 0.7, 0.6])
    mean, se = attribution.area_lead(worse - np.array([0.1, 0.2, 0.1, 0.2]), worse)
    assert mean == pytest.approx(0.15) and se == pytest.approx(np.std([0.1, 0.2, 0.1, 0.2], ddof=1) / 2)
    # the same windows' spread cancels: a constant lead has no error, whatever the areas themselves do
    assert attribution.area_lead(worse - 0.05, worse) == pytest.approx((0.05, 0.0))
