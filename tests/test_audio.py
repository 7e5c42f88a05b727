"""Decoding recordings as users bring them, with files the tests make in every format."""

import io
import struct

import av
import numpy as np
import pytest
import soundfile as sf

from catdog_cnn.config import CatDogError
from catdog_cnn.sound.audio import AudioReader, load_audio, resample

RATE = 44_100


def two_tones(seconds: float = 2.0, rate: int = RATE) -> np.ndarray:
    """Stereo float32, shape (n, 2): 440 Hz at 0.5 on the left, 880 Hz at 0.3 on the right."""
    t = np.arange(int(seconds * rate)) / rate
    return np.stack([0.5 * np.sin(2 * np.pi * 440 * t), 0.3 * np.sin(2 * np.pi * 880 * t)], axis=1).astype(np.float32)


def write_m4a(path, audio: np.ndarray, rate: int = RATE) -> None:
    """AAC in an MP4 container, as a phone's voice memo, encoded with PyAV in 1024-sample frames."""
    with av.open(str(path), "w") as out:
        stream = out.add_stream("aac", rate=rate, layout="stereo")
        planar = np.ascontiguousarray(audio.T)
        for start in range(0, planar.shape[1], 1024):
            frame = av.AudioFrame.from_ndarray(planar[:, start : start + 1024], format="fltp", layout="stereo")
            frame.sample_rate, frame.pts = rate, start
            out.mux(stream.encode(frame))
        out.mux(stream.encode(None))


def tone_level(audio: np.ndarray, freq: float, rate: int = 16_000) -> float:
    """Amplitude of the ``freq`` sine in the middle of ``audio``."""
    middle = audio[len(audio) // 4 : 3 * len(audio) // 4]
    t = np.arange(len(middle)) / rate
    return float(2 * np.abs(np.mean(middle * np.exp(-2j * np.pi * freq * t))))


@pytest.mark.parametrize(
    ("name", "kwargs", "decoder"),
    [
        ("s24.wav", {"subtype": "PCM_24"}, "soundfile"),
        ("f32.wav", {"subtype": "FLOAT"}, "soundfile"),
        ("ext.wav", {"format": "WAVEX", "subtype": "PCM_16"}, "soundfile"),
        ("big.rf64", {"format": "RF64", "subtype": "PCM_16"}, "soundfile"),
        ("a.flac", {}, "soundfile"),
        ("a.ogg", {"format": "OGG", "subtype": "VORBIS"}, "soundfile"),
        ("a.mp3", {"format": "MP3"}, "soundfile"),
        ("memo.m4a", None, "pyav"),
    ],
)
def test_every_format_decodes_to_the_same_mono_16k_audio(tmp_path, name, kwargs, decoder):
    path = tmp_path / name
    if kwargs is None:
        write_m4a(path, two_tones())
    else:
        sf.write(path, two_tones(), RATE, **kwargs)
    with AudioReader(path) as reader:
        assert (reader.decoder, reader.rate, reader.channels) == (decoder, RATE, 2)
        assert reader.seconds == pytest.approx(2.0, abs=0.06)
    audio = load_audio(path)
    assert audio.dtype == np.float32 and audio.ndim == 1
    assert len(audio) == pytest.approx(32_000, abs=1000)  # codecs may add a few ms of priming
    # the channels are averaged: each tone at half its level, whatever the codec
    assert tone_level(audio, 440) == pytest.approx(0.25, abs=0.02)
    assert tone_level(audio, 880) == pytest.approx(0.15, abs=0.02)


def test_blocks_and_a_whole_read_give_the_same_samples(tmp_path):
    sf.write(tmp_path / "a.wav", two_tones(5.0), RATE, subtype="PCM_24")
    whole = load_audio(tmp_path / "a.wav")
    with AudioReader(tmp_path / "a.wav") as reader:
        blocks = list(reader.blocks(block_seconds=0.7))
    assert len(blocks) > 5
    np.testing.assert_array_equal(np.concatenate(blocks), whole)


def test_resampling_keeps_a_tone_and_removes_what_lies_above_the_new_nyquist():
    t = np.arange(48_000) / 48_000
    audio = (0.5 * np.sin(2 * np.pi * 1000 * t) + 0.5 * np.sin(2 * np.pi * 12_000 * t)).astype(np.float32)
    out = resample(audio, 48_000)
    assert len(out) == 16_000
    assert tone_level(out, 1000) == pytest.approx(0.5, abs=0.01)
    assert np.sqrt(np.mean(out**2)) == pytest.approx(0.5 / np.sqrt(2), rel=0.02)  # 12 kHz is gone, not aliased


def wav_header(data_bytes: int, rate: int = 16_000) -> bytes:
    fmt = struct.pack("<HHIIHH", 1, 1, rate, 2 * rate, 2, 16)
    return (
        b"RIFF"
        + struct.pack("<I", 36 + data_bytes)
        + b"WAVEfmt "
        + struct.pack("<I", 16)
        + fmt
        + b"data"
        + (struct.pack("<I", data_bytes))
    )


def test_a_header_claiming_more_data_than_present_reads_what_is_there(tmp_path):
    samples = (3000 * np.sin(np.arange(8000) / 5)).astype("<i2").tobytes()
    (tmp_path / "cut.wav").write_bytes(wav_header(10 * len(samples)) + samples)
    with AudioReader(tmp_path / "cut.wav") as reader:
        audio = np.concatenate(list(reader.blocks()))
        assert reader.ended_early
    assert len(audio) == 8000


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("truncated", "not a readable audio file"),
        ("garbage", "not a readable audio file"),
        ("empty file", "not a readable audio file"),
        ("zero frames", "holds no audio samples"),
        ("nan", "NaN or infinite"),
    ],
)
def test_broken_files_raise_one_clear_error_naming_the_file(tmp_path, content, message):
    path = tmp_path / "broken.wav"
    if content == "truncated":  # the header cut after 20 bytes
        path.write_bytes((wav_header(32000) + bytes(32000))[:20])
    elif content == "garbage":
        path.write_bytes(np.random.default_rng(0).bytes(5000))
    elif content == "empty file":
        path.write_bytes(b"")
    elif content == "zero frames":
        sf.write(path, np.zeros(0, np.float32), 16_000)
    else:
        sf.write(path, np.array([0.1, np.nan, 0.2] * 1000, np.float32), 16_000, subtype="FLOAT")
    with pytest.raises(CatDogError, match=message) as err:
        load_audio(path)
    assert str(err.value).startswith(f"{path}: ")
    assert "\n" not in str(err.value)


