import io
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from catdog_cnn.cli import main
from catdog_cnn.nets.export import export
from catdog_cnn.nets.model import build_model


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory):
    folder = tmp_path_factory.mktemp("model")
    build_model().save(folder / "model.keras")
    export(folder)  # model.tflite, which predict runs by default
    return folder


@pytest.fixture
def recordings(tmp_path, rng):
    good = tmp_path / "good.wav"
    sf.write(good, (0.3 * rng.standard_normal(40000)).astype(np.float32), 16000, subtype="FLOAT")
    short = tmp_path / "short.flac"
    sf.write(short, (0.1 * rng.standard_normal(2400)).astype(np.float32), 8000)
    bad = tmp_path / "bad.wav"
    bad.write_bytes(good.read_bytes()[:20])  # the header cut after 20 bytes
    return good, short, bad


def test_help_explains_every_command(capsys):
    for command in ("fetch-data", "fetch-weights", "train", "tune", "evaluate", "predict", "explain", "export-litert"):
        with pytest.raises(SystemExit) as exit_:
            main([command, "--help"])
        assert exit_.value.code == 0
    assert "FILE: reason" in capsys.readouterr().out.replace("'", "")


def test_predict_json_lists_every_file(model_dir, recordings, capsys):
    good, short, _ = recordings
    assert main(["predict", str(good), str(short), "--model", str(model_dir), "--json"]) == 0
    results = json.loads(capsys.readouterr().out)
    assert [r["path"] for r in results] == [str(good), str(short)]
    assert len(results[0]["segments"]) == 2 and len(results[1]["segments"]) == 1
    assert results[1]["padded"] and not results[0]["padded"]
    for r in results:
        assert r["label"] in ("cat", "dog") and 0 <= r["p_dog"] <= 1
        assert r["label"] == ("dog" if r["p_dog"] > 0.5 else "cat")


def test_keras_litert_and_numpy_runtimes_agree(model_dir, recordings, capsys):
    good = str(recordings[0])
    answers = {}
    for runtime in ("keras", "litert", "numpy"):
        assert main(["predict", good, "--model", str(model_dir), "--json", "--runtime", runtime]) == 0
        answers[runtime] = json.loads(capsys.readouterr().out)[0]["segments"]
    np.testing.assert_allclose(answers["litert"], answers["keras"], atol=2e-4)  # 4 decimals shown
    np.testing.assert_allclose(answers["numpy"], answers["keras"], atol=2e-4)


def test_a_broken_file_costs_no_other_file(model_dir, recordings, capsys):
    good, short, bad = recordings
    assert main(["predict", str(good), str(bad), str(short), "--model", str(model_dir), "--jsonl"]) == 1
    out, err = capsys.readouterr()
    lines = [json.loads(line) for line in out.splitlines()]
    assert [r["path"] for r in lines] == [str(good), str(bad), str(short)]
    assert "error" in lines[1] and "p_dog" in lines[0] and "p_dog" in lines[2]
    assert err.startswith(f"{bad}: not a readable audio file") and err.count("\n") == 1
    assert "Traceback" not in err


def test_folders_globs_and_missing_inputs(model_dir, recordings, tmp_path, capsys):
    good, short, _ = recordings
    nested = tmp_path / "garden" / "night"
    nested.mkdir(parents=True)
    (nested / "owl.flac").write_bytes(short.read_bytes())
    (nested / "notes.txt").write_text("not audio")
    (tmp_path / "empty.wav").mkdir()  # a directory with an audio file's name
    pattern = str(tmp_path / "*.flac")
    args = [str(tmp_path / "garden"), pattern, str(tmp_path / "empty.wav"), str(tmp_path / "gone.wav")]
    assert main(["predict", *args, "--model", str(model_dir), "--json"]) == 1
    out, err = capsys.readouterr()
    results = {r["path"]: r for r in json.loads(out)}
    assert "p_dog" in results[str(nested / "owl.flac")] and "p_dog" in results[str(short)]
    assert "is a directory with no audio files" in results[str(tmp_path / "empty.wav")]["error"]
    assert results[str(tmp_path / "gone.wav")]["error"] == "no such file."
    assert str(good) not in results and len(err.splitlines()) == 2


