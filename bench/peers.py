"""What ChatOpenAI and ChatNVIDIA keep or lose with Nemotron 3 Nano Omni, next to ours.

Every client talks to the same ``FakeNemotronServer`` (vLLM 0.20's wire format, or a server
without parsers), case by case, in one run; the table says what reached the caller or the
server. ChatNVIDIA is measured when ``langchain-nvidia-ai-endpoints`` is installed (it is not
a dependency of this package):

    uv run --with langchain-nvidia-ai-endpoints python bench/peers.py

The figures in ``docs/why-not-chatopenai-or-chatnvidia.md`` come from this script.
"""

from __future__ import annotations

import argparse
import base64
import functools
import json
import sys
import tempfile
from collections.abc import Callable
from importlib import metadata
from pathlib import Path
from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, ToolMessage
from langchain_core.tools import tool
from langchain_openai import ChatOpenAI

from langchain_nemotron_omni import ChatNemotronOmni
from langchain_nemotron_omni.testing import FakeNemotronServer

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests import media_samples  # the tests' media makers (Pillow, PyAV)

THOUGHT = "The user greets me; a short answer will do.\n</think>\nHello!"
CALL = (
    "<tool_call>\n<function=get_weather>\n<parameter=city>\nParis\n</parameter>\n"
    "</function>\n</tool_call>\n"
)

Make = Callable[[FakeNemotronServer], BaseChatModel]


@tool
def get_weather(city: str) -> str:
    """The weather in a city."""
    return f"Sunny in {city}."


def _clients() -> dict[str, Make]:
    clients: dict[str, Make] = {
        "ChatNemotronOmni": lambda s: ChatNemotronOmni(base_url=s.base_url, model="nemotron"),
        "ChatOpenAI": lambda s: ChatOpenAI(base_url=s.base_url, model="nemotron", api_key="x"),
    }
    try:
        from langchain_nvidia_ai_endpoints import ChatNVIDIA  # noqa: PLC0415
    except ImportError:
        sys.stderr.write("langchain-nvidia-ai-endpoints is not installed: ChatNVIDIA skipped\n")
    else:
        clients["ChatNVIDIA"] = lambda s: ChatNVIDIA(
            base_url=s.base_url, model="nemotron", api_key="x"
        )
    return clients


def _reasoning(message: BaseMessage) -> str:
    found = [str(v) for k, v in message.additional_kwargs.items() if "reasoning" in k and v]
    blocks = message.content_blocks if isinstance(message, AIMessage) else []
    found += [str(b.get("reasoning", "")) for b in blocks if b.get("type") == "reasoning"]
    return " ".join(found)


def _kept(message: BaseMessage) -> str:
    return "kept" if "greets me" in _reasoning(message) else "lost"


def reasoning_invoke(make: Make) -> str:
    with FakeNemotronServer([THOUGHT]) as server:
        return _kept(make(server).invoke("Hi"))


def reasoning_stream(make: Make) -> str:
    with FakeNemotronServer([THOUGHT]) as server:
        chunks = list(make(server).stream("Hi"))
    total = chunks[0]
    for chunk in chunks[1:]:
        total += chunk
    return _kept(total)


def answer_text(make: Make) -> str:
    with FakeNemotronServer([THOUGHT]) as server:
        return repr(make(server).invoke("Hi").text)


def thinking_sent(make: Make) -> str:
    with FakeNemotronServer([THOUGHT]) as server:
        make(server).invoke("Hi")
        kwargs = server.requests[0].body.get("chat_template_kwargs")
    return "sent" if kwargs and "enable_thinking" in kwargs else "left to the server default"


def default_max_tokens(make: Make) -> str:
    with FakeNemotronServer([THOUGHT]) as server:
        make(server).invoke("Hi")
        return str(server.requests[0].body.get("max_tokens", "none"))


def stream_usage(make: Make) -> str:
    with FakeNemotronServer([THOUGHT]) as server:
        chunks = list(make(server).stream("Hi"))
    return "yes" if any(getattr(c, "usage_metadata", None) for c in chunks) else "no"


def _calls(make: Make, text: str, flavor: str = "vllm") -> str:
    with FakeNemotronServer([text], flavor=flavor) as server:  # type: ignore[arg-type]
        reply = make(server).bind_tools([get_weather]).invoke("Weather in Paris?")
    assert isinstance(reply, AIMessage)
    calls = [(c["name"], c["args"]) for c in reply.tool_calls]
    return "parsed" if calls == [("get_weather", {"city": "Paris"})] else "lost"


