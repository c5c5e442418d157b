"""``nemotron-omni ask "question" [FILE_OR_URL ...]``: ask the model, streaming its thought.

Files may be text (pasted into the prompt) or images, audio, video and PDFs (paths or URLs),
told apart by their bytes. Media options (frame rate, frames, the video's sound, PDF pages
and resolution, ``file://`` transport) are flags. Long media work (converting a video,
rendering a PDF) shows progress on stderr. ``--json`` prints the reply as one JSON object.
With no endpoint configured, the bundled fake server answers in demo mode and says what it
received.
"""

from __future__ import annotations

import json
import os
import sys
from typing import TYPE_CHECKING, Any, TextIO

from langchain_core.callbacks import BaseCallbackHandler

from langchain_nemotron_omni.cli.inputs import attachment, build_message
from langchain_nemotron_omni.cli.progress import ProgressDisplay
from langchain_nemotron_omni.cli.receipt import demo_reply
from langchain_nemotron_omni.demo import DEMO_LABEL, HOW_TO_CONNECT, endpoint_or_demo
from langchain_nemotron_omni.media import MediaOptions, media_progress, prepare_messages
from langchain_nemotron_omni.providers import PROVIDERS

if TYPE_CHECKING:
    import argparse
    from uuid import UUID

    from langchain_core.messages import BaseMessage, HumanMessage
    from langchain_core.runnables import RunnableConfig

    from langchain_nemotron_omni.chat_models import ChatNemotronOmni


def add_parser(commands: Any) -> argparse.ArgumentParser:
    """Register ``ask`` on the ``nemotron-omni`` subcommands; returns its parser."""
    parser: argparse.ArgumentParser = commands.add_parser(
        "ask",
        help="ask a question, optionally about files: text, images, audio, video, PDFs",
        description="Ask Nemotron 3 Nano Omni a question about text files, images, audio, "
        "video and PDFs (paths or http(s) URLs; the kind is read from the bytes).",
    )
    parser.add_argument("question")
    parser.add_argument("files", nargs="*", metavar="FILE_OR_URL", help="what to ask about")
    endpoint = parser.add_argument_group("endpoint (none: demo mode on a scripted server)")
    endpoint.add_argument("--provider", choices=list(PROVIDERS), default=None)
    endpoint.add_argument("--base-url", default=None)
    endpoint.add_argument("--model", default=None)
    answer = parser.add_argument_group("answer")
    answer.add_argument("--no-thinking", action="store_true", help="answer without thinking")
    answer.add_argument("--reasoning-budget", type=int, default=None, metavar="TOKENS")
    answer.add_argument("--max-tokens", type=int, default=None)
    answer.add_argument("--hide-reasoning", action="store_true")
    answer.add_argument(
        "--json",
        action="store_true",
        help="print the reply (answer, reasoning, usage) as one JSON object",
    )
    media = parser.add_argument_group("media")
    media.add_argument("--fps", type=float, default=None, help="video frames per second sampled")
    media.add_argument(
        "--frames", type=int, default=None, metavar="N", help="most video frames sampled"
    )
    media.add_argument(
        "--audio-in-video",
        action="store_true",
        help="let the model hear each video's sound track",
    )
    media.add_argument("--pages", default=None, help="PDF pages to send, e.g. 1-3,5 (all)")
    media.add_argument("--dpi", type=float, default=None, help="PDF rendering resolution (150)")
    media.add_argument(
        "--transport",
        choices=["inline", "file"],
        default="inline",
        help="inline: base64 in the request; file: file:// paths for a vLLM on this machine",
    )
    media.add_argument(
        "--media-root",
        default=None,
        metavar="DIR",
        help="with --transport file: the server's --allowed-local-media-path",
    )
    parser.set_defaults(handler=run)
    return parser


def media_options(args: argparse.Namespace) -> MediaOptions:
    """The media flags as ``MediaOptions`` (invalid values raise its typed error)."""
    fields: dict[str, Any] = {
        "fps": args.fps,
        "num_frames": args.frames,
        "pdf_pages": args.pages,
        "pdf_dpi": args.dpi,
        "allowed_local_media_path": args.media_root,
    }
    return MediaOptions(
        transport=args.transport,
        use_audio_in_video=args.audio_in_video,
        **{name: value for name, value in fields.items() if value is not None},
    )


def _model_params(args: argparse.Namespace, media: MediaOptions) -> dict[str, Any]:
    params: dict[str, Any] = {"thinking": not args.no_thinking, "media": media}
    for name in ("provider", "base_url", "model", "reasoning_budget", "max_tokens"):
        if (value := getattr(args, name)) is not None:
            params[name] = value
    # The library sends a hosted provider's key from the environment only to that
    # provider's own URL; whoever types both --provider and --base-url chose the address.
    spec = PROVIDERS.get(args.provider) if args.provider else None
    if spec is not None and spec.key_env and args.base_url and os.environ.get(spec.key_env):
        params["api_key"] = os.environ[spec.key_env]
    return params


def run(args: argparse.Namespace, out: TextIO, err: TextIO | None = None) -> int:
    """Run ``nemotron-omni ask``; returns the exit code."""
    err = err if err is not None else sys.stderr
    message = build_message(args.question, [attachment(name) for name in args.files])
    media = media_options(args)
    # Imported once the arguments are known to be good: a usage error is reported at once.
    from langchain_nemotron_omni.chat_models import ChatNemotronOmni  # noqa: PLC0415

    server = {"allowed_local_media_path": media.local_root} if media.local_root else {}
    with (
        endpoint_or_demo(demo_reply, server=server, **_model_params(args, media)) as (params, demo),
        media_progress(ProgressDisplay(err)),
    ):
        llm = ChatNemotronOmni(**params)
        # Media is checked, converted and rendered here, before any output or request, so
        # a bad file is a one-line error; the model reuses the result from the media cache.
        prepare_messages([message], provider=llm.spec, options=media, model=llm.model_name)
        if args.json:
            reply = llm.invoke([message], config=_config(err))
            out.write(json.dumps(reply_json(reply, demo=demo)) + "\n")
            return 0
        if demo:
            out.write(f"Demo mode: no endpoint configured.\n{HOW_TO_CONNECT}\n\n")
        _stream_answer(llm, message, out, err, show_reasoning=not args.hide_reasoning)
        if demo:
            out.write(f"\n{DEMO_LABEL}\n")
    return 0


def reply_json(reply: BaseMessage, *, demo: bool) -> dict[str, Any]:
    """The reply as scripts want it: answer, reasoning, usage, finish reason, demo or not."""
    metadata = reply.response_metadata
    return {
        "answer": reply.text,
        "reasoning": reply.additional_kwargs.get("reasoning_content"),
        "usage": getattr(reply, "usage_metadata", None),
        "finish_reason": metadata.get("finish_reason"),
        "model": metadata.get("model_name"),
        "demo": demo,
    }


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
        from langchain_nemotron_omni.chat_models import FAL_QUEUE_EVENT  # noqa: PLC0415  # loaded

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


def _config(err: TextIO) -> RunnableConfig:
    return {"callbacks": [QueueProgress(err)]}


def _stream_answer(
    llm: ChatNemotronOmni, message: HumanMessage, out: TextIO, err: TextIO, *, show_reasoning: bool
) -> None:
    section = ""
    # fal's queue has no token stream, and LangChain hands callbacks (the queue progress)
    # only to invoke: ask it whole there.
    chunks = (
        llm.stream([message], config=_config(err))
        if llm.spec.openai_compatible
        else [llm.invoke([message], config=_config(err))]
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