def test_audio_on_standard_input(model_dir, recordings, monkeypatch, capsys):
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(recordings[0].read_bytes())))
    assert main(["predict", "-", "--model", str(model_dir), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)[0]
    assert result["path"] == "-" and len(result["segments"]) == 2


def test_text_output_says_when_there_is_nothing_to_hear(model_dir, tmp_path, capsys):
    sf.write(tmp_path / "quiet.wav", np.zeros(48000, np.float32), 16000)
    assert main(["predict", str(tmp_path / "quiet.wav"), "--model", str(model_dir)]) == 0
    note = "no sound to judge: no window holds 0.05 s above -50 dBFS"
    expected = f"{tmp_path / 'quiet.wav'}: nothing to hear [{note}]; per second: - - -\n"
    assert capsys.readouterr().out == expected


def test_missing_models_say_how_to_make_them(recordings, tmp_path, model_dir, capsys):
    good = str(recordings[0])
    assert main(["predict", good, "--model", str(tmp_path / "none"), "--runtime", "keras"]) == 1
    assert "catdog-cnn train" in capsys.readouterr().err
    (tmp_path / "keras_only").mkdir()
    (tmp_path / "keras_only" / "model.keras").write_bytes((model_dir / "model.keras").read_bytes())
    assert main(["predict", good, "--model", str(tmp_path / "keras_only")]) == 1
    assert "catdog-cnn export-litert --model" in capsys.readouterr().err


def test_missing_data_is_one_clear_line(tmp_path, model_dir, capsys):
    assert main(["evaluate", "--model", str(model_dir), "--data-dir", str(tmp_path)]) == 1
    assert "catdog-cnn fetch-data" in capsys.readouterr().err


BLOCK_TENSORFLOW = """
import sys
sys.modules["tensorflow"] = None  # any import of these now fails
sys.modules["keras"] = None
from catdog_cnn.cli import main
sys.exit(main(sys.argv[1:]))
"""


def test_predict_and_help_never_load_tensorflow(model_dir, recordings):
    env = os.environ | {"PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
    run = [sys.executable, "-c", BLOCK_TENSORFLOW]
    done = subprocess.run([*run, "predict", str(recordings[0]), "--model", str(model_dir)], capture_output=True,
                          text=True, env=env)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"{recordings[0]}: ")
    assert done.stderr == ""  # stderr is for "FILE: reason" lines only: no LiteRT or TensorFlow chatter
    assert subprocess.run([*run, "--help"], capture_output=True, env=env).returncode == 0
    assert (
        subprocess.run(
            [*run, "predict", str(recordings[0]), "--model", str(model_dir), "--runtime", "keras"],
            capture_output=True,
            env=env,
        ).returncode
        != 0
    )  # fmt: skip  (the block is real)


@pytest.mark.realdata
def test_fetch_data_verifies_the_folder_the_environment_names(real_data_dir, monkeypatch, capsys):
    monkeypatch.setenv("CATDOG_DATA_DIR", str(real_data_dir))
    assert main(["fetch-data"]) == 0  # no download: the folder is there, so it is verified
    assert capsys.readouterr().out.strip() == f"dataset ready in {real_data_dir.resolve()}"


def test_evaluate_lists_the_files_called_wrong_and_every_file_on_request(real_data_dir, capsys):
    assert main(["evaluate", "--data-dir", str(real_data_dir), "--runtime", "litert"]) == 0
    out = capsys.readouterr().out
    wrong = [line for line in out.splitlines() if line.startswith(("cat_", "dog_"))]
    assert f"the {len(wrong)} files called wrong (--files lists every file)" in out and 0 < len(wrong) < 20
    assert main(["evaluate", "--data-dir", str(real_data_dir), "--runtime", "litert", "--files"]) == 0
    every = [line for line in capsys.readouterr().out.splitlines() if line.startswith(("cat_", "dog_"))]
    assert len(every) == 97 and [line.removesuffix("  <- wrong") for line in every if "<- wrong" in line] == wrong
    scores = {}
    for runtime in ("litert", "numpy"):  # the NumPy network of the spec, not Keras under another name
        assert main(["evaluate", "--data-dir", str(real_data_dir), "--runtime", runtime, "--json"]) == 0
        scores[runtime] = [row["p_dog"] for row in json.loads(capsys.readouterr().out)["files"]]
    np.testing.assert_allclose(scores["numpy"], scores["litert"], atol=1e-4)
