"""``nemotron-omni ask`` with every modality, as a user runs it (a subprocess).

The media are made here: a picture (Pillow), speech (espeak-ng), a video with sound (PyAV)
and a multi-page PDF (reportlab). Each run goes to the demo server or to a
``FakeNemotronServer`` standing in for a real endpoint, and the test reads what arrived.
"""

from __future__ import annotations

import base64
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from langchain_nemotron_omni.demo import DEMO_LABEL
from langchain_nemotron_omni.media.sniff import sniff
from langchain_nemotron_omni.testing import FakeNemotronServer
from tests import media_samples as ms
from tests.user_env import user_env

REPLY = "I looked at everything.\n</think>\nA chart, a spoken sentence, a clip and a report."


def ask_server(
    server: FakeNemotronServer, *args: str | Path, cwd: Path
) -> subprocess.CompletedProcess[str]:
    """``ask`` pointed at ``server`` (its served name, ``nemotron``)."""
    return ask("--base-url", server.base_url, "--model", "nemotron", *args, cwd=cwd)


def ask(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - our own interpreter and module
        [sys.executable, "-m", "langchain_nemotron_omni.cli", "ask", *map(str, args)],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=user_env(),
        timeout=120,
        check=False,
    )


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("ask")
    picture = folder / "chart.png"
    picture.write_bytes(ms.image_bytes(size=(96, 64)))
    speech = ms.espeak_wav(folder / "speech.wav", "The quarterly revenue was forty two million.")
    if speech is None:
        pytest.fail("espeak-ng is not installed (scripts/test installs it)")
    return {
        "image": picture,
        "speech": speech,
        "video": ms.write_video(folder / "clip.mp4", seconds=2.0),
        "webm": ms.write_video(
            folder / "clip.webm",
            seconds=2.0,
            container="webm",
            video_codec="libvpx",
            audio_codec="libopus",
        ),
        "pdf": ms.write_pdf(folder / "report.pdf", ["Revenue: 42 million", "Costs", "Outlook"]),
        "notes": _write(folder / "notes.txt", "Meeting notes: revenue up.\n"),
    }


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def _wire(part: dict[str, Any]) -> tuple[str, str]:
    """A part as (type, what it carries): text, or the MIME type sniffed from its bytes."""
    kind = part["type"]
    if kind == "text":
        return kind, part["text"]
    url = part[kind]["url"]
    if url.startswith("data:"):
        return kind, sniff(base64.b64decode(url.partition(",")[2])[:4096]).mime_type
    return kind, url


def test_demo_mode_says_what_it_received(files: dict[str, Path]) -> None:
    order = ("image", "speech", "video", "pdf", "notes")
    result = ask("What is in these?", *(files[k] for k in order), cwd=files["image"].parent)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert out.startswith("Demo mode: no endpoint configured.")
    listing = out.split("attachment(s):\n", 1)[1].split("\nConnect a real endpoint")[0]
    lines = listing.splitlines()
    assert lines[0].startswith("- image: PNG, 96x64, ")
    assert lines[1].startswith("- audio: WAV, ")
    seconds = float(lines[1].split(", ")[1].removesuffix(" s"))
    assert 1.5 < seconds < 6  # espeak-ng's sentence
    assert lines[2].startswith("- video: MP4, 2.0 s, with sound, ")
    assert lines[3].startswith("- PDF: 3 page(s) (1, 2, 3) as JPEG images, ")
    assert lines[4] == "- text file notes.txt, 27 characters"
    assert "I received your question (17 characters) and 5 attachment(s):" in out
    assert out.count(DEMO_LABEL) == 2


def test_against_an_endpoint_each_modality_arrives_as_its_part(files: dict[str, Path]) -> None:
    order = ("image", "speech", "video", "pdf", "notes")
    with FakeNemotronServer([REPLY]) as server:
        result = ask_server(
            server,
            "--fps",
            "2",
            "--pages",
            "1,3",
            "What is in these?",
            *(files[k] for k in order),
            cwd=files["image"].parent,
        )
        body = server.requests[0].body
    assert result.returncode == 0, result.stderr
    assert "Demo mode" not in result.stdout
    assert "A chart, a spoken sentence, a clip and a report." in result.stdout
    parts = [_wire(part) for part in body["messages"][-1]["content"]]
    assert parts == [
        ("image_url", "image/png"),
        ("audio_url", "audio/wav"),
        ("video_url", "video/mp4"),
        ("text", "Page 1:"),
        ("image_url", "image/jpeg"),
        ("text", "Page 3:"),
        ("image_url", "image/jpeg"),
        ("text", "File notes.txt:\n```\nMeeting notes: revenue up.\n\n```"),
        ("text", "What is in these?"),
    ]
    assert body["media_io_kwargs"] == {"video": {"fps": 2.0, "num_frames": 512}}


