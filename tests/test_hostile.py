"""Hostile and careless input: stale or corrupted models, loops, pipes, unreadable folders, forged names, bad paths.

Each case gets one clear line naming the file and the fix, never a verdict, a traceback or unbounded memory.
"""

import json
import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from catdog_cnn.cli import main
from catdog_cnn.config import MODELS_DIR, CatDogError
from catdog_cnn.serve import manifest
from catdog_cnn.serve.predict import load_predictor, predict_recording, run_options
from catdog_cnn.sound import audio
from catdog_cnn.sound.inputs import expand_inputs, printable

M5 = MODELS_DIR / "m5"


def loudness(windows: np.ndarray) -> np.ndarray:
    """A stand-in network: p(dog) is the mean absolute sample of each window."""
    return np.abs(windows[..., 0]).mean(axis=1)


@pytest.fixture
def good(tmp_path, rng) -> Path:
    path = tmp_path / "good.wav"
    sf.write(path, (0.3 * rng.standard_normal(40_000)).astype(np.float32), 16_000)
    return path


@pytest.fixture
def m5_copy(tmp_path) -> Path:
    folder = tmp_path / "m5"
    shutil.copytree(M5, folder)
    return folder


# --- a run folder states what it holds ---------------------------------------------------------------------------


def test_the_committed_models_match_their_manifests():
    for name in ("m5", "original"):
        for file in ("model.keras", "config.json", "model.tflite"):
            assert manifest.verified(MODELS_DIR / name, file).is_file()


def test_a_litert_model_made_from_another_keras_model_is_refused(m5_copy, good, capsys):
    shutil.copy(MODELS_DIR / "original" / "model.keras", m5_copy / "model.keras")  # retrained, twin left behind
    manifest.record(m5_copy, ["model.keras"])
    assert main(["predict", str(good), "--model", str(m5_copy)]) == 1
    err = capsys.readouterr().err
    assert "model.tflite: was made from another model.keras" in err and "export-litert" in err
    assert err.count("\n") == 1
    from catdog_cnn.nets.export import export

    export(m5_copy)  # the fix the message names
    results = []
    for runtime in ("litert", "keras"):
        assert main(["predict", str(good), "--model", str(m5_copy), "--json", "--runtime", runtime]) == 0
        results.append(json.loads(capsys.readouterr().out)[0])
    np.testing.assert_allclose(results[0]["segments"], results[1]["segments"], atol=2e-4)


def test_a_keras_file_changed_after_it_was_written_is_refused(m5_copy, good, capsys):
    shutil.copy(MODELS_DIR / "original" / "model.keras", m5_copy / "model.keras")
    assert main(["predict", str(good), "--model", str(m5_copy), "--runtime", "keras"]) == 1
    assert "model.keras: differs from the SHA-256 in manifest.json" in capsys.readouterr().err


def test_every_mutated_litert_model_is_refused(m5_copy, rng):
    original = (m5_copy / "model.tflite").read_bytes()
    for _ in range(150):
        data = bytearray(original)
        at = int(rng.integers(len(data)))
        data[at] = (data[at] + int(rng.integers(1, 256))) % 256
        (m5_copy / "model.tflite").write_bytes(bytes(data))
        with pytest.raises(CatDogError, match="corrupted or was replaced"):
            load_predictor(m5_copy)


def test_a_litert_model_no_manifest_vouches_for_is_refused(m5_copy):
    (m5_copy / "manifest.json").unlink()
    with pytest.raises(CatDogError, match="does not record it, so nothing says which model.keras"):
        load_predictor(m5_copy)


@pytest.mark.parametrize(
    "content, problem",
    [("{not json", "not valid JSON"), ('{"model": {}, "windows": {"colour": 1}}', "unknown key 'windows.colour'")],
)
def test_a_bad_config_is_one_line(m5_copy, good, capsys, content, problem):
    (m5_copy / "config.json").write_text(content)
    (m5_copy / "manifest.json").unlink()  # hand-edited: no record to contradict it
    for runtime in ("litert", "keras"):
        assert main(["predict", str(good), "--model", str(m5_copy), "--runtime", runtime]) == 1
    err = capsys.readouterr().err.splitlines()[-1] + "\n"
    assert err.startswith(f"{m5_copy / 'config.json'}: ") and problem in err and err.count("\n") == 1


def test_a_missing_model_folder_is_named(good, tmp_path, capsys):
    assert main(["predict", str(good), "--model", str(tmp_path / "nonexistent")]) == 1
    assert capsys.readouterr().err.startswith(f"{tmp_path / 'nonexistent'}: no such run folder or model file")


