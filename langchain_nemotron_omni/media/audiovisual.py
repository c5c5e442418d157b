"""Video and audio with PyAV: probing (streams, duration) and converting to MP4 or WAV.

PyAV bundles FFmpeg (about 100 MB), so it is an optional extra, imported only when a video
or audio file has to be checked or converted.
"""

from __future__ import annotations

import importlib.util
import io
from dataclasses import dataclass
from fractions import Fraction
from typing import TYPE_CHECKING, Any, cast

from langchain_nemotron_omni.extras import require
from langchain_nemotron_omni.media.errors import (
    CorruptMediaError,
    MissingMediaDependencyError,
    UnsupportedMediaError,
)
from langchain_nemotron_omni.media.progress import Reporter

if TYPE_CHECKING:
    from pathlib import Path
    from types import ModuleType

    from av.audio.frame import AudioFrame
    from av.container import InputContainer
    from av.video.frame import VideoFrame

# Codecs an MP4 holds that vLLM's decoders read: such files are remuxed, not re-encoded.
_MP4_VIDEO_CODECS = frozenset({"h264", "hevc", "mpeg4"})
_MP4_AUDIO_CODECS = frozenset({"aac", "mp3", "mp3float"})
# The model's sound encoder works on 16 kHz mono; converting to that keeps WAVs small.
WAV_RATE = 16_000


@dataclass(frozen=True)
class AVInfo:
    """What probing a video or audio file found.

    Attributes:
        duration: Seconds, or ``None`` when neither the header nor the packets tell.
        has_video: There is a video stream.
        has_audio: There is an audio stream.
        video_codec: The first video stream's codec name.
        audio_codec: The first audio stream's codec name.
    """

    duration: float | None
    has_video: bool
    has_audio: bool
    video_codec: str | None = None
    audio_codec: str | None = None


def require_av(purpose: str) -> ModuleType:
    """Import PyAV, or explain how to install it.

    Raises:
        MissingMediaDependencyError: PyAV is not installed.
    """
    return require(
        "av",
        extra="video",
        purpose=purpose,
        error=MissingMediaDependencyError,
        hint="or pass MediaOptions(check=False) to send MP4/WAV/MP3/FLAC unchecked",
    )


def av_installed() -> bool:
    """Whether PyAV can be imported (without importing it)."""
    return importlib.util.find_spec("av") is not None


def _open_input(source: Path | bytes, *, what: str) -> InputContainer:
    av = require_av(f"Checking {what}")
    target: Any = io.BytesIO(source) if isinstance(source, bytes) else str(source)
    try:
        container: InputContainer = av.open(target, mode="r")
    except av.FFmpegError as exc:
        msg = (
            f"{what} cannot be read as video or audio ({exc}). The file is damaged or "
            "truncated: record or export it again."
        )
        raise CorruptMediaError(msg) from exc
    return container


def probe(source: Path | bytes, *, what: str) -> AVInfo:
    """Open a video or audio file, decode its first frame and measure its duration.

    Raises:
        MissingMediaDependencyError: PyAV is not installed.
        CorruptMediaError: FFmpeg cannot demux or decode it.
    """
    av = require_av(f"Checking {what}")
    with _open_input(source, what=what) as container:
        video = container.streams.video[0] if container.streams.video else None
        audio = container.streams.audio[0] if container.streams.audio else None
        first = video or audio
        if first is None:
            msg = f"{what} holds no video or audio stream. Check that it is the right file."
            raise CorruptMediaError(msg)
        try:
            decoded = next(iter(container.decode(first)), None)
        except av.FFmpegError as exc:
            msg = f"{what} cannot be decoded ({exc}). The file is damaged: export it again."
            raise CorruptMediaError(msg) from exc
        if decoded is None:
            msg = f"{what} has a stream but no frames in it. Record or export it again."
            raise CorruptMediaError(msg)
        duration = _duration(container)
        if duration is None:
            container.seek(0)
            duration = _duration_from_packets(container, what=what)
        return AVInfo(
            duration=duration,
            has_video=video is not None,
            has_audio=audio is not None,
            video_codec=video.codec_context.name if video is not None else None,
            audio_codec=audio.codec_context.name if audio is not None else None,
        )


def _duration(container: InputContainer) -> float | None:
    if container.duration is not None and container.duration > 0:
        return float(container.duration) / 1_000_000
    longest: float | None = None
    for stream in container.streams:
        if stream.duration is not None and stream.time_base is not None:
            seconds = float(stream.duration * stream.time_base)
            longest = seconds if longest is None else max(longest, seconds)
    return longest


def _duration_from_packets(container: InputContainer, *, what: str) -> float | None:
    # Live recordings (MediaRecorder WebM) often carry no duration: read the last timestamp.
    av = require_av(f"Checking {what}")
    end: float | None = None
    try:
        for packet in container.demux():
            if packet.pts is None or packet.time_base is None:
                continue
            stop = float((packet.pts + (packet.duration or 0)) * packet.time_base)
            end = stop if end is None else max(end, stop)
    except av.FFmpegError as exc:
        msg = f"{what} is damaged part-way through ({exc}). Record or export it again."
        raise CorruptMediaError(msg) from exc
    return end


