import shutil
import struct
import wave

import numpy as np
import pytest
from scipy.io import wavfile

from catdog_cnn.config import DATA_ENV, CatDogError
from catdog_cnn.sound.data import (
    Clip,
    Split,
    check_layout,
    cross_validation_splits,
    fewer_training_files,
    find_data_dir,
    format_census,
    load_split,
    load_wav,
    read_split_table,
    split_summary,
    wav_format,
)
from catdog_cnn.sound.fetch import fetch_data
from conftest import tone


def write_24bit(path, samples: np.ndarray, rate: int) -> None:
    ints = np.round(samples * (2**23 - 1)).astype(np.int32)
    raw = b"".join(struct.pack("<i", int(v))[:3] for v in ints)
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(3)
        w.setframerate(rate)
        w.writeframes(raw)


@pytest.mark.parametrize(
    "dtype, scale, offset",
    [(np.uint8, 127, 128), (np.int16, 32767, 0), (np.int32, 2**31 - 1, 0), (np.float32, 1, 0), (np.float64, 1, 0)],
)
def test_load_wav_decodes_every_sample_format(tmp_path, dtype, scale, offset):
    x = tone(440, 0.5, 0.8)
    path = tmp_path / "a.wav"
    wavfile.write(path, 16000, (x * scale + offset).astype(dtype))
    y = load_wav(path)
    assert y.dtype == np.float32 and y.shape == x.shape
    np.testing.assert_allclose(y, x, atol=0.02)


def test_load_wav_decodes_24_bit_pcm(tmp_path):
    x = tone(440, 0.25, 0.8)
    write_24bit(tmp_path / "a.wav", x, 16000)
    np.testing.assert_allclose(load_wav(tmp_path / "a.wav"), x, atol=1e-5)


def test_load_wav_downmixes_and_resamples(tmp_path):
    left, right = tone(440, 1.0, 0.6, rate=44100), tone(440, 1.0, 0.2, rate=44100)
    wavfile.write(tmp_path / "s.wav", 44100, np.stack([left, right], axis=1))
    y = load_wav(tmp_path / "s.wav")
    assert y.shape == (16000,)
    # the 440 Hz tone survives resampling at the average amplitude
    spectrum = np.abs(np.fft.rfft(y))
    assert np.argmax(spectrum) == 440
    assert abs(np.abs(y[1000:-1000]).max() - 0.4) < 0.02


def test_load_wav_clips_float_files_to_unit_range(tmp_path):
    wavfile.write(tmp_path / "f.wav", 16000, np.array([0.5, 2.0, -3.0], np.float32))
    np.testing.assert_array_equal(load_wav(tmp_path / "f.wav"), [0.5, 1.0, -1.0])


@pytest.mark.parametrize(
    "content, message",
    [
        (b"this is not audio at all", "not a readable audio file"),
        (None, "holds no audio"),
        ("nan", "NaN or infinite"),
    ],
)
def test_load_wav_rejects_broken_files_naming_them(tmp_path, content, message):
    path = tmp_path / "broken.wav"
    if content is None:
        wavfile.write(path, 16000, np.zeros(0, np.int16))
    elif content == "nan":
        wavfile.write(path, 16000, np.array([0.1, np.nan, 0.2], np.float32))
    else:
        path.write_bytes(content)
    with pytest.raises(CatDogError, match=message) as err:
        load_wav(path)
    assert str(err.value).startswith(str(path))


def test_missing_data_error_is_one_line_fitting_how_the_folder_was_named(tmp_path, monkeypatch):
    monkeypatch.delenv(DATA_ENV, raising=False)
    monkeypatch.setattr("catdog_cnn.sound.data.DEFAULT_DATA_DIR", tmp_path / "default")
    with pytest.raises(CatDogError) as err:
        find_data_dir()  # named by nobody: the three ways
    text = str(err.value)
    assert "catdog-cnn fetch-data" in text and DATA_ENV in text and "--data-dir" in text and "\n" not in text
    with pytest.raises(CatDogError) as err:
        find_data_dir(tmp_path / "nowhere")  # named by the user: download it there, no other place suggested
    text = str(err.value)
    assert f"fetch-data --data-dir {tmp_path / 'nowhere'}" in text and "cache" not in text and "\n" not in text
    monkeypatch.setenv(DATA_ENV, str(tmp_path / "env"))
    with pytest.raises(CatDogError, match=rf"\${DATA_ENV} names it"):
        find_data_dir()


