"""The ``nemotron-omni`` command line.

``nemotron-omni ask "question" [FILE_OR_URL ...]`` asks the model about text, images, audio,
video and PDFs, streaming its thought and its answer (``cli/ask.py``). ``doc-qa`` and
``computer-use`` run the agents. With no endpoint configured every command runs a demo
against the bundled scripted server and says so.
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Any, TextIO

from langchain_nemotron_omni.agents.computer_use.cli import add_parser as add_computer_use
from langchain_nemotron_omni.cli.ask import add_parser as add_ask
from langchain_nemotron_omni.cli.inputs import CLIError
from langchain_nemotron_omni.errors import NemotronOmniError
from langchain_nemotron_omni.extras import MissingExtraError

if TYPE_CHECKING:
    from collections.abc import Sequence

__all__ = ["CLIError", "main", "parser"]


def parser() -> argparse.ArgumentParser:
    """The argument parser (exposed for tests and documentation)."""
    root = argparse.ArgumentParser(
        prog="nemotron-omni", description="NVIDIA Nemotron 3 Nano Omni from the command line."
    )
    commands = root.add_subparsers(dest="command", required=True)
    add_ask(commands)
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

        def unavailable(_args: argparse.Namespace, _out: TextIO) -> int:
            raise CLIError(reason)

        for name, does in (("doc-qa", "answer questions"), ("doc-qa-eval", "score the agent")):
            stand_in = commands.add_parser(name, help=f"{does} (needs: {missing.install})")
            stand_in.add_argument("rest", nargs=argparse.REMAINDER, help=argparse.SUPPRESS)
            stand_in.set_defaults(handler=unavailable)
    else:
        add_parser(commands)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``nemotron-omni`` script."""
    args = parser().parse_args(argv)
    try:
        return int(args.handler(args, sys.stdout))
    except NemotronOmniError as error:
        # One line, whatever the error: a script reading stderr gets one message per failure.
        sys.stderr.write(f"nemotron-omni: {' '.join(str(error).split())}\n")
        return 2
