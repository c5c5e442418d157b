"""The ``nemotron-omni`` command line.

``nemotron-omni ask "question" [FILE_OR_URL ...]`` asks the model about text, images, audio,
video and PDFs, streaming its thought and its answer (``cli/ask.py``). ``doc-qa`` and
``computer-use`` run the agents. With no endpoint configured every command runs a demo
against the bundled scripted server and says so.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from typing import TYPE_CHECKING, Any, TextIO

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
    _add_agent(
        commands, "document_qa", {"doc-qa": "answer questions", "doc-qa-eval": "score the agent"}
    )
    _add_agent(commands, "computer_use", {"computer-use": "operate a browser or a desktop"})
    return root


def _add_agent(commands: Any, agent: str, names: dict[str, str]) -> None:
    """An agent's subcommands, or, without their extra, stand-ins that say how to install it.

    Args:
        commands: What ``ArgumentParser.add_subparsers()`` returned.
        agent: The agent's package under ``langchain_nemotron_omni.agents``.
        names: Each subcommand the agent registers, with what it does (for the stand-in's help).
    """
    try:
        cli = importlib.import_module(f"langchain_nemotron_omni.agents.{agent}.cli")
    except MissingExtraError as missing:
        reason = str(missing)

        def unavailable(_args: argparse.Namespace, _out: TextIO) -> int:
            raise CLIError(reason)

        for name, does in names.items():
            stand_in = commands.add_parser(name, help=f"{does} (needs: {missing.install})")
            stand_in.add_argument("rest", nargs=argparse.REMAINDER, help=argparse.SUPPRESS)
            stand_in.set_defaults(handler=unavailable)
    else:
        cli.add_parser(commands)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``nemotron-omni`` script."""
    args = parser().parse_args(argv)
    try:
        return int(args.handler(args, sys.stdout))
    except NemotronOmniError as error:
        # One line, whatever the error: a script reading stderr gets one message per failure.
        sys.stderr.write(f"nemotron-omni: {' '.join(str(error).split())}\n")
        return 2