def test_find_data_dir_prefers_argument_then_environment(tmp_path, monkeypatch, real_data_dir):
    monkeypatch.setenv(DATA_ENV, str(real_data_dir))
    assert find_data_dir() == real_data_dir.resolve()
    with pytest.raises(CatDogError):
        find_data_dir(tmp_path)  # the explicit argument wins, even when wrong


def fake_kaggle(tree):
    """A stand-in for kagglehub: 'downloads' by returning a local folder shaped like Kaggle's."""
    return lambda handle: tree


def test_fetch_data_copies_and_verifies_a_download(tmp_path, real_data_dir):
    download = tmp_path / "cache" / "versions" / "1"
    shutil.copytree(real_data_dir / "cats_dogs", download / "cats_dogs")
    shutil.copy(real_data_dir / "train_test_split.csv", download)
    dest = fetch_data(tmp_path / "data" / "audio-cats-and-dogs", download=fake_kaggle(tmp_path / "cache"))
    assert check_layout(dest) == dest
    assert len(list((dest / "cats_dogs").glob("*.wav"))) == 277


def test_fetch_data_rejects_a_corrupt_download(tmp_path, real_data_dir):
    download = tmp_path / "cache"
    shutil.copytree(real_data_dir / "cats_dogs", download / "cats_dogs")
    shutil.copy(real_data_dir / "train_test_split.csv", download)
    (download / "cats_dogs" / "cat_1.wav").write_bytes(b"RIFF garbage")
    dest = tmp_path / "data"
    with pytest.raises(CatDogError, match="cat_1.wav: checksum mismatch"):
        fetch_data(dest, download=fake_kaggle(download))
    assert not dest.exists()  # nothing half-copied is left behind


def test_fetch_data_offline_says_the_three_other_ways_in_one_line(tmp_path):
    def offline(handle):  # what requests raises inside kagglehub with no network
        raise ConnectionError("HTTPSConnectionPool(host='www.kaggle.com', port=443): Max retries exceeded\nmore")

    with pytest.raises(CatDogError) as err:
        fetch_data(tmp_path / "data", download=offline)
    message = str(err.value)
    assert message.startswith("downloading the dataset failed (ConnectionError: HTTPSConnectionPool")
    assert "\n" not in message and "Max retries exceeded)" in message
    for way in (
        DATA_ENV,
        "--data-dir",
        "https://www.kaggle.com/datasets/mmoreaux/audio-cats-and-dogs",
        "cats_dogs/*.wav",
    ):
        assert way in message
    assert not (tmp_path / "data").exists()


def test_fetch_data_offline_keeps_the_whole_reason(tmp_path):
    reason = (
        "HTTPSConnectionPool(host='www.kaggle.com', port=443): Max retries exceeded with url: /api/v1/datasets/"
        'view/mmoreaux/audio-cats-and-dogs (Caused by NameResolutionError("<urllib3.connection.HTTPSConnection '
        "object at 0x7f>: Failed to resolve 'www.kaggle.com' ([Errno -3] Temporary failure in name resolution)\"))"
    )

    def offline(handle):
        raise ConnectionError(reason)

    with pytest.raises(CatDogError) as err:
        fetch_data(tmp_path / "data", download=offline)
    assert f"(ConnectionError: {reason})" in str(err.value)


def test_fetch_data_reports_an_unexpected_layout(tmp_path):
    (tmp_path / "cache").mkdir()
    with pytest.raises(CatDogError, match="train_test_split.csv"):
        fetch_data(tmp_path / "data", download=fake_kaggle(tmp_path / "cache"))


@pytest.mark.realdata
def test_split_table_matches_the_dataset(real_data_dir):
    table = read_split_table(real_data_dir)
    assert {k: len(v) for k, v in table.items()} == {"train_cat": 115, "train_dog": 64, "test_cat": 49, "test_dog": 49}


@pytest.mark.realdata
def test_split_detects_the_leaked_duplicate(real_split):
    assert real_split.dropped == [("dog_barking_15.wav", "dog_barking_14.wav", "test")]
    assert len(real_split.test) == 97


@pytest.mark.realdata
@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_the_leak_is_dropped_whichever_side_its_twin_falls_on(real_data_dir, seed):
    from catdog_cnn.sound.data import load_split

    split = load_split(real_data_dir, seed=seed)
    assert [name for name, _, side in split.dropped if side == "test"] == ["dog_barking_15.wav"]
    assert len(split.test) == 97
    assert len(split.train) + len(split.validation) == 179