def test_the_videos_sound_and_file_transport(files: dict[str, Path]) -> None:
    root = files["video"].parent
    with FakeNemotronServer([REPLY], allowed_local_media_path=root) as server:
        result = ask_server(
            server,
            "--audio-in-video",
            "--transport",
            "file",
            "--media-root",
            root,
            "Describe the clip.",
            files["video"],
            cwd=root,
        )
        body = server.requests[0].body
    assert result.returncode == 0, result.stderr
    (video, question) = body["messages"][-1]["content"]
    assert video["video_url"]["url"] == files["video"].resolve().as_uri()
    assert question == {"type": "text", "text": "Describe the clip."}
    assert body["mm_processor_kwargs"] == {"use_audio_in_video": True}


def test_urls_are_sent_as_urls(tmp_path: Path) -> None:
    with FakeNemotronServer([REPLY]) as server:
        result = ask_server(
            server,
            "What is this?",
            "https://example.com/photos/cat.jpg",
            "https://example.com/talk.mp4",
            cwd=tmp_path,
        )
        content = server.requests[0].body["messages"][-1]["content"]
    assert result.returncode == 0, result.stderr
    assert [_wire(part) for part in content[:2]] == [
        ("image_url", "https://example.com/photos/cat.jpg"),
        ("video_url", "https://example.com/talk.mp4"),
    ]


def test_json_prints_answer_reasoning_and_usage(files: dict[str, Path]) -> None:
    with FakeNemotronServer([REPLY]) as server:
        result = ask_server(
            server,
            "--json",
            "What is this?",
            files["image"],
            cwd=files["image"].parent,
        )
    assert result.returncode == 0, result.stderr
    reply = json.loads(result.stdout)
    assert reply["answer"] == "A chart, a spoken sentence, a clip and a report."
    assert reply["reasoning"] == "I looked at everything."
    assert reply["usage"]["output_tokens"] > 0
    assert reply["usage"]["input_tokens"] > 0
    assert reply["finish_reason"] == "stop"
    assert reply["demo"] is False


def test_json_in_demo_mode_says_so(files: dict[str, Path]) -> None:
    result = ask("--json", "What is this?", files["pdf"], cwd=files["pdf"].parent)
    assert result.returncode == 0, result.stderr
    reply = json.loads(result.stdout)
    assert reply["demo"] is True
    assert "PDF: 3 page(s)" in reply["answer"]


def test_long_media_work_shows_progress(files: dict[str, Path]) -> None:
    result = ask("What happens?", files["webm"], files["pdf"], cwd=files["pdf"].parent)
    assert result.returncode == 0, result.stderr
    progress = result.stderr.splitlines()
    converting = [line for line in progress if "converting to MP4" in line]
    assert converting[0].endswith("converting to MP4: 0.0 / 2.0 s")
    assert converting[-1].endswith("converting to MP4: 2.0 / 2.0 s")
    rendering = [line for line in progress if "rendering pages" in line]
    assert rendering[0].endswith("rendering pages: 0 of 3")
    assert rendering[-1].endswith("rendering pages: 3 of 3")
    # The converted video is what the demo server got.
    assert "- video: MP4, " in result.stdout


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("broken.png", ms.image_bytes()[:60], "cannot be decoded"),
        ("broken.mp4", b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 64, "cannot be read as video"),
        ("broken.pdf", b"%PDF-1.7\n1 0 obj\n<<", "not a readable PDF"),
        ("data.bin", b"\x00\x01\x02\xfe\xff binary", "neither a UTF-8 text file nor"),
        ("missing.wav", None, "no such file"),
    ],
)
def test_a_bad_file_is_one_line(
    tmp_path: Path, name: str, content: bytes | None, message: str
) -> None:
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    result = ask("What is this?", path, cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1, result.stderr
    assert result.stderr.startswith("nemotron-omni: ")
    assert message in result.stderr
    assert result.stdout == "", "the error comes before any output"


def test_a_url_of_unknown_kind_is_one_line(tmp_path: Path) -> None:
    result = ask("What is this?", "https://example.com/download?id=3", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1
    assert "download it and pass the file" in result.stderr