def test_a_second_writer_is_refused(tmp_path, capsys):
    with manifest.writing(tmp_path / "run"):
        with pytest.raises(CatDogError, match="another process is writing this run folder"):
            with manifest.writing(tmp_path / "run"):
                pass
        assert main(["train", "--out", str(tmp_path / "run"), "--epochs", "1"]) == 1
        assert "another process is writing" in capsys.readouterr().err
    with manifest.writing(tmp_path / "run"):  # free again
        pass


def test_an_interrupted_run_leaves_the_old_folder_or_nothing(m5_copy, tmp_path, monkeypatch, capsys):
    from catdog_cnn.nets import runs

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(runs, "load_split", lambda *a, **k: None)
    monkeypatch.setattr(runs, "train", interrupted)
    before = {p.name: p.read_bytes() for p in m5_copy.iterdir()}
    assert main(["train", "--out", str(m5_copy), "--epochs", "1"]) == 130
    assert {p.name: p.read_bytes() for p in m5_copy.iterdir() if p.name != ".writing"} == before
    assert capsys.readouterr().err.strip() == f"training interrupted: {m5_copy} is as it was before."
    assert main(["train", "--out", str(tmp_path / "new"), "--epochs", "1"]) == 130
    assert not (tmp_path / "new").exists()
    assert capsys.readouterr().err.strip() == f"training interrupted: nothing was written to {tmp_path / 'new'}."


def test_a_failed_trial_leaves_no_running_claim(tmp_path, monkeypatch):
    from catdog_cnn.nets import runs, trials
    from catdog_cnn.nets.tuning import grid_trials

    monkeypatch.setattr(runs, "run", lambda *a, **k: (_ for _ in ()).throw(RuntimeError("out of disk")))
    trial = grid_trials({"kernel_size": [3]}, [0], preset="original")[0]
    with pytest.raises(RuntimeError):
        trials.run_trial(trial, tmp_path)
    assert not list(tmp_path.rglob("running.json"))


# --- inputs --------------------------------------------------------------------------------------------------------


def test_links_back_to_a_folder_never_loop_and_give_each_file_once(tmp_path, good):
    folder = tmp_path / "dir"
    (folder / "sub").mkdir(parents=True)
    shutil.copy(good, folder / "a.wav")
    shutil.copy(good, folder / "sub" / "b.wav")
    (folder / "sub" / "up").symlink_to(folder)
    (folder / "again").symlink_to(".")
    (folder / "a-link.wav").symlink_to(folder / "a.wav")
    for args in ([str(folder)], [f"{folder}/**/*.wav"], [f"{folder}/**"]):
        names = [Path(i.name).name for i in expand_inputs(args)]
        assert sorted(names) == ["a.wav", "b.wav"], args


def test_a_pattern_relative_to_the_working_folder(tmp_path, good, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "x").mkdir()
    shutil.copy(good, tmp_path / "x" / "c.wav")
    assert [i.name for i in expand_inputs(["*.wav"])] == ["good.wav"]
    assert [i.name for i in expand_inputs(["*/*.wav"])] == ["x/c.wav"]
    assert [i.name for i in expand_inputs(["**/*.wav"])] == ["good.wav", "x/c.wav"]


def test_a_pipe_with_no_writer_is_skipped_and_the_rest_predicted(tmp_path, good, monkeypatch, capsys):
    monkeypatch.setattr(audio, "PIPE_WAIT_SECONDS", 0.5)
    os.mkfifo(tmp_path / "pipe.wav")
    start = time.perf_counter()
    assert main(["predict", str(tmp_path / "pipe.wav"), str(good), "--model", str(M5)]) == 1
    assert time.perf_counter() - start < 5
    out, err = capsys.readouterr()
    assert "pipe.wav: a pipe or device that gave no data within 0.5 s" in err and out.startswith(f"{good}: ")


def test_a_pipe_with_a_writer_is_read_as_a_stream(tmp_path, good):
    os.mkfifo(tmp_path / "pipe")
    writer = threading.Thread(target=lambda: (tmp_path / "pipe").write_bytes(good.read_bytes()))
    writer.start()
    result = predict_recording(loudness, tmp_path / "pipe")
    writer.join()
    assert result == predict_recording(loudness, good)


def test_zeros_on_standard_input_cost_no_other_file(good):
    with open("/dev/zero", "rb") as zeros:
        done = subprocess.run([sys.executable, "-m", "catdog_cnn.cli", "predict", "-", str(good)], stdin=zeros,
                              capture_output=True, text=True, timeout=120)  # fmt: skip
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert done.stderr.startswith("-: not a readable audio file") and done.stdout.startswith(f"{good}: ")


