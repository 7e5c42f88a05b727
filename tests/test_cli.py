import json

import numpy as np
import pytest
from scipy.io import wavfile

from catdog_cnn.cli import main
from catdog_cnn.model import build_model


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory):
    folder = tmp_path_factory.mktemp("model")
    build_model().save(folder / "model.keras")
    return folder


@pytest.fixture
def wavs(tmp_path, rng):
    good = tmp_path / "good.wav"
    wavfile.write(good, 16000, (0.3 * rng.standard_normal(40000)).astype(np.float32))
    short = tmp_path / "short.wav"
    wavfile.write(short, 8000, (1000 * rng.standard_normal(4000)).astype(np.int16))
    bad = tmp_path / "bad.wav"
    bad.write_bytes(b"not a wav")
    return good, short, bad


def test_help_explains_every_command(capsys):
    for command in ("fetch-data", "train", "evaluate", "predict"):
        with pytest.raises(SystemExit) as exit_:
            main([command, "--help"])
        assert exit_.value.code == 0
    assert "FILE: reason" in capsys.readouterr().out.replace("'", "")


def test_predict_json_lists_every_file(model_dir, wavs, capsys):
    good, short, _ = wavs
    assert main(["predict", str(good), str(short), "--model", str(model_dir), "--json"]) == 0
    results = json.loads(capsys.readouterr().out)
    assert [r["path"] for r in results] == [str(good), str(short)]
    assert len(results[0]["segments"]) == 2 and len(results[1]["segments"]) == 1
    for r in results:
        assert r["label"] in ("cat", "dog") and 0 <= r["p_dog"] <= 1
        assert r["label"] == ("dog" if r["p_dog"] > 0.5 else "cat")


def test_predict_reports_a_broken_file_and_goes_on(model_dir, wavs, capsys):
    good, _, bad = wavs
    assert main(["predict", str(bad), str(good), "--model", str(model_dir), "--json"]) == 1
    out, err = capsys.readouterr()
    assert [r["path"] for r in json.loads(out)] == [str(good)]
    assert err.startswith(f"{bad}: ") and "Traceback" not in err


def test_predict_text_output_and_missing_model(wavs, tmp_path, model_dir, capsys):
    good = wavs[0]
    assert main(["predict", str(good), "--model", str(model_dir)]) == 0
    assert capsys.readouterr().out.startswith(f"{good}: ")
    assert main(["predict", str(good), "--model", str(tmp_path / "none")]) == 1
    assert "catdog-cnn train" in capsys.readouterr().err


def test_missing_data_is_one_clear_line(tmp_path, model_dir, capsys):
    assert main(["evaluate", "--model", str(model_dir), "--data-dir", str(tmp_path)]) == 1
    assert "catdog-cnn fetch-data" in capsys.readouterr().err