def to_mp4(source: Path | bytes, target: Path, info: AVInfo, *, what: str) -> None:
    """Write ``source`` to ``target`` as MP4: remuxed if its codecs fit, else H.264/AAC.

    Raises:
        MissingMediaDependencyError: PyAV is not installed.
        CorruptMediaError: Decoding failed part-way.
        UnsupportedMediaError: The file has no video stream.
    """
    av = require_av(f"Converting {what} to MP4")
    if not info.has_video:
        msg = f"{what} has no picture, only sound. Send it as audio instead of video."
        raise UnsupportedMediaError(msg)
    remux = info.video_codec in _MP4_VIDEO_CODECS and (
        not info.has_audio or info.audio_codec in _MP4_AUDIO_CODECS
    )
    progress = Reporter(what, "converting to MP4", total=info.duration, unit="s")
    try:
        with (
            _open_input(source, what=what) as inp,
            av.open(str(target), mode="w", format="mp4") as out,
        ):
            if remux:
                _remux(inp, out, progress)
            else:
                _transcode(inp, out, progress)
        progress.finish()
    except av.FFmpegError as exc:
        target.unlink(missing_ok=True)
        msg = f"{what} could not be converted to MP4 ({exc}). Convert it yourself to MP4."
        raise CorruptMediaError(msg) from exc


def _seconds(packet: Any) -> float:
    """Where a packet sits in the media, in seconds (0 when it does not say)."""
    if packet.pts is None or packet.time_base is None:
        return 0.0
    return float(packet.pts * packet.time_base)


def _remux(inp: InputContainer, out: Any, progress: Reporter) -> None:
    streams = [inp.streams.video[0], *inp.streams.audio[:1]]
    mapping = {stream.index: out.add_stream_from_template(stream) for stream in streams}
    for packet in inp.demux(streams):
        if packet.dts is None:  # the demuxer's end-of-stream marker
            continue
        progress.advance(_seconds(packet))
        packet.stream = mapping[packet.stream.index]
        out.mux(packet)


def _transcode(inp: InputContainer, out: Any, progress: Reporter) -> None:
    vin = inp.streams.video[0]
    vout = out.add_stream("libx264", rate=vin.average_rate or Fraction(25))
    vout.width = max(2, vin.codec_context.width // 2 * 2)  # yuv420p needs even sizes
    vout.height = max(2, vin.codec_context.height // 2 * 2)
    vout.pix_fmt = "yuv420p"
    vout.options = {"preset": "veryfast", "crf": "23"}
    # The input's time base keeps variable frame rates (screen recordings) exact.
    vout.codec_context.time_base = vin.time_base
    ain = inp.streams.audio[0] if inp.streams.audio else None
    aout = None
    if ain is not None:
        layout = "mono" if ain.codec_context.layout.nb_channels == 1 else "stereo"
        aout = out.add_stream("aac", rate=ain.codec_context.sample_rate or 48_000, layout=layout)
    last_pts: int | None = None
    streams = [vin] if ain is None else [vin, ain]
    for packet in inp.demux(streams):
        progress.advance(_seconds(packet))
        is_video = packet.stream.type == "video"
        for decoded in packet.decode():
            if is_video:
                frame = cast("VideoFrame", decoded)
                if frame.pts is None or (last_pts is not None and frame.pts <= last_pts):
                    continue  # x264 refuses timestamps that do not increase
                last_pts = frame.pts
                image = frame.reformat(width=vout.width, height=vout.height, format="yuv420p")
                image.pts, image.time_base = frame.pts, frame.time_base
                out.mux(vout.encode(image))
            elif aout is not None:
                sound = cast("AudioFrame", decoded)
                sound.pts = None  # let the encoder count samples
                out.mux(aout.encode(sound))
    out.mux(vout.encode(None))
    if aout is not None:
        out.mux(aout.encode(None))


def to_wav(source: Path | bytes, target: Path, *, what: str, duration: float | None = None) -> None:
    """Write the first audio stream of ``source`` to ``target`` as 16 kHz mono 16-bit WAV.

    ``duration`` (seconds, when known) lets progress reports say how far along it is.

    Raises:
        MissingMediaDependencyError: PyAV is not installed.
        CorruptMediaError: Decoding failed part-way.
        UnsupportedMediaError: The file has no audio stream.
    """
    av = require_av(f"Converting {what} to WAV")
    try:
        with _open_input(source, what=what) as inp:
            if not inp.streams.audio:
                msg = f"{what} has no sound track. Send it as a video or image instead."
                raise UnsupportedMediaError(msg)
            progress = Reporter(what, "converting to WAV", total=duration, unit="s")
            with av.open(str(target), mode="w", format="wav") as out:
                _write_wav(av, inp, out, progress)
            progress.finish()
    except av.FFmpegError as exc:
        target.unlink(missing_ok=True)
        msg = f"{what} could not be converted to WAV ({exc}). Convert it yourself to WAV."
        raise CorruptMediaError(msg) from exc


def _write_wav(av: ModuleType, inp: InputContainer, out: Any, progress: Reporter) -> None:
    aout = out.add_stream("pcm_s16le", rate=WAV_RATE, layout="mono")
    resampler = av.AudioResampler(format="s16", layout="mono", rate=WAV_RATE)
    for frame in inp.decode(inp.streams.audio[0]):
        progress.advance(frame.time or 0.0)
        for chunk in resampler.resample(frame):
            out.mux(aout.encode(chunk))
    for chunk in resampler.resample(None):
        out.mux(aout.encode(chunk))
    out.mux(aout.encode(None))