def test_a_directory_or_a_missing_file_is_named_as_such(tmp_path):
    (tmp_path / "x.wav").mkdir()
    with pytest.raises(CatDogError, match="is a directory"):
        AudioReader(tmp_path / "x.wav")
    with pytest.raises(CatDogError, match="no such file"):
        AudioReader(tmp_path / "missing.wav")


def test_an_in_memory_file_reads_like_a_path(tmp_path):
    sf.write(tmp_path / "a.flac", two_tones(1.0), RATE)
    from_bytes = load_audio(io.BytesIO((tmp_path / "a.flac").read_bytes()), name="-")
    np.testing.assert_array_equal(from_bytes, load_audio(tmp_path / "a.flac"))


def test_a_file_without_read_permission_says_so(tmp_path, monkeypatch):
    sf.write(tmp_path / "locked.wav", np.zeros(100, np.float32), 16_000)
    monkeypatch.setattr(
        "catdog_cnn.sound.audio.os.access", lambda path, mode: False
    )  # as chmod 000 would, even for root
    with pytest.raises(CatDogError, match="cannot read it \\(permission denied\\)"):
        AudioReader(tmp_path / "locked.wav")


def test_load_audio_stops_after_max_seconds(tmp_path):
    import soundfile as sf

    from catdog_cnn.sound.audio import load_audio

    x = np.sin(np.arange(44_100 * 4) / 10).astype(np.float32)
    sf.write(tmp_path / "x.flac", x, 44_100)
    first = load_audio(tmp_path / "x.flac", max_seconds=1.5)
    whole = load_audio(tmp_path / "x.flac")
    assert len(first) == 24_000 and len(whole) == 64_000
    np.testing.assert_array_equal(first, whole[:24_000])
