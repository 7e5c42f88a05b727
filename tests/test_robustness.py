import numpy as np
import pytest
from scipy.signal import resample_poly

from catdog_cnn.config import SAMPLE_RATE, CatDogError
from catdog_cnn.sound import dsp, robustness
from catdog_cnn.sound.data import Clip
from conftest import tone


def level_db(x: np.ndarray) -> float:
    return 20 * np.log10(np.sqrt(np.mean(x**2)))


def test_quieter_is_an_exact_gain(rng):
    audio = tone(440, 1.0)
    assert np.allclose(robustness.quieter(audio, rng, gain_db=-20), audio / 10, atol=1e-7)


@pytest.mark.parametrize("snr_db", [10.0, 20.0])
def test_noise_has_the_asked_snr(rng, snr_db):
    audio = tone(440, 2.0, amplitude=0.3)
    noise = robustness.with_noise(audio, rng, snr_db=snr_db) - audio
    assert level_db(audio) - level_db(noise) == pytest.approx(snr_db, abs=0.3)


@pytest.mark.parametrize("freq, passes", [(100, False), (1000, True), (6000, False)])
def test_telephone_keeps_only_the_voice_band(rng, freq, passes):
    audio = tone(freq, 1.0)
    out = robustness.telephone(audio, rng)
    assert out.shape == audio.shape and out.dtype == np.float32
    loss = level_db(audio[4000:]) - level_db(out[4000:])
    assert (loss < 3) if passes else (loss > 15)


def test_pink_noise_has_the_asked_snr_and_equal_power_per_octave(rng):
    audio = tone(440, 4.0, amplitude=0.3)
    noise = robustness.with_noise(audio, rng, snr_db=10.0, color="pink") - audio
    assert level_db(audio) - level_db(noise) == pytest.approx(10.0, abs=0.3)
    power = np.abs(np.fft.rfft(noise)) ** 2
    freqs = np.fft.rfftfreq(len(noise), 1 / SAMPLE_RATE)
    octaves = [power[(freqs >= f) & (freqs < 2 * f)].sum() for f in (125, 500, 2000)]
    assert max(octaves) / min(octaves) < 1.5  # white noise: 16 times more in the top octave than the bottom
    with pytest.raises(CatDogError, match="pink"):
        robustness.with_noise(audio, rng, color="blue")


def test_mu_law_keeps_loud_and_quiet_sounds_with_the_same_precision(rng):
    voice = resample_poly(rng.standard_normal(16000), 1, 4)  # noise with nothing above 2 kHz, at 4 kHz
    voice = resample_poly(voice, 4, 1)[:16000] / np.abs(voice).max()
    for peak in (0.9, 0.1):  # loud and 20 dB quieter
        audio = (peak * voice).astype(np.float32)
        error = robustness.mu_law(audio, rng) - audio
        assert 33 < level_db(audio[200:-200]) - level_db(error[200:-200]) < 42, peak  # 8 bits: about 37 dB
    fine = robustness.mu_law(voice.astype(np.float32), rng, bits=16) - voice
    assert level_db(voice[200:-200]) - level_db(fine[200:-200]) > 50  # what is left is the resampling's trace
    assert np.abs(robustness.mu_law(tone(6000, 1.0), rng)[200:-200]).max() < 1e-3  # nothing above 4 kHz passes


def test_clipped_cuts_the_peaks_and_keeps_the_rest(rng):
    audio = tone(300, 1.0, amplitude=0.8)
    out = robustness.clipped(audio, rng, level=0.3)
    assert np.abs(out).max() == pytest.approx(0.24, rel=1e-6)
    quiet = np.abs(audio) < 0.24
    assert np.array_equal(out[quiet], audio[quiet])


def test_hum_adds_energy_at_50_hz(rng):
    audio = tone(1000, 1.0)
    out = robustness.with_hum(audio, rng)
    spectrum = np.abs(np.fft.rfft(out - audio))
    assert np.argmax(spectrum) == 50  # 1-s clip: bin k is k Hz


def test_echo_keeps_length_and_peak(rng):
    audio = np.zeros(SAMPLE_RATE, np.float32)
    audio[1000] = 0.8
    out = robustness.with_echo(audio, rng)
    assert out.shape == audio.shape
    assert np.abs(out).max() == pytest.approx(0.8, rel=1e-5)
    assert np.count_nonzero(np.abs(out[1001:]) > 1e-3) > 1000  # the tail rings on


def test_perturbed_is_repeatable_and_leaves_the_clips_alone():
    clips = [Clip("cat_1.wav", 0, tone(500, 1.0)), Clip("dog_barking_1.wav", 1, tone(900, 1.5))]
    before = [c.audio.copy() for c in clips]
    a = robustness.perturbed(clips, robustness.with_noise, seed=3)
    b = robustness.perturbed(clips, robustness.with_noise, seed=3)
    assert [c.name for c in a] == ["cat_1.wav", "dog_barking_1.wav"] and [c.label for c in a] == [0, 1]
    assert all(np.array_equal(x.audio, y.audio) for x, y in zip(a, b, strict=True))
    assert all(np.array_equal(c.audio, x) for c, x in zip(clips, before, strict=True))
    assert not np.array_equal(a[0].audio, clips[0].audio)


@pytest.mark.parametrize("factor", [1.1, 1 / 1.1])
def test_pitched_scales_every_frequency_and_the_duration(rng, factor):
    audio = tone(1000, 2.0)
    out = robustness.pitched(audio, rng, factor=factor)
    assert len(out) == pytest.approx(len(audio) / factor, abs=1)
    spectrum = np.abs(np.fft.rfft(out))
    peak_hz = np.argmax(spectrum) * SAMPLE_RATE / len(out)
    assert peak_hz == pytest.approx(1000 * factor, abs=2)


def test_every_condition_returns_float32_and_only_pitch_changes_the_length(rng):
    audio = tone(700, 1.3)
    for name, condition in robustness.CONDITIONS.items():
        out = condition(audio, rng)
        assert out.dtype == np.float32, name
        assert (len(out) != len(audio)) == name.startswith("pitch"), name


@pytest.mark.parametrize("db_per_octave", [3.0, -3.0])
def test_tilted_changes_the_balance_by_the_asked_slope(rng, db_per_octave):
    audio = tone(250, 1.0, amplitude=0.25) + tone(4000, 1.0, amplitude=0.25)  # four octaves apart
    out = robustness.tilted(audio, rng, db_per_octave=db_per_octave)
    spectrum = np.abs(np.fft.rfft(out))
    high_over_low = 20 * np.log10(spectrum[4000] / spectrum[250])  # 1-s clip: bin k is k Hz
    assert high_over_low == pytest.approx(4 * db_per_octave, abs=0.1)
    assert np.abs(out).max() == pytest.approx(np.abs(audio).max(), rel=1e-5)


def test_tilt_gain_is_0_db_at_the_pivot_flat_below_100_hz_and_one_row_per_slope():
    gain_db = 20 * np.log10(dsp.tilt_gain(16000, np.array([[6.0], [-3.0]])))  # 1-s: bin k is k Hz
    assert gain_db.shape == (2, 8001)
    np.testing.assert_allclose(gain_db[:, 1000], 0, atol=1e-9)
    np.testing.assert_allclose(gain_db[:, 4000], [12.0, -6.0], atol=1e-9)  # two octaves up
    np.testing.assert_allclose(np.ptp(gain_db[:, :101], axis=1), 0, atol=1e-9)  # flat up to 100 Hz
