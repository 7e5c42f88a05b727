import numpy as np
import pytest

from catdog_cnn.generator import evaluation_windows
from catdog_cnn.model import build_model
from catdog_cnn.widgets import LayerExplorer, wav_bytes


@pytest.fixture(scope="module")
def explorer(request):
    import keras

    keras.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    from catdog_cnn.data import Clip

    clips = [
        Clip("cat_a.wav", 0, rng.standard_normal(32000).astype("float32")),
        Clip("dog_b.wav", 1, rng.standard_normal(16000).astype("float32")),
    ]
    return LayerExplorer(build_model(), evaluation_windows(clips))


def test_explorer_starts_with_a_rendered_image(explorer):
    assert explorer.image.value[:4] == b"\x89PNG"
    assert "cat_a.wav" in explorer.info.value and "conv_1" in explorer.info.value
    assert explorer.layer.max == 30 and explorer.sample.max == 2


def test_moving_the_sliders_changes_the_picture(explorer):
    before = explorer.image.value
    explorer.sample.value = 2
    assert explorer.image.value != before and "dog_b.wav" in explorer.info.value
    shown = explorer.image.value
    explorer.layer.value = 30
    assert explorer.image.value != shown and "relu_10" in explorer.info.value
    assert "16 steps x 10 filters" in explorer.ax_layer.get_title()
    assert explorer.layer.description == "block 10 · ReLU" and "block 10 · ReLU</b> (relu_10)" in explorer.info.value
    explorer.filter.value = 3
    assert explorer.filter_line.get_visible() and not explorer.layer_image.get_visible()
    assert explorer.freq_lines[3].get_color() == "tab:blue"


def test_activations_are_computed_once_per_sample(explorer, monkeypatch):
    calls = []
    import catdog_cnn.widgets as widgets

    real = widgets.activations
    monkeypatch.setattr(widgets, "activations", lambda *a, **k: calls.append(1) or real(*a, **k))
    explorer.sample.value = 0
    explorer.layer.value = 5
    explorer.layer.value = 6
    explorer.filter.value = -1
    assert len(calls) == 1
    assert len(explorer.redraw_seconds) >= 4


def test_wav_bytes_is_a_playable_wav():
    data = wav_bytes(np.sin(np.linspace(0, 100, 16000)))
    assert data[:4] == b"RIFF" and data[8:12] == b"WAVE" and len(data) == 44 + 32000
