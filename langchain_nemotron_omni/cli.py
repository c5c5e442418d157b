"""The ``nemotron-omni`` command line.

``nemotron-omni ask "question" [FILE ...]`` asks the model, streaming its thought and its
answer. With no endpoint configured it runs a demo against the bundled scripted server and
says so on every answer.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.messages import HumanMessage

from langchain_nemotron_omni.agents.computer_use.cli import add_parser as add_computer_use
from langchain_nemotron_omni.chat_models import FAL_QUEUE_EVENT, ChatNemotronOmni
from langchain_nemotron_omni.demo import DEMO_LABEL, HOW_TO_CONNECT, endpoint_or_demo
from langchain_nemotron_omni.errors import NemotronOmniError
from langchain_nemotron_omni.extras import MissingExtraError
from langchain_nemotron_omni.providers import PROVIDERS

if TYPE_CHECKING:
    from collections.abc import Sequence
    from uuid import UUID

    from langchain_core.runnables import RunnableConfig

    from langchain_nemotron_omni.testing import ChatRequest

_MAX_TEXT_FILE = 2_000_000


class CLIError(NemotronOmniError):
    """A usage problem the command line reports without a traceback."""


def read_text_file(path: Path) -> str:
    """A text file's contents for the prompt, or a clear error saying why not."""
    if not path.is_file():
        msg = f"{path}: no such file"
        raise CLIError(msg)
    size = path.stat().st_size
    if size > _MAX_TEXT_FILE:
        msg = f"{path}: {size:,} bytes is too large to paste into a prompt (limit 2 MB)"
        raise CLIError(msg)
    data = path.read_bytes()
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        msg = (
            f"{path}: not a UTF-8 text file. This version of nemotron-omni passes text files "
            "only; images, audio, video and PDFs come with media support."
        )
        raise CLIError(msg) from None


def build_message(question: str, files: Sequence[Path]) -> HumanMessage:
    """The user turn: each file in a fenced block named after it, then the question."""
    parts = [f"File {path.name}:\n```\n{read_text_file(path)}\n```" for path in files]
    return HumanMessage("\n\n".join([*parts, question]))


def demo_reply(request: ChatRequest) -> str:
    """What the demo server 'thinks' and answers: it describes what it was sent."""
    text = request.last_user_text or ""
    files = [line.split(":", 1)[0][5:] for line in text.splitlines() if line.startswith("File ")]
    question = text.rsplit("\n\n", 1)[-1].strip()
    seen = f" and {len(files)} file(s): {', '.join(files)}" if files else ""
    thought = (
        f"The user asked {question!r}{seen}. This is the scripted demo server, "
        "so I will describe the request instead of answering it."
    )
    answer = (
        f"{DEMO_LABEL}\nI received your question ({len(question)} characters){seen}. "
        "Connect a real endpoint to get the model's answer."
    )
    return f"{thought}\n</think>\n{answer}"


def _model_params(args: argparse.Namespace) -> dict[str, Any]:
    params: dict[str, Any] = {"thinking": not args.no_thinking}
    for name in ("provider", "base_url", "model", "reasoning_budget", "max_tokens"):
        if (value := getattr(args, name)) is not None:
            params[name] = value
    # The library sends a hosted provider's key from the environment only to that
    # provider's own URL; whoever types both --provider and --base-url chose the address.
    spec = PROVIDERS.get(args.provider) if args.provider else None
    if spec is not None and spec.key_env and args.base_url and os.environ.get(spec.key_env):
        params["api_key"] = os.environ[spec.key_env]
    return params


def ask(args: argparse.Namespace, out: TextIO) -> int:
    """Run ``nemotron-omni ask``."""
    message = build_message(args.question, [Path(p) for p in args.files])
    with endpoint_or_demo(demo_reply, **_model_params(args)) as (params, demo):
        if demo:
            out.write(f"Demo mode: no endpoint configured.\n{HOW_TO_CONNECT}\n\n")
        llm = ChatNemotronOmni(**params)
        _stream_answer(llm, message, out, show_reasoning=not args.hide_reasoning)
        if demo:
            out.write(f"\n{DEMO_LABEL}\n")
    return 0


