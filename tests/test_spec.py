"""The inference spec: what answering reads of a run folder, without TensorFlow or the training recipe."""

import json
import shutil

import numpy as np
import pytest

from catdog_cnn.cli import main
from catdog_cnn.config import MODELS_DIR, CatDogError
from catdog_cnn.serve.numpy_net import NumpyNet
from catdog_cnn.serve.predict import run_options
from catdog_cnn.serve.spec import (
    ARRAYS_FILE,
    SOUNDS_FILE,
    SPEC_FILE,
    load_spec,
    read_sounds,
    read_spec,
    window_options,
)


@pytest.mark.parametrize("name", ["original", "m5"])
def test_the_committed_spec_is_the_keras_model(name, real_split):
    from catdog_cnn.nets.runs import eval_options, load_run, predictor
    from catdog_cnn.sound.windows import evaluation_windows

    model, config = load_run(MODELS_DIR / name)
    spec = load_spec(MODELS_DIR / name)
    assert spec.parameters == model.count_params()
    assert run_options(MODELS_DIR / name) == {"normalization": spec.normalization, "min_peak": spec.min_peak}
    assert {"normalization": spec.normalization, "min_peak": spec.min_peak} == {
        k: eval_options(config)[k] for k in ("normalization", "min_peak")
    }
    x = evaluation_windows(real_split.test[:6], normalization="window").x
    np.testing.assert_allclose(NumpyNet(spec.layers)(x), predictor(model)(x), atol=1e-5)
    sounds = read_sounds(MODELS_DIR / name)
    assert sounds.shape == (len(spec.layers[-1].arrays["weights"]), 16_000) and np.abs(sounds).max() <= 1.0


@pytest.fixture
def m5_copy(tmp_path):
    return shutil.copytree(MODELS_DIR / "m5", tmp_path / "m5")


def test_a_changed_spec_file_is_refused_with_the_command_that_remakes_it(m5_copy):
    arrays = m5_copy / ARRAYS_FILE
    arrays.write_bytes(arrays.read_bytes()[:-1] + b"x")
    with pytest.raises(CatDogError, match="catdog-cnn prepare --model"):
        read_spec(m5_copy)


def test_a_spec_made_from_another_model_is_stale(m5_copy):
    (m5_copy / "model.keras").write_bytes((MODELS_DIR / "original" / "model.keras").read_bytes())
    with pytest.raises(CatDogError, match="stale"):
        read_spec(m5_copy)


def test_a_folder_from_before_specs_still_predicts_and_says_how_to_explain(m5_copy, capsys):
    for name in (SPEC_FILE, ARRAYS_FILE, SOUNDS_FILE):
        (m5_copy / name).unlink()
    config = json.loads((m5_copy / "config.json").read_text())
    assert window_options(m5_copy) == {"normalization": config["eval_normalization"], "min_peak": 0.0}
    with pytest.raises(CatDogError, match=f"no {SPEC_FILE}.*catdog-cnn prepare --model .*catdog-cnn\\[train\\]"):
        load_spec(m5_copy)
    assert main(["explain", str(MODELS_DIR.parent.parent / "README.md"), "--model", str(m5_copy)]) == 1
    err = capsys.readouterr().err  # refused before the recording is read, in one line that names the fix
    assert err.count("\n") == 1 and f"catdog-cnn prepare --model {m5_copy}" in err


def test_prepare_writes_the_spec_and_the_sounds_of_an_older_folder(m5_copy, capsys):
    for name in (SPEC_FILE, ARRAYS_FILE, SOUNDS_FILE):
        (m5_copy / name).unlink()
    assert main(["prepare", "--model", str(m5_copy), "--steps", "2"]) == 0
    ours, committed = load_spec(m5_copy), load_spec(MODELS_DIR / "m5")
    assert [layer.name for layer in ours.layers] == [layer.name for layer in committed.layers]
    for a, b in zip(ours.layers, committed.layers, strict=True):
        assert a.arrays.keys() == b.arrays.keys() and all(np.array_equal(a.arrays[k], b.arrays[k]) for k in a.arrays)
    assert read_sounds(m5_copy).shape == read_sounds(MODELS_DIR / "m5").shape


def test_component_sounds_are_each_units_own_ascent():
    from catdog_cnn.look.hear import wants_to_hear
    from catdog_cnn.look.peel import feature_layer
    from catdog_cnn.nets.runs import load_run
    from catdog_cnn.nets.sounds import component_sounds

    model, _ = load_run(MODELS_DIR / "original")
    together = component_sounds(model, steps=6)
    for unit in (0, 7):
        alone = wants_to_hear(model, layer=feature_layer(model), unit=unit, steps=6)
        assert np.corrcoef(together[unit], alone)[0, 1] > 0.99
    assert np.corrcoef(together[0], together[7])[0, 1] < 0.9  # two units, two sounds
