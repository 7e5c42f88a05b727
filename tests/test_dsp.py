import numpy as np
import pytest

from catdog_cnn.sound.dsp import hz_to_mel, mel_edges, mel_to_hz


def test_mel_scale_is_near_linear_below_1_khz_and_compressed_above():
    assert hz_to_mel(0.0) == 0.0
    assert hz_to_mel(1000.0) == pytest.approx(1000, abs=1)
    assert hz_to_mel(8000.0) - hz_to_mel(7000.0) < 0.2 * (hz_to_mel(1000.0) - hz_to_mel(0.0))
    f = np.array([30.0, 440.0, 8000.0])
    np.testing.assert_allclose(mel_to_hz(hz_to_mel(f)), f, rtol=1e-12)


def test_mel_edges_are_evenly_spaced_in_mel_and_widen_in_hz():
    edges = mel_edges(11, 30.0, 8000.0)
    assert edges[0] == pytest.approx(30.0) and edges[-1] == pytest.approx(8000.0)
    np.testing.assert_allclose(np.diff(hz_to_mel(edges)), (hz_to_mel(8000.0) - hz_to_mel(30.0)) / 10)
    assert np.all(np.diff(edges, 2) > 0)