NO_OVERRIDE = ["setpriv", "--bounding-set=-dac_override,-dac_read_search"] if os.geteuid() == 0 else []


@pytest.mark.skipif(NO_OVERRIDE and not shutil.which("setpriv"), reason="needs setpriv to drop root's override")
def test_unreadable_folders_are_one_line_each(tmp_path, good):
    """As a user without root's permission override (root's is dropped with setpriv)."""
    locked, walked = tmp_path / "locked", tmp_path / "walked"
    locked.mkdir()
    (walked / "private").mkdir(parents=True)
    shutil.copy(good, locked / "x.wav")
    shutil.copy(good, walked / "y.wav")
    shutil.copy(good, walked / "private" / "z.wav")
    locked.chmod(0)
    (walked / "private").chmod(0)
    try:
        command = [*NO_OVERRIDE, sys.executable, "-m", "catdog_cnn.cli", "predict", str(locked / "x.wav"),
                   str(walked), str(good)]  # fmt: skip
        done = subprocess.run(command, capture_output=True, text=True, timeout=120)
    finally:
        locked.chmod(0o755)
        (walked / "private").chmod(0o755)
    assert done.returncode == 1 and "Traceback" not in done.stderr
    errors = done.stderr.splitlines()
    assert errors == [
        f"{locked / 'x.wav'}: cannot reach it (permission denied); check the permissions of its folders.",
        f"{walked / 'private'}: cannot read this folder (permission denied): skipped",
    ]
    assert [line.split(":")[0] for line in done.stdout.splitlines()] == [str(walked / "y.wav"), str(good)]


def test_a_name_with_a_newline_cannot_forge_a_line(tmp_path, good, capsys):
    forged = tmp_path / "a.wav: cat (p_dog 0.000)\nb.wav"
    shutil.copy(good, forged)
    assert main(["predict", str(forged), "--model", str(M5)]) == 0
    out = capsys.readouterr().out
    assert out.count("\n") == 1 and out.startswith(printable(str(forged)) + ": ") and "\\nb.wav" in out
    assert printable("tab\there\u202e") == "tab\\there\\u202e"


def test_samples_far_beyond_full_scale_are_named_as_such(tmp_path):
    x = np.zeros(16_000)
    x[100] = 1e300
    sf.write(tmp_path / "huge.wav", x, 16_000, subtype="DOUBLE")
    with pytest.raises(CatDogError, match="huge.wav: holds samples of 1e\\+300 times full scale"):
        predict_recording(loudness, tmp_path / "huge.wav")


# --- bounded memory ------------------------------------------------------------------------------------------------


def _long_wav(path: Path, seconds: int, rate: int = 16_000) -> Path:
    """``seconds`` of quiet noise with a tone every 10 s, written a minute at a time."""
    rng = np.random.default_rng(0)
    with sf.SoundFile(path, "w", rate, 1, subtype="PCM_16") as f:
        for start in range(0, seconds, 60):
            minute = 0.01 * rng.standard_normal(60 * rate)
            minute[:: 10 * rate] = 0.5
            f.write(minute[: (min(seconds, start + 60) - start) * rate])
    return path


def _peak_numpy_bytes(work) -> int:
    import tracemalloc

    tracemalloc.start()
    try:
        work()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def _grows(work, short: Path, long: Path) -> tuple[float, float]:
    """Peak numpy memory of ``work(short)`` and how much more ``work(long)`` takes."""
    first = _peak_numpy_bytes(lambda: work(short))
    return first, _peak_numpy_bytes(lambda: work(long)) - first


def test_predict_memory_does_not_grow_with_the_length_of_a_file_or_a_stream(tmp_path):
    short, long = _long_wav(tmp_path / "short.wav", 3 * 60), _long_wav(tmp_path / "long.wav", 30 * 60)
    first, more = _grows(lambda path: predict_recording(loudness, path, quiet=True), short, long)
    assert first < 40e6 and more < 2e6  # the half hour is 115 MB as float32 samples

    def from_a_pipe(path: Path) -> None:
        read, write = os.pipe()
        writer = threading.Thread(target=lambda: _copy_in_chunks(path, write))
        writer.start()
        with os.fdopen(read, "rb") as stream:
            assert len(predict_recording(loudness, stream, name="-", quiet=True)["segments"]) in (180, 1800)
        writer.join()

    first, more = _grows(from_a_pipe, short, long)
    assert first < 40e6 and more < 2e6


def _copy_in_chunks(path: Path, fd: int) -> None:
    with open(path, "rb") as source, os.fdopen(fd, "wb") as sink:
        shutil.copyfileobj(source, sink, 1 << 16)