@pytest.mark.realdata
def test_split_keeps_files_on_one_side_and_is_stratified(real_split):
    train = {c.name for c in real_split.train}
    val = {c.name for c in real_split.validation}
    test = {c.name for c in real_split.test}
    assert not (train & val) and not (train & test) and not (val & test)
    assert len(train) + len(val) == 179
    assert sum(c.label == 1 for c in real_split.validation) == round(0.2 * 64)
    assert sum(c.label == 0 for c in real_split.validation) == round(0.2 * 115)


@pytest.mark.realdata
def test_split_is_seeded(real_data_dir):
    a = [c.name for c in load_split(real_data_dir, seed=3).validation]
    b = [c.name for c in load_split(real_data_dir, seed=3).validation]
    c = [c.name for c in load_split(real_data_dir, seed=4).validation]
    assert a == b and a != c


@pytest.mark.realdata
def test_loading_never_writes_into_the_data_dir(real_data_dir):
    before = sorted((p.name, p.stat().st_mtime) for p in real_data_dir.rglob("*"))
    load_split(real_data_dir)
    assert sorted((p.name, p.stat().st_mtime) for p in real_data_dir.rglob("*")) == before


def test_wav_format_reads_the_header(tmp_path):
    wavfile.write(tmp_path / "s.wav", 22050, np.zeros((100, 2), np.int16))
    assert wav_format(tmp_path / "s.wav") == (22050, 2, "int16")


@pytest.mark.realdata
def test_every_file_is_16k_mono_16bit(real_data_dir):
    assert format_census(real_data_dir) == {(16000, 1, "int16"): 277}


def test_split_summary_counts_files_and_seconds(synthetic_clips):
    split = Split(train=synthetic_clips, validation=[], test=synthetic_clips[:1], dropped=[])
    rows = split_summary(split)
    assert rows[0] == {"side": "train", "class": "cat", "files": 3, "seconds": 7.5}
    assert rows[1] == {"side": "train", "class": "dog", "files": 2, "seconds": 6.0}
    assert rows[4]["files"] == 1 and rows[2]["files"] == 0


def test_fewer_training_files_keeps_a_share_of_each_class(synthetic_clips):
    split = Split(train=synthetic_clips, validation=synthetic_clips[:1], test=synthetic_clips[1:2], dropped=[])
    half = fewer_training_files(split, 0.5, seed=3)
    assert sorted(c.label for c in half.train) == [0, 0, 1]  # 2 of 3 cats (1.5 rounded to even), 1 of 2 dogs
    assert {c.name for c in half.train} < {c.name for c in synthetic_clips}
    assert half.validation == split.validation and half.test == split.test
    assert [c.name for c in fewer_training_files(split, 0.5, seed=3).train] == [c.name for c in half.train]
    assert fewer_training_files(split, 1.0).train == synthetic_clips  # all of them, in the same order
    with pytest.raises(CatDogError, match="fraction of training files"):
        fewer_training_files(split, 0.0)


def test_cross_validation_tests_every_file_once_and_never_trains_on_it():
    clips = [Clip(f"cat_{i}.wav", 0, np.zeros(10, np.float32)) for i in range(13)]
    clips += [Clip(f"dog_barking_{i}.wav", 1, np.zeros(10, np.float32)) for i in range(7)]
    splits = cross_validation_splits(clips, 3, validation_fraction=0.25, seed=1)
    tested = [c.name for s in splits for c in s.test]
    assert sorted(tested) == sorted(c.name for c in clips)  # each file a test file exactly once
    for s in splits:
        sides = [{c.name for c in side} for side in (s.train, s.validation, s.test)]
        assert sum(map(len, sides)) == len(clips) and not (sides[0] & sides[1] or sides[0] & sides[2])
        assert sorted(c.label for c in s.test).count(1) in (2, 3)  # 7 dogs dealt to 3 folds
        assert len(s.validation) == round(0.25 * sum(c.label == 0 for c in s.train + s.validation)) + round(
            0.25 * sum(c.label == 1 for c in s.train + s.validation)
        )
    again = cross_validation_splits(clips, 3, validation_fraction=0.25, seed=1)
    assert [[c.name for c in s.test] for s in again] == [[c.name for c in s.test] for s in splits]
    other = cross_validation_splits(clips, 3, validation_fraction=0.25, seed=2)
    assert [[c.name for c in s.test] for s in other] != [[c.name for c in s.test] for s in splits]
    with pytest.raises(CatDogError, match="n_folds"):
        cross_validation_splits(clips, 8)  # more folds than dogs
