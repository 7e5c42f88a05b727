import json

import numpy as np
import pytest
import soundfile as sf

from catdog_cnn.cli import main
from catdog_cnn.config import MODELS_DIR
from catdog_cnn.nets.export import convert, litert_predictor
from catdog_cnn.nets.runs import load_run, predictor
from catdog_cnn.serve.litert import LITERT_FILE, LiteRTPredictor


def windows(rng, n: int) -> np.ndarray:
    """Noise bursts and tones at levels from 1% to 100% of full scale: inputs that both models score far apart."""
    t = np.arange(16_000) / 16_000
    x = rng.standard_normal((n, 16_000)) * rng.uniform(0, 1, (n, 1)) ** 3
    x += np.sin(2 * np.pi * rng.uniform(100, 4000, (n, 1)) * t)
    level = rng.uniform(0.01, 1.0, (n, 1))
    return (level * x / np.abs(x).max(axis=1, keepdims=True))[..., None].astype(np.float32)


@pytest.mark.parametrize("name", ["original", "m5"])
def test_litert_gives_the_keras_probabilities(name, rng):
    model, _ = load_run(MODELS_DIR / name)
    x = windows(rng, 45)  # one full batch of 32 and a remainder of 13
    expected = predictor(model)(x)
    fast = litert_predictor(model, batch_size=32)
    got = fast(x)
    assert got.shape == (45,)
    assert expected.std() > 0.01  # the windows tell the model something, so agreement means something
    np.testing.assert_allclose(got, expected, atol=1e-4)
    np.testing.assert_allclose(fast(x[:, :, 0]), expected, atol=1e-4)  # (n, length) works too
    assert fast(x[:0]).shape == (0,)


@pytest.mark.parametrize("name", ["original", "m5"])
def test_the_committed_litert_twin_is_the_keras_model(name, rng):
    model, _ = load_run(MODELS_DIR / name)
    x = windows(rng, 40)
    committed = LiteRTPredictor((MODELS_DIR / name / LITERT_FILE).read_bytes())(x)
    np.testing.assert_allclose(committed, predictor(model)(x), atol=1e-5)
    np.testing.assert_allclose(committed, litert_predictor(model)(x), atol=1e-6)  # a fresh conversion: it is current


def test_a_flatbuffer_can_be_reused(rng):
    model, _ = load_run(MODELS_DIR / "original")
    flatbuffer = convert(model)
    assert isinstance(flatbuffer, bytes) and len(flatbuffer) > 10_000
    x = windows(rng, 5)
    np.testing.assert_allclose(LiteRTPredictor(flatbuffer)(x), predictor(model)(x), atol=1e-4)


def test_predict_with_litert_matches_keras(tmp_path, rng, capsys):
    path = tmp_path / "clip.wav"
    sf.write(path, (0.3 * windows(rng, 3).ravel()).astype(np.float32), 16_000, subtype="FLOAT")
    results = {}
    for runtime in ("keras", "litert"):
        assert main(["predict", str(path), "--json", "--runtime", runtime]) == 0
        results[runtime] = json.loads(capsys.readouterr().out)[0]
    assert len(results["litert"]["segments"]) == 3
    assert results["litert"]["label"] == results["keras"]["label"]
    np.testing.assert_allclose(results["litert"]["segments"], results["keras"]["segments"], atol=2e-4)
