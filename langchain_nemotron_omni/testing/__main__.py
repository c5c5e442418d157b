"""Serve a FakeNemotronServer by hand.

``python -m langchain_nemotron_omni.testing --flavor vllm --port 8000 --script replies.txt``

The script file holds raw model outputs: a ``.json`` file is a list of strings; any other file
is split on lines that hold only ``---``. Without ``--script`` (or with ``--echo``) every
request gets a short reasoning and an answer quoting the last user message. The base URL is
printed on stdout; Ctrl-C (or SIGTERM) stops the server.
"""

from __future__ import annotations

import argparse
import json
import re
import signal
import sys
import threading
from itertools import cycle
from pathlib import Path
from typing import TYPE_CHECKING, Any

from langchain_nemotron_omni.testing.flavors import FLAVORS
from langchain_nemotron_omni.testing.server import FakeNemotronServer, echo_reply

if TYPE_CHECKING:
    from collections.abc import Sequence
    from types import FrameType

    from langchain_nemotron_omni.testing.server import Script

_SEPARATOR = re.compile(r"^---[ \t]*(?:\r?\n|\Z)", re.MULTILINE)


def load_script(path: Path) -> list[str]:
    """Read replies from a ``.json`` list of strings or a ``---``-separated text file."""
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".json":
        items = json.loads(text)
        if not isinstance(items, list) or not all(isinstance(i, str) for i in items):
            msg = f"{path}: a .json script must be a list of strings"
            raise ValueError(msg)
        return items
    # The newline ending each reply's last line belongs to the file layout, not to the reply.
    return [part.removesuffix("\n") for part in _SEPARATOR.split(text) if part.strip()]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m langchain_nemotron_omni.testing",
        description="Serve a scripted Nemotron 3 Nano Omni look-alike on 127.0.0.1.",
    )
    parser.add_argument("--flavor", choices=FLAVORS, default="vllm")
    parser.add_argument("--port", type=int, default=0, help="0 (default) picks a free port")
    parser.add_argument("--model", default="nemotron", help="served model name")
    parser.add_argument("--max-model-len", type=int, default=131072)
    parser.add_argument("--api-key", default=None, help="require this bearer token")
    parser.add_argument(
        "--default-chat-template-kwargs", type=json.loads, default=None, metavar="JSON"
    )
    parser.add_argument("--allowed-local-media-path", default=None, metavar="DIR")
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--script", type=Path, help="replies file (.json list or ---separated)")
    source.add_argument("--echo", action="store_true", help="answer by quoting the user (default)")
    parser.add_argument("--cycle", action="store_true", help="repeat the script forever")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the server until interrupted; returns the exit code."""
    args = _parser().parse_args(argv)
    script: Script = echo_reply
    if args.script is not None:
        replies = load_script(args.script)
        if args.cycle and replies:
            lock = threading.Lock()
            endless = cycle(replies)

            def next_reply(_request: Any) -> str:
                with lock:
                    return next(endless)

            script = next_reply
        else:
            script = replies
    server = FakeNemotronServer(
        script,
        flavor=args.flavor,
        model=args.model,
        max_model_len=args.max_model_len,
        api_key=args.api_key,
        default_chat_template_kwargs=args.default_chat_template_kwargs,
        allowed_local_media_path=args.allowed_local_media_path,
        port=args.port,
    )
    stop = threading.Event()

    def on_signal(_signum: int, _frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    with server:
        sys.stdout.write(f"{server.base_url}\n")
        sys.stdout.flush()
        try:
            while not stop.wait(0.5):
                pass
        except KeyboardInterrupt:
            pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
