import keras
import numpy as np
import pytest
import tensorflow as tf

from catdog_cnn.config import CatDogError
from catdog_cnn.nets.model import (
    SincConv1D,
    XLABatchNormalization,
    build_model,
    count_params,
    explain_params,
    model_config,
    multiply_adds,
)


def test_original_model_has_the_original_parameter_counts():
    model = build_model()
    counts = count_params(model)
    assert model.count_params() == 4151
    assert counts["conv_1"] == {"trainable": 50, "non_trainable": 0}
    for i in range(2, 11):
        assert counts[f"conv_{i}"] == {"trainable": 410, "non_trainable": 0}
    for i in range(1, 11):
        assert counts[f"bn_{i}"] == {"trainable": 20, "non_trainable": 20}
    assert counts["dense"] == {"trainable": 11, "non_trainable": 0}


def test_original_model_halves_the_length_ten_times():
    model = build_model()
    assert model.get_layer("relu_1").output.shape == (None, 8000, 10)
    assert model.get_layer("relu_10").output.shape == (None, 16, 10)
    assert model.output.shape == (None, 1)
    names = [layer.name for layer in model.layers]
    assert names[-2:] == ["gap", "dense"] and "conv_10" in names and "bn_5" in names


def test_m5_preset_is_small_and_predicts_probabilities():
    model = build_model("m5")
    assert model.count_params() <= 20_000
    p = model.predict(np.zeros((2, 16000, 1), np.float32), verbose=0)
    assert p.shape == (2, 1) and np.all((p >= 0) & (p <= 1))


def test_every_knob_is_an_argument():
    model = build_model(
        n_layers=3,
        filters=5,
        kernel_size=5,
        strides=3,
        first_kernel_size=9,
        first_strides=4,
        global_pool="max",
        dropout=0.3,
    )
    assert model.get_layer("conv_1").kernel.shape == (9, 1, 5)
    assert model.get_layer("conv_1").output.shape == (None, 4000, 5)
    assert model.get_layer("conv_3").output.shape[1] == 445
    assert model.get_layer("dropout").rate == 0.3


def test_unknown_preset_or_option_is_a_clear_error():
    with pytest.raises(CatDogError, match="unknown preset"):
        model_config("vgg")
    with pytest.raises(CatDogError, match="unknown model options"):
        model_config(filterz=3)
    with pytest.raises(CatDogError, match="batch_norm must be one of"):
        model_config(batch_norm="fused")


def test_xla_batch_norm_computes_what_keras_batch_norm_computes(rng):
    x = tf.constant(rng.normal(3.0, 2.0, (4, 50, 6)), tf.float32)
    upstream = tf.constant(rng.standard_normal((4, 50, 6)), tf.float32)
    results = []
    for layer in (keras.layers.BatchNormalization(), XLABatchNormalization()):
        layer.build(x.shape)
        layer.gamma.assign(np.linspace(0.5, 2.0, 6))
        layer.beta.assign(np.linspace(-1.0, 1.0, 6))
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = layer(x, training=True)
            loss = tf.reduce_sum(y * upstream)
        grads = tape.gradient(loss, [x, layer.gamma, layer.beta])
        results.append([y, *grads, layer.moving_mean, layer.moving_variance, layer(x, training=False)])
    for keras_value, xla_value in zip(*results, strict=True):
        np.testing.assert_allclose(np.asarray(xla_value), np.asarray(keras_value), rtol=1e-4, atol=1e-4)
    assert np.abs(np.asarray(results[1][1])).max() > 0.1  # the input gradient is not trivially zero


def test_batch_norm_choice_keeps_the_architecture():
    plain, compiled = build_model(), build_model(batch_norm="xla")
    assert isinstance(compiled.get_layer("bn_3"), XLABatchNormalization)
    assert type(plain.get_layer("bn_3")) is keras.layers.BatchNormalization
    assert compiled.count_params() == plain.count_params() == 4151