def test_a_file_declaring_a_rate_of_1_hz_is_read_in_bounded_memory(tmp_path):
    rng = np.random.default_rng(1)
    sf.write(tmp_path / "slow.wav", 0.3 * rng.standard_normal(7200), 1, subtype="PCM_16")  # 14 KB: 2 h at 1 Hz
    result = {}
    peak = _peak_numpy_bytes(lambda: result.update(predict_recording(loudness, tmp_path / "slow.wav", quiet=True)))
    assert result["seconds"] == pytest.approx(7200, abs=1) and peak < 150e6  # whole: 460 MB of samples


def test_explain_memory_does_not_grow_with_the_length_of_the_recording(tmp_path):
    from catdog_cnn.serve.explain import explain_recording

    short, long = _long_wav(tmp_path / "short.wav", 60), _long_wav(tmp_path / "long.wav", 10 * 60)
    found = []
    first, more = _grows(lambda path: found.append(explain_recording(path, M5, sounds=0)), short, long)
    assert more < 5e6  # ten minutes are 38 MB as float32 samples
    e = found[-1]
    assert e.evidence.shape == (600, 20) and len(e.excerpt) == 30 * 16_000
    assert e.envelope.shape == (60_000,) and e.envelope.max() == pytest.approx(0.5, abs=1e-3)


# --- outputs -------------------------------------------------------------------------------------------------------


def test_explain_never_overwrites_its_input_nor_a_stranger(tmp_path, good, capsys):
    original = good.read_bytes()
    assert main(["explain", str(good), "--out", str(good)]) == 1
    assert "is the recording being explained" in capsys.readouterr().err and good.read_bytes() == original
    assert main(["explain", str(good), "--out", str(good), "--force"]) == 1 and good.read_bytes() == original
    capsys.readouterr()
    notes = tmp_path / "notes.html"
    notes.write_text("<p>mine</p>")
    assert main(["explain", str(good), "--out", str(notes)]) == 1
    assert "is not a report of catdog-cnn explain" in capsys.readouterr().err and notes.read_text() == "<p>mine</p>"


@pytest.mark.parametrize("where", ["folder", "unwritable"])
def test_a_bad_out_path_fails_before_any_work(tmp_path, good, monkeypatch, capsys, where):
    from catdog_cnn.serve import explain

    monkeypatch.setattr(explain, "explain_recording", lambda *a, **k: pytest.fail("worked before checking --out"))
    out = tmp_path if where == "folder" else good / "report.html"  # inside a file: no folder to write in
    assert main(["explain", str(good), "--out", str(out)]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and ("is a folder" in err if where == "folder" else "not a writable folder" in err)


def test_a_report_replaces_an_earlier_report(tmp_path, good):
    from catdog_cnn.serve.explain import write_report

    out = tmp_path / "report.html"
    write_report(good, out, sounds=0)
    first = out.read_text()
    assert write_report(good, out, sounds=0) == out and out.read_text() == first
    assert not list(tmp_path.glob(".report.html*"))  # no temporary file left


def test_predict_results_keep_the_options_of_the_run(m5_copy, good):
    assert run_options(m5_copy) == run_options(M5)


def test_explain_reads_a_stream_as_it_reads_the_file(good):
    from catdog_cnn.serve.explain import explain_recording

    with open(good, "rb") as stream:
        streamed = explain_recording(stream, M5, sounds=0)
    direct = explain_recording(good, M5, sounds=0)
    assert streamed.result == direct.result and streamed.decisive == direct.decisive
    np.testing.assert_array_equal(streamed.excerpt, direct.excerpt)


def test_a_bad_out_path_is_refused_before_tensorflow_is_loaded(good):
    from test_cli import BLOCK_TENSORFLOW  # the file beside this one: any import of TensorFlow fails

    env = os.environ | {"PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
    done = subprocess.run([sys.executable, "-c", BLOCK_TENSORFLOW, "explain", str(good), "--out", str(good)],
                          capture_output=True, text=True, env=env, timeout=120)  # fmt: skip
    assert (
        done.returncode == 1
        and done.stderr == f"{good}: is the recording being explained; give --out another file name.\n"
    )


def test_the_bytes_checked_are_the_bytes_used(m5_copy):
    good = manifest.read_verified(m5_copy, "model.tflite")
    assert good == (M5 / "model.tflite").read_bytes()
    with pytest.raises(CatDogError, match="corrupted or was replaced"):  # the file is fine, the content is not
        manifest.verified(m5_copy, "model.tflite", content=good[:-1] + bytes([good[-1] ^ 1]))
