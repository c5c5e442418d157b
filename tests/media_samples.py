"""Media made on the spot for the media tests: images, video, audio, speech and PDFs.

Everything is generated with Pillow, PyAV, numpy and reportlab, so no fixture files are
checked in. Video and audio makers need PyAV (the ``[video]`` extra); speech needs the
``espeak-ng`` program.
"""

from __future__ import annotations

import base64
import hashlib
import io
import math
import shutil
import subprocess
from fractions import Fraction
from pathlib import Path
from typing import Any

import av
import numpy as np
from langchain_core.messages import HumanMessage
from PIL import Image, ImageDraw

from langchain_nemotron_omni.media import MediaCache, MediaOptions, prepare_messages
from langchain_nemotron_omni.providers import PROVIDERS


def user(*parts: Any, **fields: Any) -> HumanMessage:
    """A user message holding ``parts`` (blocks from the helpers, raw dicts, strings)."""
    return HumanMessage(content=list(parts), **fields)


def image_bytes(fmt: str = "PNG", size: tuple[int, int] = (64, 48), **save: Any) -> bytes:
    """A small picture with a gradient and a red square, encoded as ``fmt``."""
    width, height = size
    image = Image.new("RGB", size, (30, 90, 160))
    draw = ImageDraw.Draw(image)
    draw.rectangle((width // 4, height // 4, width // 2, height // 2), fill=(220, 30, 30))
    if fmt == "GIF":
        image = image.convert("P")
    out = io.BytesIO()
    image.save(out, format=fmt, **save)
    return out.getvalue()


def screenshot_png(size: tuple[int, int] = (1920, 1080)) -> bytes:
    """A screenshot-like PNG: noisy enough that PNG cannot shrink it to nothing."""
    rng = np.random.default_rng(7)
    pixels = rng.integers(0, 255, (size[1], size[0], 3), dtype=np.uint8)
    pixels[:, :, 2] = 200  # some structure, like a UI colour
    out = io.BytesIO()
    Image.fromarray(pixels).save(out, format="PNG", compress_level=1)
    return out.getvalue()


def _tone(seconds: float, rate: int, channels: int = 1, freq: float = 440.0) -> np.ndarray:
    t = np.arange(int(seconds * rate)) / rate
    wave = (0.3 * np.sin(2 * math.pi * freq * t)).astype(np.float32)
    return np.tile(wave, (channels, 1))


def write_video(  # noqa: PLR0913
    path: Path,
    *,
    seconds: float = 1.0,
    fps: int = 10,
    size: tuple[int, int] = (64, 48),
    audio: bool = True,
    container: str = "mp4",
    video_codec: str = "libx264",
    audio_codec: str = "aac",
    noise: bool = False,
) -> Path:
    """Write a short video (moving bar, optional 440 Hz tone) with PyAV."""
    rng = np.random.default_rng(1)
    with av.open(str(path), mode="w", format=container) as out:
        vstream = out.add_stream(video_codec, rate=fps)
        assert isinstance(vstream, av.VideoStream)
        vstream.width, vstream.height = size
        vstream.pix_fmt = "yuv420p"
        if noise:
            vstream.options = {"preset": "ultrafast", "crf": "0"}
        astream: av.AudioStream | None = None
        if audio:
            added = out.add_stream(audio_codec, rate=48_000, layout="mono")
            assert isinstance(added, av.AudioStream)
            astream = added
        frames = int(seconds * fps)
        for index in range(frames):
            if noise:
                pixels = rng.integers(0, 255, (size[1], size[0], 3), dtype=np.uint8)
            else:
                pixels = np.zeros((size[1], size[0], 3), dtype=np.uint8)
                pixels[:, (index * 4) % size[0] :, 1] = 200
            frame = av.VideoFrame.from_ndarray(pixels, format="rgb24")
            frame.pts = index
            frame.time_base = Fraction(1, fps)
            out.mux(vstream.encode(frame))
        out.mux(vstream.encode(None))
        if astream is not None:
            samples = _tone(seconds, 48_000)
            frame_size = 960
            for start in range(0, samples.shape[1], frame_size):
                chunk = np.ascontiguousarray(samples[:, start : start + frame_size])
                aframe = av.AudioFrame.from_ndarray(chunk, format="fltp", layout="mono")
                aframe.sample_rate = 48_000
                aframe.pts = start
                aframe.time_base = Fraction(1, 48_000)
                out.mux(astream.encode(aframe))
            out.mux(astream.encode(None))
    return path


def write_audio(  # noqa: PLR0913
    path: Path,
    *,
    seconds: float = 1.0,
    fmt: str = "wav",
    codec: str | None = None,
    rate: int | None = None,
    amplitude: float = 0.3,
) -> Path:
    """Write a 440 Hz tone as ``fmt`` (wav, mp3, flac, ogg, mp4...) with PyAV."""
    codecs = {"wav": "pcm_s16le", "mp3": "libmp3lame", "flac": "flac", "ogg": "libopus"}
    codec = codec or codecs[fmt]
    rate = rate or (48_000 if codec in {"libopus", "aac"} else 44_100)
    chunk = 1024 if codec in {"libopus", "aac", "libmp3lame"} else 8192
    with av.open(str(path), mode="w", format=fmt) as out:
        stream = out.add_stream(codec, rate=rate, layout="mono")
        assert isinstance(stream, av.AudioStream)
        total = int(seconds * rate)
        for start in range(0, total, chunk):
            count = min(chunk, total - start)
            t = (np.arange(start, start + count) / rate).astype(np.float32)
            wave = (amplitude * np.sin(2 * math.pi * 440.0 * t)).astype(np.float32)[None, :]
            frame = av.AudioFrame.from_ndarray(wave, format="fltp", layout="mono")
            frame.sample_rate = rate
            frame.pts = start
            frame.time_base = Fraction(1, rate)
            out.mux(stream.encode(frame))
        out.mux(stream.encode(None))
    return path


def espeak_wav(path: Path, text: str) -> Path | None:
    """Speech from ``espeak-ng`` as WAV, or ``None`` when ``espeak-ng`` is not installed."""
    program = shutil.which("espeak-ng")
    if program is None:
        return None
    subprocess.run([program, "-w", str(path), text], check=True, capture_output=True)  # noqa: S603
    return path


def write_pdf(path: Path, pages: list[str], *, labels: bool = False, outline: bool = False) -> Path:
    """A text PDF, one string per page; optionally roman page labels and an outline."""
    from reportlab.lib.pagesizes import letter  # type: ignore[import-untyped]  # noqa: PLC0415
    from reportlab.pdfgen import canvas  # type: ignore[import-untyped]  # noqa: PLC0415

    pdf = canvas.Canvas(str(path), pagesize=letter)
    if labels:
        # Front matter i, ii; then 1, 2, ... from the third page.
        pdf.addPageLabel(0, style="ROMAN_LOWER")
        pdf.addPageLabel(2, style="ARABIC", start=1)
    for number, text in enumerate(pages, 1):
        pdf.setFont("Helvetica", 24)
        pdf.drawString(72, 700, text)
        if outline:
            pdf.bookmarkPage(f"p{number}")
            pdf.addOutlineEntry(f"Section {number}", f"p{number}", level=0)
        pdf.showPage()
    pdf.save()
    return path


def write_scanned_pdf(path: Path, page_count: int = 2) -> Path:
    """A PDF whose pages are only images (no text layer), like a scan."""
    images = []
    for number in range(page_count):
        page = Image.new("RGB", (850, 1100), "white")
        draw = ImageDraw.Draw(page)
        draw.rectangle((100, 100 + number * 50, 700, 200 + number * 50), fill="black")
        images.append(page)
    images[0].save(path, format="PDF", save_all=True, append_images=images[1:], resolution=100)
    return path


def write_encrypted_pdf(path: Path) -> Path:
    """A PDF that needs a password to open."""
    from reportlab.lib import pdfencrypt  # type: ignore[import-untyped]  # noqa: PLC0415
    from reportlab.pdfgen import canvas  # noqa: PLC0415

    encrypt = pdfencrypt.StandardEncryption("secret", ownerPassword="owner", strength=128)
    pdf = canvas.Canvas(str(path), encrypt=encrypt)
    pdf.drawString(72, 700, "classified")
    pdf.showPage()
    pdf.save()
    return path


# -- preparing one message --------------------------------------------------------------------

NO_UUID = MediaOptions(uuid=False)


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def data_bytes(url: str) -> bytes:
    return base64.b64decode(url.partition(",")[2])


def run(
    *parts: Any, provider: str = "vllm", options: MediaOptions = NO_UUID, **kwargs: Any
) -> list[Any]:
    """Prepare one user message; returns its content."""
    (message,) = prepare_messages(
        [user(*parts)],
        provider=PROVIDERS[provider],  # type: ignore[index]
        options=options,
        cache=MediaCache(),
        **kwargs,
    )
    assert isinstance(message.content, list)
    return message.content
