"""Media preparation: memory for a 200 MB video, and what the cache saves on screenshots.

(a) Peak memory preparing one ~200 MB MP4 for sending, inline (a base64 data URL; target
<= 3x the file size) and by ``file://`` (target <= 50 MB). Each case runs in a fresh
process; the figures are the ``tracemalloc`` peak and the growth of the peak RSS over the
process's state after imports.
(b) Time to prepare one conversation holding the same 1920x1080 PNG screenshot 50 times,
with the media cache off, on (cold) and on again (warm: the next turn of an agent).

Run: `uv run python bench/media_transport.py [--video-mb 200]`.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np

MB = 1024 * 1024

_CHILD = """
import json, resource, sys, tracemalloc
from pathlib import Path
from langchain_core.messages import HumanMessage
from langchain_nemotron_omni.media import MediaCache, MediaOptions, prepare_messages, video
from langchain_nemotron_omni.providers import PROVIDERS

path, transport = Path(sys.argv[1]), sys.argv[2]
options = MediaOptions(transport=transport, allowed_local_media_path=path.parent, cache=False)
message = HumanMessage(content=[video(path)])
base_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
tracemalloc.start()
vllm = PROVIDERS["vllm"]
(out,) = prepare_messages([message], provider=vllm, options=options, cache=MediaCache())
_, peak = tracemalloc.get_traced_memory()
tracemalloc.stop()
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 - base_rss
url = out.content[0]["video_url"]["url"]
print(json.dumps({"peak": peak, "rss": rss, "url_len": len(url), "scheme": url[:5]}))
"""


def make_big_mp4(path: Path, target_bytes: int) -> Path:
    """A real H.264 MP4 of random noise (lossless, so it barely compresses)."""
    import av  # noqa: PLC0415

    width, height, fps = 1280, 720, 25
    rng = np.random.default_rng(0)
    noise = [rng.integers(0, 255, (height, width, 3), dtype=np.uint8) for _ in range(8)]
    with av.open(str(path), mode="w", format="mp4") as out:
        stream = out.add_stream("libx264", rate=fps)
        assert isinstance(stream, av.VideoStream)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        stream.options = {"preset": "ultrafast", "crf": "0"}
        index = 0
        written = 0
        while written < target_bytes:
            frame = av.VideoFrame.from_ndarray(noise[index % len(noise)], format="rgb24")
            frame.pts, frame.time_base = index, Fraction(1, fps)
            for packet in stream.encode(frame):
                written += packet.size
                out.mux(packet)
            index += 1
        out.mux(stream.encode(None))
    return path


def measure_video(path: Path, transport: str) -> dict[str, Any]:
    result = subprocess.run(  # noqa: S603  # our own interpreter and script
        [sys.executable, "-c", _CHILD, str(path), transport],
        check=True,
        capture_output=True,
        text=True,
    )
    data: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    return data


def screenshot_png() -> bytes:
    import io  # noqa: PLC0415

    from PIL import Image, ImageDraw  # noqa: PLC0415

    # A UI-like screenshot: flat panels, text-like noise strips (compresses like real ones).
    image = Image.new("RGB", (1920, 1080), (245, 246, 248))
    draw = ImageDraw.Draw(image)
    rng = np.random.default_rng(3)
    for row in range(40, 1080, 24):
        for col in range(40, 1880, 300):
            width = int(rng.integers(60, 260))
            draw.rectangle((col, row, col + width, row + 10), fill=(40, 40, 40))
    pixels = np.asarray(image).copy()
    pixels[600:900, 200:700] = rng.integers(0, 255, (300, 500, 3), dtype=np.uint8)  # a photo
    out = io.BytesIO()
    Image.fromarray(pixels).save(out, format="PNG")
    return out.getvalue()


def time_screenshots(turns: int) -> tuple[int, dict[str, float]]:
    from langchain_core.messages import AIMessage, BaseMessage, HumanMessage  # noqa: PLC0415

    from langchain_nemotron_omni.media import (  # noqa: PLC0415
        MediaCache,
        MediaOptions,
        image,
        prepare_messages,
    )
    from langchain_nemotron_omni.providers import PROVIDERS  # noqa: PLC0415

    png = screenshot_png()
    messages: list[BaseMessage] = []
    for turn in range(turns):
        text: dict[str, Any] = {"type": "text", "text": f"step {turn}"}
        messages.append(HumanMessage(content_blocks=[text, image(png)]))  # type: ignore[list-item]
        messages.append(AIMessage(content="clicked"))
    vllm = PROVIDERS["vllm"]
    times: dict[str, float] = {}
    start = time.perf_counter()
    prepare_messages(messages, provider=vllm, options=MediaOptions(cache=False), cache=MediaCache())
    times["cache off"] = time.perf_counter() - start
    cache = MediaCache()
    start = time.perf_counter()
    prepare_messages(messages, provider=vllm, cache=cache)
    times["cache on, cold"] = time.perf_counter() - start
    start = time.perf_counter()
    prepare_messages(messages, provider=vllm, cache=cache)
    times["cache on, warm (next turn)"] = time.perf_counter() - start
    return len(png), times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--video-mb", type=int, default=200)
    parser.add_argument("--turns", type=int, default=50)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="media-bench-") as scratch:
        start = time.perf_counter()
        path = make_big_mp4(Path(scratch) / "big.mp4", args.video_mb * MB)
        size = path.stat().st_size
        print(f"made {path.name}: {size / MB:.0f} MB in {time.perf_counter() - start:.1f} s\n")
        print(f"(a) preparing a {size / MB:.0f} MB MP4")
        print(
            f"{'transport':<10} {'tracemalloc peak':>17} {'x file':>7} {'RSS growth':>11} "
            f"{'x file':>7} {'target':>14} {'sent':>12}"
        )
        for transport, target in (("inline", 3 * size), ("file", 50 * MB)):
            result = measure_video(path, transport)
            verdict = "ok" if max(result["peak"], result["rss"]) <= target else "OVER"
            target_text = f"<= {target / MB:.0f} MB {verdict}"
            print(
                f"{transport:<10} {result['peak'] / MB:>14.0f} MB {result['peak'] / size:>7.2f} "
                f"{result['rss'] / MB:>8.0f} MB {result['rss'] / size:>7.2f} {target_text:>14} "
                f"{result['scheme'] + '…':>12}"
            )

    png_size, times = time_screenshots(args.turns)
    print(
        f"\n(b) one conversation with the same 1920x1080 PNG ({png_size / 1000:.0f} KB) "
        f"{args.turns} times"
    )
    base = times["cache off"]
    for name, seconds in times.items():
        print(f"{name:<28} {seconds * 1000:>9.1f} ms {base / seconds:>7.1f}x")
    peak_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\npeak RSS of this process: {peak_rss:.0f} MB")


if __name__ == "__main__":
    main()
