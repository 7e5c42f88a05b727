"""The whole network in NumPy gives every layer's output that Keras gives, on real test windows."""

import numpy as np
import pytest

from catdog_cnn.config import MODELS_DIR, CatDogError
from catdog_cnn.look import peel
from catdog_cnn.nets.model import build_model
from catdog_cnn.nets.runs import load_run
from catdog_cnn.serve import numpy_net


@pytest.fixture(scope="module")
def test_windows(real_split):
    from catdog_cnn.sound.generator import evaluation_windows

    windows = evaluation_windows(real_split.test, normalization="window")
    return windows.x[np.linspace(0, len(windows.x) - 1, 12).astype(int)]


@pytest.mark.parametrize("name", ["original", "m5"])
def test_every_layer_matches_keras_on_real_test_windows(name, test_windows):
    model = load_run(MODELS_DIR / name)[0]
    layers = numpy_net.network_layers(model)
    keras_out = peel.activations(model, test_windows)
    assert [layer.name for layer in layers] == [n for n in peel.peelable_layers(model) if n != "dropout"]
    for i, window in enumerate(test_windows):
        ours = numpy_net.forward(layers, window)
        for layer_name, value in ours.items():
            expected = keras_out[layer_name][i]
            assert value.shape == expected.shape, layer_name
            scale = max(np.ptp(expected), np.abs(expected).max(), 1e-3)
            assert np.abs(value - expected).max() <= 1e-5 * scale, (name, layer_name)


def test_conv1d_pads_as_keras_does_for_odd_and_even_kernels(rng):
    import keras

    x = rng.standard_normal((37, 2))
    for size, stride in [(4, 2), (3, 1), (80, 4), (5, 3)]:
        layer = keras.layers.Conv1D(3, size, strides=stride, padding="same")
        expected = np.asarray(layer(x[None].astype("float32")))[0]
        kernel, bias = (np.asarray(w, float) for w in layer.get_weights())
        np.testing.assert_allclose(numpy_net.conv1d(x, kernel, bias, stride=stride), expected, atol=1e-5)


def test_the_numpy_predictor_answers_a_recording_as_litert_does(real_data_dir):
    from catdog_cnn.serve.predict import load_predictor, predict_recording

    model_dir = MODELS_DIR / "m5"
    path = real_data_dir / "cats_dogs" / "cat_1.wav"
    ours = predict_recording(numpy_net.NumpyNet(numpy_net.network_layers(load_run(model_dir)[0])), path, quiet=True)
    theirs = predict_recording(load_predictor(model_dir), path, quiet=True)
    assert ours["label"] == theirs["label"] and ours["p_dog"] == pytest.approx(theirs["p_dog"], abs=2e-4)


def test_a_layer_without_a_numpy_version_is_named():
    with pytest.raises(CatDogError, match="conv_2 .*SeparableConv1D"):
        numpy_net.network_layers(build_model("m5", separable=True))
