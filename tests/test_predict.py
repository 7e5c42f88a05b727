"""Predicting recordings window by window: silence, short files, streaming, and the same answer as evaluate."""

import numpy as np
import pytest
import soundfile as sf

from catdog_cnn.config import MIN_SOUND_SECONDS, SILENCE_DBFS, CatDogError
from catdog_cnn.serve.predict import audible, level_dbfs, predict_recording, run_options, sound_seconds
from catdog_cnn.sound.windows import clip_windows


def loudness(windows: np.ndarray) -> np.ndarray:
    """A stand-in network whose p(dog) is the mean absolute sample of each (peak-scaled) window."""
    return np.abs(windows[..., 0]).mean(axis=1)


def tone(seconds: float, amplitude: float = 0.5, freq: float = 440.0, rate: int = 16_000) -> np.ndarray:
    t = np.arange(int(seconds * rate)) / rate
    return (amplitude * np.sin(2 * np.pi * freq * t)).astype(np.float32)


def test_level_dbfs_of_full_scale_a_quiet_tone_and_zeros():
    windows = np.stack([np.ones(1000), 0.01 * np.ones(1000), np.zeros(1000)])
    np.testing.assert_allclose(level_dbfs(windows)[:2], [0.0, -40.0], atol=1e-9)
    assert level_dbfs(windows)[2] == -np.inf


def test_a_silent_file_gets_no_label_and_says_why(tmp_path):
    sf.write(tmp_path / "silence.wav", np.zeros(48_000, np.float32), 16_000)
    result = predict_recording(loudness, tmp_path / "silence.wav")
    assert result["label"] is None and result["p_dog"] is None
    assert result["segments"] == [None, None, None] and result["silent_windows"] == 3
    rule = f"{MIN_SOUND_SECONDS:g} s above {SILENCE_DBFS:g} dBFS"
    assert result["note"] == f"no sound to judge: no window holds {rule}"


def test_a_constant_offset_is_no_sound():
    windows = np.stack([np.full(16_000, 0.3), 0.3 + tone(1.0, 0.1)])
    assert level_dbfs(windows)[0] > SILENCE_DBFS  # loud by its RMS, yet nothing to hear
    assert audible(windows).tolist() == [False, True]


def test_a_click_is_no_sound_but_a_short_burst_is():
    click, burst = np.zeros(16_000), np.zeros(16_000)
    click[8000] = 1.0  # one sample at full scale: above the level over the window, but 10 ms of sound at most
    burst[4000:5120] = tone(0.07, 0.5)  # 70 ms of tone
    assert sound_seconds(np.stack([click, burst])).tolist() == pytest.approx([0.01, 0.07])
    assert audible(np.stack([click, burst])).tolist() == [False, True]


@pytest.mark.parametrize(
    "audio, rate, subtype",
    [
        (np.array([0.9], np.float32), 16_000, "PCM_16"),  # one sample
        (np.full(48_000, 0.25, np.float32), 16_000, "PCM_16"),  # 3 s of DC offset
        (tone(0.022, 0.5, rate=44_100), 44_100, "PCM_16"),  # 22 ms of tone
    ],
    ids=["one sample", "DC offset", "22 ms"],
)
def test_files_that_hold_no_sound_get_no_verdict(tmp_path, audio, rate, subtype):
    sf.write(tmp_path / "x.wav", audio, rate, subtype=subtype)
    result = predict_recording(loudness, tmp_path / "x.wav")
    assert result["label"] is None and result["p_dog"] is None and result["note"].startswith("no sound to judge")


def test_a_22_ms_file_whose_header_promises_more_gets_no_verdict(tmp_path):
    sf.write(tmp_path / "x.wav", tone(1.0, rate=44_100), 44_100, subtype="PCM_16")
    data = (tmp_path / "x.wav").read_bytes()
    (tmp_path / "cut.wav").write_bytes(data[: 44 + 2 * 970])  # 22 ms of the promised second
    result = predict_recording(loudness, tmp_path / "cut.wav")
    assert result["ended_early"] and result["label"] is None


def test_silent_windows_are_left_out_of_the_vote(tmp_path):
    audio = np.concatenate([tone(2.0), np.zeros(16_000, np.float32), 1e-4 * tone(1.0)])  # the last at -83 dBFS
    sf.write(tmp_path / "a.flac", audio, 16_000)
    result = predict_recording(loudness, tmp_path / "a.flac")
    assert result["segments"][2:] == [None, None] and None not in result["segments"][:2]
    assert result["p_dog"] == pytest.approx(np.mean(result["segments"][:2]), abs=1e-4)
    assert result["note"] == f"2 of 4 windows silent (less than {MIN_SOUND_SECONDS:g} s above {SILENCE_DBFS:g} dBFS)"


