"""Reading recordings as users bring them: any common format, rate and channel count, in blocks.

Decoding goes through the libraries made for it. `soundfile`_ (libsndfile)
reads WAV in every PCM and float flavour (WAVE_FORMAT_EXTENSIBLE and RF64
included), FLAC, OGG Vorbis and Opus, and MP3; `PyAV`_ (FFmpeg, bundled in its
wheel) reads what libsndfile cannot, such as M4A/AAC from phones, WebM and the
soundtracks of videos. Every block is averaged to mono and resampled to 16 kHz
with `soxr`_ (its "HQ" quality, a streaming resampler), so an hour-long file
never sits in memory at its own rate, and a whole file read at once gives the
same samples as the same file read in blocks.

.. _soundfile: https://python-soundfile.readthedocs.io
.. _PyAV: https://pyav.basswood-io.com
.. _soxr: https://python-soxr.readthedocs.io
"""

from __future__ import annotations

import io
import os
import select
import stat
import wave
from collections.abc import Iterator
from typing import Any, BinaryIO

import numpy as np
import soundfile as sf
import soxr

from ..config import (
    DECODE_BLOCK_SAMPLES,
    DECODE_BLOCK_SECONDS,
    MAX_SAMPLE_MAGNITUDE,
    PIPE_WAIT_SECONDS,
    SAMPLE_RATE,
    CatDogError,
)

__all__ = ["AUDIO_EXTENSIONS", "RESAMPLER_QUALITY", "INT16_SCALE", "AudioReader", "load_audio", "resample", "wav_bytes",
           "int16_samples"]  # fmt: skip

AUDIO_EXTENSIONS = (
    ".wav", ".wave", ".flac", ".ogg", ".oga", ".opus", ".mp3", ".aif", ".aiff", ".caf", ".w64", ".rf64",
    ".m4a", ".aac", ".mp4", ".m4v", ".mov", ".webm", ".mkv", ".3gp", ".amr", ".wma",
)  # fmt: skip
INT16_SCALE = 32767  # a sample in [-1, 1] kept in 16 bits
RESAMPLER_QUALITY = "HQ"  # soxr's high quality: passband to 91% of Nyquist, 144 dB stop band

Source = str | os.PathLike | BinaryIO


def resample(audio: np.ndarray, rate: int, *, sample_rate: int = SAMPLE_RATE) -> np.ndarray:
    """Resample mono ``audio`` from ``rate`` to ``sample_rate`` Hz with soxr; float32 out."""
    if rate == sample_rate:
        return np.asarray(audio, dtype=np.float32)
    return soxr.resample(np.asarray(audio, dtype=np.float32), rate, sample_rate, quality=RESAMPLER_QUALITY)