class QueueProgress(BaseCallbackHandler):
    """Prints fal queue updates (position, logs) to stderr while a request waits."""

    def __init__(self, err: TextIO) -> None:
        """Write progress lines to ``err``."""
        self._err = err
        self._last = ""

    def on_custom_event(
        self,
        name: str,
        data: Any,
        *,
        run_id: UUID,  # noqa: ARG002
        tags: list[str] | None = None,  # noqa: ARG002
        metadata: dict[str, Any] | None = None,  # noqa: ARG002
        **kwargs: Any,  # noqa: ARG002
    ) -> None:
        """Show a status change or new log lines."""
        if name != FAL_QUEUE_EVENT:
            return
        status = str(data.get("status", ""))
        if status == "IN_QUEUE":
            line = f"fal: in queue (position {data.get('queue_position')})"
        else:
            line = f"fal: {status.lower().replace('_', ' ')}"
        if line != self._last:
            self._err.write(line + "\n")
            self._last = line
        for log in data.get("logs") or ():
            self._err.write(f"fal:   {log}\n")
        self._err.flush()


def _stream_answer(
    llm: ChatNemotronOmni, message: HumanMessage, out: TextIO, *, show_reasoning: bool
) -> None:
    section = ""
    config: RunnableConfig = {"callbacks": [QueueProgress(sys.stderr)]}
    # fal's queue has no token stream, and LangChain hands callbacks (the queue progress)
    # only to invoke: ask it whole there.
    chunks = (
        llm.stream([message], config=config)
        if llm.spec.openai_compatible
        else [llm.invoke([message], config=config)]
    )
    for chunk in chunks:
        reasoning = chunk.additional_kwargs.get("reasoning_content")
        if reasoning and show_reasoning:
            if section != "thinking":
                out.write("--- thinking ---\n")
                section = "thinking"
            out.write(str(reasoning))
        if chunk.content:
            if section != "answer":
                out.write(("\n" if section else "") + "--- answer ---\n")
                section = "answer"
            out.write(str(chunk.content))
        out.flush()
    out.write("\n")


def parser() -> argparse.ArgumentParser:
    """The argument parser (exposed for tests and documentation)."""
    root = argparse.ArgumentParser(
        prog="nemotron-omni", description="NVIDIA Nemotron 3 Nano Omni from the command line."
    )
    commands = root.add_subparsers(dest="command", required=True)
    ask_parser = commands.add_parser("ask", help="ask a question, optionally about files")
    ask_parser.add_argument("question")
    ask_parser.add_argument("files", nargs="*", help="text files to ask about")
    ask_parser.add_argument("--provider", choices=list(PROVIDERS), default=None)
    ask_parser.add_argument("--base-url", default=None)
    ask_parser.add_argument("--model", default=None)
    ask_parser.add_argument("--no-thinking", action="store_true", help="answer without thinking")
    ask_parser.add_argument("--reasoning-budget", type=int, default=None, metavar="TOKENS")
    ask_parser.add_argument("--max-tokens", type=int, default=None)
    ask_parser.add_argument("--hide-reasoning", action="store_true")
    _add_doc_qa(commands)
    add_computer_use(commands)
    return root


def _add_doc_qa(commands: Any) -> None:
    """``doc-qa``, or, without the ``agents`` extra, a stand-in that says how to install it."""
    try:
        from langchain_nemotron_omni.agents.document_qa.cli import (  # noqa: PLC0415
            add_parser,
        )
    except MissingExtraError as missing:
        reason = str(missing)
        stand_in = commands.add_parser(
            "doc-qa", help=f"answer questions about PDFs (needs: {missing.install})"
        )
        stand_in.add_argument("rest", nargs=argparse.REMAINDER, help=argparse.SUPPRESS)

        def unavailable(_args: argparse.Namespace, _out: TextIO) -> int:
            raise CLIError(reason)

        stand_in.set_defaults(handler=unavailable)
    else:
        add_parser(commands)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``nemotron-omni`` script."""
    args = parser().parse_args(argv)
    try:
        handler = getattr(args, "handler", None)
        return int(handler(args, sys.stdout)) if handler else ask(args, sys.stdout)
    except NemotronOmniError as error:
        sys.stderr.write(f"nemotron-omni: {error}\n")
        return 2


if __name__ == "__main__":
    sys.exit(main())