def test_a_file_shorter_than_a_window_is_padded_and_flagged(tmp_path):
    sf.write(tmp_path / "short.wav", tone(0.3, rate=8000), 8000)
    result = predict_recording(loudness, tmp_path / "short.wav")
    assert len(result["segments"]) == 1 and result["padded"]
    assert result["seconds"] == pytest.approx(0.3, abs=0.01)
    assert "shorter than the 1 s window (0.30 s): padded with silence" in result["note"]
    assert result["label"] in ("cat", "dog")


def test_streaming_gives_the_answer_of_the_whole_clip_evaluation(tmp_path, rng):
    audio = (0.2 * rng.standard_normal(16_000 * 7 + 5000)).astype(np.float32) * np.linspace(0.1, 1, 16_000 * 7 + 5000)
    sf.write(tmp_path / "a.wav", audio, 16_000, subtype="FLOAT")
    streamed = predict_recording(loudness, tmp_path / "a.wav")
    whole = loudness(clip_windows(audio)[..., None])  # the windows evaluation cuts from the whole clip
    assert streamed["segments"] == [round(float(p), 4) for p in whole]
    assert streamed["p_dog"] == round(float(whole.mean()), 4) and streamed["label"] == (
        "dog" if whole.mean() > 0.5 else "cat"
    )
    assert streamed["note"] is None and not streamed["padded"]


def test_min_peak_keeps_the_windows_evaluation_keeps(tmp_path):
    audio = np.concatenate([tone(1.0, 0.9), tone(1.0, 0.05), tone(1.0, 0.5)])
    sf.write(tmp_path / "a.wav", audio, 16_000, subtype="FLOAT")
    result = predict_recording(loudness, tmp_path / "a.wav", min_peak=0.4)
    kept = clip_windows(audio, min_peak=0.4)
    assert result["segments"][1] is None and len(kept) == 2
    np.testing.assert_allclose([p for p in result["segments"] if p is not None], loudness(kept[..., None]), atol=1e-4)


def test_a_long_recording_streams_with_a_progress_bar(tmp_path, capsys):
    rate = 48_000
    with sf.SoundFile(tmp_path / "long.wav", "w", rate, 2, subtype="PCM_16") as f:
        for _ in range(75):  # 75 s of stereo at 48 kHz, written a second at a time
            f.write(np.stack([tone(1.0, 0.3, rate=rate)] * 2, axis=1))
    result = predict_recording(loudness, tmp_path / "long.wav")
    assert len(result["segments"]) == 75 and result["seconds"] == pytest.approx(75.0)
    assert "long.wav" in capsys.readouterr().err  # the bar, on stderr
    predict_recording(loudness, tmp_path / "long.wav", quiet=True)
    assert capsys.readouterr().err == ""


def test_an_unreadable_recording_raises_naming_it(tmp_path):
    (tmp_path / "bad.mp3").write_bytes(b"ID3" + bytes(100))
    with pytest.raises(CatDogError, match=r"bad\.mp3: not a readable audio file"):
        predict_recording(loudness, tmp_path / "bad.mp3")


def test_run_options_read_the_run_folder(tmp_path):
    assert run_options(tmp_path) == {"normalization": "window", "min_peak": 0.0}
    (tmp_path / "config.json").write_text('{"eval_normalization": "none", "eval_min_peak": 0.4}')
    assert run_options(tmp_path) == {"normalization": "none", "min_peak": 0.4}


def test_every_second_is_reported_and_the_label_follows_the_number_shown(tmp_path):
    sf.write(tmp_path / "a.wav", tone(3.0), 16_000, subtype="FLOAT")
    result = predict_recording(lambda x: np.linspace(0.2, 0.9, len(x)), tmp_path / "a.wav")
    assert result["segments"] == [0.2, 0.55, 0.9]
    assert result["label"] == "dog" and result["p_dog"] == 0.55
    result = predict_recording(lambda x: np.full(len(x), 0.50004), tmp_path / "a.wav")
    assert result["p_dog"] == 0.5 and result["label"] == "cat"  # shown as 0.5, so not called dog