class AudioReader:
    """An open recording: its native rate, channels and duration, read as mono float32 blocks at 16 kHz.

    Parameters
    ----------
    source : path or binary file
        A file name, or an open binary file. A file that cannot seek (``sys.stdin.buffer``, a pipe) is
        streamed through FFmpeg as it arrives; a named pipe or device is waited for at most
        :data:`~catdog_cnn.config.PIPE_WAIT_SECONDS` for its first bytes.
    name : str
        What messages call the source (default: the path).

    Attributes
    ----------
    rate : int
        The file's own sample rate in Hz.
    channels : int
        Its channel count (averaged to mono when read).
    seconds : float or None
        Its duration by its header, None when the container does not say.
    decoder : {"soundfile", "pyav"}
        Which library reads it.

    Raises
    ------
    CatDogError
        If the file does not exist, cannot be opened, or neither library can decode it.
    """

    def __init__(self, source: Source, *, name: str | None = None) -> None:
        self.name = name or str(source)
        self._source = source
        self._opened: BinaryIO | None = None  # a pipe or device opened here, closed with the reader
        self._sf: sf.SoundFile | None = None
        self._av: Any = None
        self.header_frames: int | None = None
        self._overstated = False
        self.seconds: float | None = None
        self.frames_read = 0
        if isinstance(source, (str, os.PathLike)) and not _is_regular_file(source, self.name):
            source = self._source = self._opened = _open_stream(source, self.name)
        if not isinstance(source, (str, os.PathLike)) and not _seekable(source):
            self._open_with_pyav("it cannot seek in a stream")
            return
        try:
            self._sf = sf.SoundFile(source)
        except (sf.LibsndfileError, RuntimeError, TypeError) as err:
            libsndfile_error = str(err).removeprefix("Error opening ").split(": ", 1)[-1]
            self._open_with_pyav(libsndfile_error)
        else:
            self.decoder, self.rate, self.channels = "soundfile", self._sf.samplerate, self._sf.channels
            self.header_frames = self._sf.frames if self._sf.seekable() else None
            # libsndfile trims a data chunk that claims more bytes than the file has, and notes it in its log
            log = self._sf.extra_info.splitlines()
            self._overstated = any(line.startswith("data") and "should be" in line for line in log)
            self.seconds = self.header_frames / self.rate if self.header_frames is not None else None

    def _open_with_pyav(self, libsndfile_error: str) -> None:
        import av  # FFmpeg is a large library: loaded only for what libsndfile cannot read

        source: Any = self._source
        if isinstance(source, os.PathLike):
            source = str(source)
        elif not isinstance(source, str):
            if _seekable(source):
                source.seek(0)
            else:
                source = _ReadOnly(source)  # FFmpeg reads a pipe front to back when it cannot seek
        try:
            container: Any = av.open(source)
        except (av.FFmpegError, ValueError, OSError) as err:
            raise CatDogError(
                f"{self.name}: not a readable audio file (libsndfile: {libsndfile_error}; FFmpeg: {_first_line(err)}). "
                "Check that it is complete, or convert it to WAV, FLAC or MP3."
            ) from None
        if not container.streams.audio:
            container.close()
            raise CatDogError(f"{self.name}: the file has no audio stream.")
        stream = container.streams.audio[0]
        self._av, self.decoder = container, "pyav"
        self.rate, self.channels = int(stream.rate), int(stream.codec_context.channels)
        if stream.duration is not None and stream.time_base is not None:
            self.seconds = float(stream.duration * stream.time_base)
        elif container.duration:
            self.seconds = container.duration / 1e6

    def __enter__(self) -> AudioReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Release the file."""
        if self._sf is not None:
            self._sf.close()
        if self._av is not None:
            self._av.close()
        if self._opened is not None:
            self._opened.close()

    def _native_blocks(self, frames: int) -> Iterator[np.ndarray]:
        """Blocks of mono samples at the file's own rate (float64 from libsndfile, float32 from FFmpeg)."""
        if self._sf is not None:
            try:
                while len(block := self._sf.read(frames, dtype="float64", always_2d=True)):
                    yield block.mean(axis=1)
            except (sf.LibsndfileError, RuntimeError) as err:
                raise CatDogError(f"{self.name}: decoding failed part-way ({err}); the file may be damaged.") from None
            return
        import av

        stream = self._av.streams.audio[0]
        to_float = av.AudioResampler(format="fltp")  # planar float at the native rate and layout
        try:
            for packet_frame in self._av.decode(stream):
                for frame in to_float.resample(packet_frame):
                    yield frame.to_ndarray().mean(axis=0, dtype=np.float32)
        except av.FFmpegError as err:
            raise CatDogError(f"{self.name}: decoding failed part-way ({_first_line(err)}).") from None

    def blocks(
        self, *, sample_rate: int = SAMPLE_RATE, block_seconds: float = DECODE_BLOCK_SECONDS
    ) -> Iterator[np.ndarray]:
        """Mono float32 blocks at ``sample_rate``, about ``block_seconds`` each (the last one shorter).

        Raises
        ------
        CatDogError
            If a block holds NaN or infinite samples, or decoding fails part-way.
        """
        stream = None if self.rate == sample_rate else soxr.ResampleStream(
            self.rate, sample_rate, 1, dtype="float32", quality=RESAMPLER_QUALITY
        )  # fmt: skip
        # at most DECODE_BLOCK_SAMPLES samples per block, whatever rate and channel count the header declares
        frames = max(1, min(int(block_seconds * self.rate), DECODE_BLOCK_SAMPLES // max(1, self.channels)))
        pending: list[np.ndarray] = []
        pending_frames = 0
        for native in self._native_blocks(frames):
            if not np.all(np.isfinite(native)):
                raise CatDogError(f"{self.name}: the file holds NaN or infinite samples.")
            if len(native) and (peak := float(np.abs(native).max())) > MAX_SAMPLE_MAGNITUDE:
                raise CatDogError(f"{self.name}: holds samples of {peak:.3g} times full scale, over "
                                  f"{MAX_SAMPLE_MAGNITUDE:g}: not a recording of sound.")  # fmt: skip
            block = native.astype(np.float32)
            self.frames_read += len(block)
            pending.append(block)
            pending_frames += len(block)
            if pending_frames >= frames:  # PyAV yields one codec frame at a time: gather them into blocks
                out = np.concatenate(pending)
                pending, pending_frames = [], 0
                yield from _pieces(out if stream is None else stream.resample_chunk(out))
        rest = np.concatenate(pending) if pending else np.zeros(0, dtype=np.float32)
        if stream is not None:
            rest = stream.resample_chunk(rest, last=True)
        yield from _pieces(rest)

    @property
    def ended_early(self) -> bool:
        """True when the file holds less audio than its header promised (a file cut short); read it all first."""
        return self._overstated or (self.header_frames is not None and self.frames_read < self.header_frames)


def _pieces(samples: np.ndarray, size: int = DECODE_BLOCK_SAMPLES) -> Iterator[np.ndarray]:
    """``samples`` in consecutive views of at most ``size``: the resampler holds back its output at rates far
    from audio rates (1 Hz), then gives millions of samples at once."""
    for i in range(0, len(samples), size):
        yield samples[i : i + size]


def _is_regular_file(path: str | os.PathLike, name: str) -> bool:
    """True for a regular file, False for a pipe or character device (read as a stream).

    Raises
    ------
    CatDogError
        If it does not exist, cannot be reached or read, is a folder, or is another kind of file.
    """
    try:
        info = os.stat(path)
    except FileNotFoundError:
        raise CatDogError(f"{name}: no such file.") from None
    except OSError as err:
        raise CatDogError(f"{name}: cannot reach it ({(err.strerror or 'error').lower()}); check the permissions "
                          "of the folders above it.") from None  # fmt: skip
    if stat.S_ISDIR(info.st_mode):
        raise CatDogError(f"{name}: is a directory, not an audio file.")
    if not os.access(path, os.R_OK):
        raise CatDogError(f"{name}: cannot read it (permission denied); check the file's permissions.")
    if stat.S_ISFIFO(info.st_mode) or stat.S_ISCHR(info.st_mode):
        return False
    if not stat.S_ISREG(info.st_mode):
        raise CatDogError(f"{name}: not a regular file (a socket or block device); save the audio to a file.")
    return True


def _open_stream(path: str | os.PathLike, name: str, wait: float | None = None) -> BinaryIO:
    """A named pipe or device opened for reading, once its first bytes arrive within ``wait`` seconds
    (default :data:`~catdog_cnn.config.PIPE_WAIT_SECONDS`)."""
    wait = PIPE_WAIT_SECONDS if wait is None else wait
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)  # opening a pipe with no writer would block here
    ready, _, _ = select.select([fd], [], [], wait)
    if not ready:
        os.close(fd)
        raise CatDogError(f"{name}: a pipe or device that gave no data within {wait:g} s (does anything write to "
                          "it?); skipped.")  # fmt: skip
    os.set_blocking(fd, True)
    return os.fdopen(fd, "rb")


def _seekable(f: BinaryIO) -> bool:
    try:
        return bool(f.seekable())
    except (AttributeError, OSError, ValueError):
        return False


class _ReadOnly:
    """A stream with ``read`` alone, so that FFmpeg reads it front to back and never tries to seek."""

    def __init__(self, stream: BinaryIO) -> None:
        self._stream = stream

    def read(self, n: int = -1) -> bytes:
        return self._stream.read(n)


def _first_line(err: BaseException) -> str:
    """An error's own words: FFmpeg's reason without the errno and file name it adds, or the first line."""
    reason = getattr(err, "strerror", None) or (str(err).splitlines()[0] if str(err) else type(err).__name__)
    return str(reason)


def load_audio(
    source: Source, *, sample_rate: int = SAMPLE_RATE, name: str | None = None, max_seconds: float | None = None
) -> np.ndarray:
    """Decode a recording to mono float32 in [-1, 1] at ``sample_rate``: all of it, or its first ``max_seconds``.

    Any format :class:`AudioReader` reads; several channels are averaged and
    the rate converted with soxr. Reading stops once ``max_seconds`` are in, so
    memory is bounded by it whatever the length of the file.

    Returns
    -------
    np.ndarray, shape (n,)
        float32 samples in [-1, 1].

    Raises
    ------
    CatDogError
        If the file cannot be read or decoded, holds no samples, or holds NaN/inf.
    """
    if isinstance(source, (bytes, bytearray)):
        source = io.BytesIO(source)
    limit = None if max_seconds is None else round(max_seconds * sample_rate)
    parts, total = [], 0
    with AudioReader(source, name=name) as reader:
        for block in reader.blocks(sample_rate=sample_rate):
            parts.append(block if limit is None else block[: limit - total])
            total += len(parts[-1])
            if limit is not None and total >= limit:
                break
    audio = np.concatenate(parts) if parts else np.zeros(0, dtype=np.float32)
    if audio.size == 0:
        raise CatDogError(f"{name or source}: the file holds no audio samples.")
    return np.clip(audio, -1.0, 1.0)


def wav_bytes(x: np.ndarray, *, sample_rate: int = SAMPLE_RATE) -> bytes:
    """16-bit WAV file content of float samples ``x`` (scaled to their peak), for an audio player."""
    x = np.asarray(x, dtype=np.float32).ravel()
    peak = np.abs(x).max() or 1.0
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(sample_rate)
        out.writeframes((x / peak * INT16_SCALE).astype("<i2").tobytes())
    return buffer.getvalue()


def int16_samples(x: np.ndarray) -> np.ndarray:
    """Samples in [-1, 1] (clipped there) as 16-bit integers, rounded: how packed windows and sounds are kept."""
    return np.round(np.clip(x, -1.0, 1.0) * INT16_SCALE).astype("<i2")
