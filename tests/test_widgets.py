import datetime

import numpy as np
import pytest

from catdog_cnn.look.widgets import LayerExplorer, wav_bytes
from catdog_cnn.nets.model import build_model
from catdog_cnn.sound.generator import evaluation_windows


@pytest.fixture(scope="module")
def explorer(request):
    import keras

    keras.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    from catdog_cnn.sound.data import Clip

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
    assert "16 steps x 10 filters" in explorer.figure.ax_layer.get_title()
    assert explorer.layer.description == "block 10 · ReLU" and "block 10 · ReLU</b> (relu_10)" in explorer.info.value
    explorer.filter.value = 3
    figure = explorer.figure
    assert figure.highlight.get_visible() and figure.layer_image.get_visible()  # the others stay in view
    assert figure.highlight.get_y() == 3.5 and "filter 4 outlined" in figure.ax_layer.get_title()
    assert figure.freq_lines[3].get_color() == "tab:blue" and figure.freq_lines[3].get_linewidth() > 1
    assert not explorer.layer.readout  # the slider shows the layer's name, not a raw index


def test_the_decision_bars_end_with_the_bias_and_the_logit(explorer):
    from catdog_cnn.look.peel import decision

    figure = explorer.figure
    terms = decision(explorer.model, explorer.windows.x[explorer.sample.value : explorer.sample.value + 1])
    assert figure.bias_bar.get_height() == pytest.approx(terms.bias)
    assert figure.logit_bar.get_height() == pytest.approx(terms.logit[0], abs=1e-5)
    assert [t.get_text() for t in figure.ax_pool.get_xticklabels()][-2:] == ["b", "sum"]
    labels = [t.get_text() for t in figure.ax_wave.get_legend().get_texts()]
    assert labels == ["occlusion: the most decisive 50 ms", "class activation: dog evidence per 1/16 s"]


def test_per_step_says_a_time_in_words():
    from catdog_cnn.look.explorer_figure import per_step

    assert (per_step(3), per_step(16), per_step(40), per_step(1000)) == ("1/3 s", "1/16 s", "25 ms", "1 ms")


def test_the_kernel_slider_draws_each_step_it_is_moved_to():
    from catdog_cnn.look.widgets import kernel_slider

    box = kernel_slider(np.sin(np.arange(200) / 5), np.ones(8) / 8, stride=4)
    (play, step), image = box.children[0].children, box.children[1]
    assert (step.max, play.max) == ((200 - 8) // 4 + 1, step.max) and image.value[:4] == b"\x89PNG"
    first = image.value
    step.value = 20
    assert image.value != first


def test_activations_are_computed_once_per_sample(explorer, monkeypatch):
    calls = []
    import catdog_cnn.look.widgets as widgets

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


@pytest.fixture
def committed_explorer():
    from catdog_cnn.config import MODELS_DIR
    from catdog_cnn.nets.runs import load_run
    from catdog_cnn.sound.data import Clip

    t = np.arange(32_000) / 16_000
    clips = [Clip("tone.wav", 1, (0.5 * np.sin(2 * np.pi * 600 * t) * (t > 0.3) * (t < 0.6)).astype("float32"))]
    models = {name: MODELS_DIR / name for name in ("original", "m5")}
    return LayerExplorer(load_run(models["m5"])[0], evaluation_windows(clips), models=models, name="m5")


def test_switching_the_model_rebuilds_the_views_for_its_shape(committed_explorer):
    e = committed_explorer
    assert e.layer.max == 21 and len(e.figure.bars) == 36  # m5: five blocks up to the last pooling
    e.model_choice.value = "original"
    assert e.name == "original" and len(e.figure.bars) == 10 and e.layer.max == 30
    assert "model: <b>original</b>" in e.info.value and bytes(e.image.value[:4]) == b"\x89PNG"
    e.model_path.value = "/no/such/run"
    e.load_model(e.model_path.value)
    assert "no such run folder" in e.message.value and e.name == "original"  # a bad folder changes nothing


def test_the_most_decisive_50_ms_is_the_slice_occlusion_finds(committed_explorer):
    from catdog_cnn.look import attribution

    e = committed_explorer
    expected = attribution.most_decisive_slice(e.model, e.windows.x[0])
    assert e.decisive_slice == expected
    assert e.figure.decisive_span.get_x() == pytest.approx(expected * 0.05)


def test_a_recording_of_ones_own_by_path_or_upload(committed_explorer, tmp_path, rng):
    import soundfile as sf

    e = committed_explorer
    path = tmp_path / "mine.flac"
    sf.write(path, (0.2 * rng.standard_normal(3 * 22_050)).astype("float32"), 22_050)
    e.load_recording(str(path))
    assert e.sample.max == 2 and "mine.flac" in e.info.value and "true: <b>?</b>" in e.info.value
    e.sample.value = 2
    assert e.audio.value[:4] == b"RIFF"  # the player holds the shown second
    e.upload.value = ({"name": "up.flac", "type": "audio/flac", "size": 0, "content": memoryview(path.read_bytes()),
                       "last_modified": datetime.datetime.now(datetime.UTC)},)  # fmt: skip
    assert "up.flac" in e.info.value and e.sample.value == 0
    (tmp_path / "broken.wav").write_bytes(b"RIFF")
    e.load_recording(str(tmp_path / "broken.wav"))
    assert "broken.wav" in e.message.value and "up.flac" in e.info.value  # the last good recording stays
    e.test_button.click()
    assert "tone.wav" in e.info.value


def test_the_hear_button_plays_what_the_unit_wants_to_hear(committed_explorer, monkeypatch):
    import catdog_cnn.look.widgets as widgets

    monkeypatch.setattr(widgets, "HEAR_STEPS", 4)
    e = committed_explorer
    e.layer.value, e.filter.value = 3, 2  # block 1 · ReLU, filter 3
    e.hear_button.click()
    assert e.wanted.value[:4] == b"RIFF" and "filter 3 of block 1 · ReLU" in e.message.value


def test_a_long_recording_is_explored_from_its_first_minutes(committed_explorer, tmp_path, rng, monkeypatch):
    import soundfile as sf

    from catdog_cnn.look import widgets

    monkeypatch.setattr(widgets, "EXPLORER_MAX_SECONDS", 2.0)
    sf.write(tmp_path / "long.wav", (0.2 * rng.standard_normal(5 * 16_000)).astype("float32"), 16_000)
    committed_explorer.load_recording(str(tmp_path / "long.wav"))
    assert committed_explorer.sample.max == 1 and "first 0.0333333 minutes" in committed_explorer.message.value