def test_explain_params_adds_up_to_the_model_total():
    model = build_model()
    lines = explain_params(model)
    assert lines[0] == "conv_1: 4 (kernel) x 1 (inputs) x 10 (filters) + 10 (biases) = 50"
    assert lines[1].endswith("= 40 (20 trainable)")
    assert lines[-1] == "dense: 10 (weights) x 1 + 1 (bias) = 11"
    assert sum(int(line.split("= ")[1].split()[0]) for line in lines) == model.count_params()


def test_separable_blocks_filter_each_channel_then_mix():
    model = build_model("m5", separable=True, kernel_size=9, filters=52)
    assert type(model.get_layer("conv_1")).__name__ == "Conv1D"  # the first layer reads the waveform as before
    assert count_params(model)["conv_2"]["trainable"] == 9 * 52 + 52 * 52 + 52
    lines = explain_params(model)
    assert lines[2] == "conv_2: 9 (kernel) x 52 (inputs) + 52 (inputs) x 52 (filters) + 52 (biases) = 3224"
    assert sum(int(line.split("= ")[1].split()[0]) for line in lines) == model.count_params() < 20_000
    lengths = [model.get_layer(f"conv_{i}").output.shape[1] for i in range(2, 6)]  # 1000, 250, 62, 15
    full = build_model("m5", kernel_size=9, filters=52)
    saved = sum(n * 52 * (9 * 52) - n * 52 * (9 + 52) for n in lengths)  # per step: 9 x 52 x 52 against 52 x (9 + 52)
    assert multiply_adds(full) - multiply_adds(model) == saved


def test_sinc_first_layer_learns_two_band_edges_per_filter():
    model = build_model("m5", sinc=True)
    conv = model.get_layer("conv_1")
    assert isinstance(conv, SincConv1D) and conv.kernel.shape == (80, 1, 36)
    assert count_params(model)["conv_1"]["trainable"] == 2 * 36
    lines = explain_params(model)
    assert lines[0] == "conv_1: 36 (filters) x 2 (low edge, band width) = 72"
    assert sum(int(line.split("= ")[1].split()[0]) for line in lines) == model.count_params()
    assert multiply_adds(model) == multiply_adds(build_model("m5"))  # the same convolution, other weights
    low, high = (keras.ops.convert_to_numpy(edge) for edge in conv.band_edges())
    np.testing.assert_allclose(high[:-1], low[1:], rtol=1e-5)  # adjacent bands from 30 Hz to 8 kHz
    assert low[0] == pytest.approx(30) and high[-1] == pytest.approx(8000)
    assert np.all(np.diff(high - low) > 0)  # wider and wider, as on the mel scale


def test_sinc_filter_passes_its_band_and_stops_the_rest():
    layer = SincConv1D(8, 401, sample_rate=16_000)
    layer.build((None, 4000, 1))
    low, high = (keras.ops.convert_to_numpy(edge) for edge in layer.band_edges())
    t = np.arange(4000) / 16_000
    i = 5
    inside, outside = (low[i] + high[i]) / 2, high[i] + 1500
    gains = []
    for freq in (inside, outside):
        tone = np.sin(2 * np.pi * freq * t).astype("float32")
        out = keras.ops.convert_to_numpy(layer(tone[None, :, None]))[0, 500:-500, i]
        gains.append(np.abs(out).max())
    assert gains[0] == pytest.approx(1, abs=0.1)  # pass-band gain near 1
    assert gains[1] < 0.01


def test_sinc_model_saves_and_loads(tmp_path):
    model = build_model("m5", sinc=True)
    model.save(tmp_path / "sinc.keras")
    again = keras.models.load_model(tmp_path / "sinc.keras")
    x = np.random.default_rng(0).standard_normal((2, 16_000, 1)).astype("float32")
    np.testing.assert_array_equal(again.predict(x, verbose=0), model.predict(x, verbose=0))


def test_multiply_adds_of_the_original():
    # output lengths halve, rounding up ("same" padding): 8000, 4000, ..., 125, 63, 32, 16
    lengths = [8000, 4000, 2000, 1000, 500, 250, 125, 63, 32, 16]
    expected = lengths[0] * 10 * 4 + sum(n * 10 * 40 for n in lengths[1:]) + 10
    assert multiply_adds(build_model()) == expected