def tool_call_server_parsed(make: Make) -> str:
    return _calls(make, f"I need the weather tool.\n</think>\n{CALL}")


def tool_call_no_server_parser(make: Make) -> str:
    return _calls(make, f"I need the weather tool.\n</think>\n{CALL}", flavor="raw")


def tool_call_inside_thought(make: Make) -> str:
    return _calls(make, f"I need the weather tool.\n{CALL}</think>\n")


def reasoning_sent_back(make: Make) -> str:
    script = [f"I need the weather tool.\n</think>\n{CALL}", "Got it.\n</think>\nSunny."]
    with FakeNemotronServer(script) as server:
        model = make(server).bind_tools([get_weather])
        history: list[BaseMessage] = [HumanMessage("Weather in Paris?")]
        reply = model.invoke(history)
        assert isinstance(reply, AIMessage)
        history += [reply, ToolMessage("Sunny.", tool_call_id=reply.tool_calls[0]["id"])]
        model.invoke(history)
        assistant = server.requests[1].body["messages"][1]
    sent = [k for k in ("reasoning", "reasoning_content") if assistant.get(k)]
    return f"sent ({', '.join(sent)})" if sent else "dropped"


def _media(make: Make, *, block: dict[str, Any]) -> str:
    with FakeNemotronServer(["Seen.\n</think>\nDone."]) as server:
        make(server).invoke([HumanMessage(content=[{"type": "text", "text": "?"}, block])])
        parts = server.requests[0].body["messages"][-1]["content"]
    return ", ".join(p["type"] for p in parts if p["type"] != "text") or "nothing sent"


def _b64(path: Path) -> str:
    return base64.b64encode(path.read_bytes()).decode()


def media_cases(folder: Path) -> dict[str, Callable[[Make], str]]:
    png = folder / "a.png"
    png.write_bytes(media_samples.image_bytes())
    mp4 = media_samples.write_video(folder / "a.mp4")
    wav = media_samples.write_audio(folder / "a.wav")
    pdf = media_samples.write_pdf(folder / "a.pdf", ["One", "Two"])
    blocks = {
        "image block (PNG)": {"type": "image", "base64": _b64(png), "mime_type": "image/png"},
        "video block (MP4)": {"type": "video", "base64": _b64(mp4), "mime_type": "video/mp4"},
        "audio block (WAV)": {"type": "audio", "base64": _b64(wav), "mime_type": "audio/wav"},
        "audio block (URL)": {"type": "audio", "url": "https://example.com/a.mp3"},
        "PDF block": {"type": "file", "base64": _b64(pdf), "mime_type": "application/pdf"},
    }
    return {name: functools.partial(_media, block=block) for name, block in blocks.items()}


def _verdict(case: Callable[[Make], str], make: Make) -> str:
    """The case's result, or the error it ended in (a refusal is a result too)."""
    try:
        return case(make)
    except Exception as error:  # noqa: BLE001
        status = getattr(error, "status_code", None)
        name = f"HTTP {status}" if status else type(error).__name__
        return f"error ({name}: {' '.join(str(error).split())[:70]})"


CASES: dict[str, Callable[[Make], str]] = {
    "reasoning, invoke": reasoning_invoke,
    "reasoning, stream": reasoning_stream,
    "answer text": answer_text,
    "enable_thinking in the request": thinking_sent,
    "max_tokens sent by default": default_max_tokens,
    "usage at the end of a stream": stream_usage,
    "tool call, vLLM parser": tool_call_server_parsed,
    "tool call, server without a tool parser": tool_call_no_server_parser,
    "tool call written inside the thought": tool_call_inside_thought,
    "reasoning of a tool loop sent back": reasoning_sent_back,
}


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "(not installed)"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    args = parser.parse_args()
    clients = _clients()
    with tempfile.TemporaryDirectory() as folder:
        cases = {**CASES, **media_cases(Path(folder))}
        results = {
            case: {name: _verdict(run, make) for name, make in clients.items()}
            for case, run in cases.items()
        }
    if args.json:
        print(json.dumps(results, indent=2))
        return
    names = list(clients)
    packages = ("langchain-core", "langchain-openai", "langchain-nvidia-ai-endpoints")
    print(", ".join(f"{p} {_version(p)}" for p in packages) + "\n")
    print("| case | " + " | ".join(f"`{n}`" for n in names) + " |")
    print("|---" * (len(names) + 1) + "|")
    for case, row in results.items():
        print(f"| {case} | " + " | ".join(row[n] for n in names) + " |")


if __name__ == "__main__":
    main()
