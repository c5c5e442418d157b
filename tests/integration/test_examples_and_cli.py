"""The examples and the command line, run as a user would run them."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from langchain_nemotron_omni.demo import DEMO_LABEL
from langchain_nemotron_omni.testing import FakeNemotronServer
from langchain_nemotron_omni.testing.fal_server import FakeFalServer, FalReply
from tests.media_samples import write_audio, write_pdf
from tests.user_env import user_env

ROOT = Path(__file__).resolve().parents[2]


def _run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - our own interpreter and scripts
        [sys.executable, *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env or user_env(),
        timeout=60,
        check=False,
    )


def test_reasoning_on_off_example() -> None:
    result = _run("examples/reasoning_on_off.py")
    assert result.returncode == 0, result.stderr
    on, off = result.stdout.split("thinking off")
    assert "thought: 17 * 23 = 17 * 20 + 17 * 3 = 340 + 51 = 391." in on
    assert f"answer:  {DEMO_LABEL} 17 * 23 = 391." in on
    assert "thought: None" in off
    assert "391" in off


def test_reasoning_budget_example() -> None:
    result = _run("examples/reasoning_budget.py")
    assert result.returncode == 0, result.stderr
    assert "Consider case 0." in result.stdout
    assert "case 199" not in result.stdout
    assert f"answer: {DEMO_LABEL} Plan the trip by train." in result.stdout


def test_cli_demo_mode_labels_answers_and_explains_how_to_connect(tmp_path: Path) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("Quarterly revenue: 42 million.\n", encoding="utf-8")
    result = _run("-m", "langchain_nemotron_omni.cli", "ask", "What was the revenue?", str(notes))
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert out.startswith("Demo mode: no endpoint configured.")
    assert "NVIDIA_API_KEY=" in out
    assert "--- thinking ---" in out
    assert "--- answer ---" in out
    assert "notes.txt" in out
    assert out.count(DEMO_LABEL) == 2  # in the answer and after it


def test_cli_against_an_endpoint_streams_thought_and_answer() -> None:
    with FakeNemotronServer(["Looking at it.\n</think>\nIt is 42."]) as server:
        result = _run(
            "-m",
            "langchain_nemotron_omni.cli",
            "ask",
            "--base-url",
            server.base_url,
            "--model",
            "nemotron",
            "--no-thinking",
            "Answer?",
        )
        body = server.requests[0].body
    assert result.returncode == 0, result.stderr
    assert "Demo mode" not in result.stdout
    assert DEMO_LABEL not in result.stdout
    assert "It is 42." in result.stdout
    assert body["chat_template_kwargs"] == {"enable_thinking": False}


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00binary", "cannot be decoded"),
        (b"\x00\x01binary\xff", "neither a UTF-8 text file nor"),
        (None, "no such file"),
    ],
)
def test_cli_bad_file_is_a_clear_error(tmp_path: Path, content: bytes | None, message: str) -> None:
    path = tmp_path / "input.bin"
    if content is not None:
        path.write_bytes(content)
    result = _run("-m", "langchain_nemotron_omni.cli", "ask", "What is this?", str(path))
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_cli_shows_fal_queue_progress() -> None:
    reply = FalReply("Thinking.\n</think>\nDone on fal.", queue_polls=2)
    with FakeFalServer([reply], api_key="fal-test-key") as server:
        result = _run(
            "-m",
            "langchain_nemotron_omni.cli",
            "ask",
            "--provider",
            "fal",
            "--base-url",
            server.base_url,
            "Hello",
            env=user_env(FAL_KEY="fal-test-key"),
        )
    assert result.returncode == 0, result.stderr
    assert "fal: in queue (position 1)" in result.stderr
    assert "fal:   Loading model" in result.stderr
    assert "fal: completed" in result.stderr
    assert "Done on fal." in result.stdout
    assert "fal-test-key" not in result.stdout + result.stderr


def test_cli_doc_qa_demo(tmp_path: Path) -> None:
    report = write_pdf(
        tmp_path / "report.pdf",
        ["Introduction", "The quarterly revenue was 42 million dollars.", "Closing remarks"],
    )
    result = _run(
        "-m", "langchain_nemotron_omni.cli", "doc-qa", str(report), "What was the revenue?"
    )
    assert result.returncode == 0, result.stderr
    assert "Demo mode" in result.stdout
    # Three pages would all go to a model in one call, as images; the demo model reads text,
    # so it searches and reads, and answers from the page it read.
    assert "[demo] The quarterly revenue was 42 million dollars." in result.stdout
    assert "Sources: report.pdf p. 2\n" in result.stdout
    assert "Path: tools, ended by answer." in result.stdout
    assert result.stdout.rstrip().endswith(DEMO_LABEL)


def test_cli_doc_qa_refuses_a_file_that_is_not_a_pdf(tmp_path: Path) -> None:
    fake = tmp_path / "report.pdf"
    fake.write_text("not a pdf")
    result = _run("-m", "langchain_nemotron_omni.cli", "doc-qa", str(fake), "Anything?")
    assert result.returncode == 2
    assert "report.pdf" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.browser
def test_cli_computer_use_demo(tmp_path: Path) -> None:
    result = _run(
        "-m",
        "langchain_nemotron_omni.cli",
        "computer-use",
        "Press the demo button",
        "--run-dir",
        str(tmp_path / "run"),
        "--max-steps",
        "5",
    )
    assert "Demo mode" in result.stdout, result.stderr
    assert "Traceback" not in result.stderr
    assert list((tmp_path / "run").rglob("*.png")), "each step saves its screenshot"


def test_tool_calling_example() -> None:
    result = _run("examples/tool_calling.py")
    assert result.returncode == 0, result.stderr
    assert "tool call: get_weather({'city': 'Paris', 'days': 2})" in result.stdout
    assert "Paris: sunny, 21C, for the next 2 day(s)." in result.stdout


def test_structured_output_example() -> None:
    result = _run("examples/structured_output.py")
    assert result.returncode == 0, result.stderr
    assert "parsed: vendor='Acme Tools GmbH' total=1250.0 due='2026-12-15'" in result.stdout
    assert "thought: The schema asks for ['due', 'total', 'vendor']" in result.stdout


def test_media_inputs_example(tmp_path: Path) -> None:
    clip = write_audio(tmp_path / "note.flac", fmt="flac")
    result = _run("examples/media_inputs.py", str(clip))
    assert result.returncode == 0, result.stderr
    assert "Parts: ['audio_url']" in result.stdout
    result = _run("examples/media_inputs.py")
    assert "Parts: ['image_url']" in result.stdout
