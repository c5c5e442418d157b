"""``nemotron-omni doc-qa FILE.pdf "question"``: ask a document, get the answer and its pages.

Progress (pages read and rendered, tools called) goes to stderr; the answer, its citations
and the tokens spent go to stdout. With no endpoint configured it runs the scripted demo
model (``demo.py``) on the bundled fake server and labels the answer as a demo.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO, cast

from langchain_core.messages import AIMessage

from langchain_nemotron_omni.agents.document_qa.citations import format_citations, unread
from langchain_nemotron_omni.agents.document_qa.demo import demo_responder
from langchain_nemotron_omni.agents.document_qa.documents import open_document
from langchain_nemotron_omni.agents.document_qa.evaluate import add_parser as add_eval_parser
from langchain_nemotron_omni.agents.document_qa.graph import create_document_qa_agent
from langchain_nemotron_omni.agents.document_qa.index import default_index_dir
from langchain_nemotron_omni.agents.document_qa.paths import resolve_document
from langchain_nemotron_omni.agents.document_qa.report import default_report_path, write_report
from langchain_nemotron_omni.agents.document_qa.state import DocQASettings
from langchain_nemotron_omni.demo import DEMO_LABEL, HOW_TO_CONNECT, endpoint_or_demo
from langchain_nemotron_omni.errors import NemotronOmniError
from langchain_nemotron_omni.providers import PROVIDERS

if TYPE_CHECKING:
    from collections.abc import Sequence

    from langchain_nemotron_omni.agents.document_qa.state import OutputState

COMMAND = "doc-qa"


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Register ``doc-qa`` on the ``nemotron-omni`` subcommands; returns its parser.

    Args:
        subparsers: What ``ArgumentParser.add_subparsers()`` returned.
    """
    parser: argparse.ArgumentParser = subparsers.add_parser(
        COMMAND,
        help="ask a question about PDFs or images; the answer cites its pages",
        description="Answer a question from PDFs or images, citing pages, within a token budget.",
    )
    parser.add_argument("files", nargs="+", metavar="FILE", help="PDF or image files")
    parser.add_argument("question")
    parser.add_argument(
        "--budget", type=int, default=None, metavar="TOKENS", help="token budget per question"
    )
    parser.add_argument("--dpi", type=int, default=None, help="resolution of page images")
    parser.add_argument(
        "--direct-max-pages",
        type=int,
        default=None,
        metavar="N",
        help="send documents up to N pages whole in one call (0: always use tools)",
    )
    parser.add_argument(
        "--root",
        default=None,
        help="folder documents may be read from (default: the files' common folder)",
    )
    parser.add_argument("--provider", choices=list(PROVIDERS), default=None)
    parser.add_argument("--base-url", default=None)
    parser.add_argument("--model", default=None)
    parser.add_argument("--no-thinking", action="store_true", help="answer without thinking")
    parser.add_argument(
        "--index-dir",
        default=None,
        help=f"where text indexes of documents are kept (default {default_index_dir()})",
    )
    parser.add_argument(
        "--report",
        type=Path,
        default=None,
        metavar="FILE",
        help=f"HTML report with the cited passages highlighted (default: {default_report_path()})",
    )
    parser.add_argument("--no-report", action="store_true", help="write no HTML report")
    parser.add_argument("--quiet", action="store_true", help="no progress on stderr")
    parser.set_defaults(handler=run)
    add_eval_parser(subparsers)
    return parser


def _settings(args: argparse.Namespace, *, demo: bool = False) -> DocQASettings:
    values = {
        "budget_tokens": args.budget,
        "dpi": args.dpi,
        # The demo model reads text, not images: it takes the tool path unless told otherwise.
        "direct_max_pages": 0 if demo and args.direct_max_pages is None else args.direct_max_pages,
    }
    return DocQASettings.parse({key: value for key, value in values.items() if value is not None})


def _model_params(args: argparse.Namespace) -> dict[str, Any]:
    params: dict[str, Any] = {"thinking": not args.no_thinking}
    for name in ("provider", "base_url", "model"):
        if (value := getattr(args, name)) is not None:
            params[name] = value
    return params


def _root(args: argparse.Namespace) -> Path:
    if args.root:
        return Path(args.root)
    folders = [str(Path(file).resolve().parent) for file in args.files]
    return Path(os.path.commonpath(folders))


def _report_progress(chunk: Any, err: TextIO) -> None:
    if isinstance(chunk, dict) and chunk.get("event") == "progress":
        stage, done, total = chunk["stage"], chunk["done"], chunk["total"]
        end = "\n" if done == total else ""
        err.write(f"\r{stage}: {done}/{total} pages{end}")
        err.flush()


def _report_calls(update: Any, err: TextIO) -> None:
    if not isinstance(update, dict):
        return
    for node in update.values():
        messages = node.get("messages", []) if isinstance(node, dict) else []
        for message in messages if isinstance(messages, list) else []:
            if isinstance(message, AIMessage):
                for call in message.tool_calls:
                    args = ", ".join(f"{k}={v!r}" for k, v in call["args"].items())
                    err.write(f"-> {call['name']}({args})\n")


def write_result(result: OutputState, out: TextIO) -> None:
    """Print the answer, where it comes from, and what it cost."""
    out.write(f"{result.get('answer', '').strip()}\n\n")
    citations = result.get("citations") or []
    read = [c for c in citations if c["seen"]]
    if result.get("found") and read:
        out.write(f"Sources: {format_citations(read)}\n")
    else:
        out.write("Sources: none (the answer was not found in the pages read)\n")
    if not_read := unread(citations):
        out.write(
            f"Also cited, but never read by the model (not evidence): "
            f"{format_citations(not_read)}\n"
        )
    tokens = result.get("tokens")
    if tokens:
        out.write(
            f"Tokens: {tokens['total']:,} of a {tokens['budget']:,} budget in "
            f"{tokens['calls']} call(s); sending every page would cost about "
            f"{tokens['all_pages']:,}. Path: {result.get('mode')}, "
            f"ended by {result.get('finish')}.\n"
        )


def run(args: argparse.Namespace, out: TextIO, err: TextIO | None = None) -> int:
    """Run ``nemotron-omni doc-qa``; returns the exit code (2 on a usage or document error)."""
    err = err if err is not None else sys.stderr
    from langchain_nemotron_omni.chat_models import ChatNemotronOmni  # noqa: PLC0415  # slow import

    try:
        settings = _settings(args)
        root = _root(args)
        files = [str(Path(file).resolve()) for file in args.files]
        for file in files:  # fail on a bad file before any banner or model call
            open_document(resolve_document(file, root)).close()
        with endpoint_or_demo(demo_responder, **_model_params(args)) as (params, demo):
            if demo:
                out.write(f"Demo mode: no endpoint configured.\n{HOW_TO_CONNECT}\n\n")
                settings = _settings(args, demo=True)
            agent = create_document_qa_agent(
                ChatNemotronOmni(**params),
                allowed_root=root,
                settings=settings,
                index_dir=args.index_dir or default_index_dir(),
            )
            result: OutputState = {}
            stream = agent.stream(
                {"question": args.question, "documents": files},
                stream_mode=["custom", "updates", "values"],
            )
            for mode, chunk in stream:
                if mode == "values":
                    result = cast("OutputState", chunk)
                elif not args.quiet:
                    (_report_progress if mode == "custom" else _report_calls)(chunk, err)
            write_result(result, out)
            if not args.no_report:
                report = args.report or default_report_path()
                report.parent.mkdir(parents=True, exist_ok=True)
                written = write_report(report, args.question, result, [Path(f) for f in files])
                out.write(f"Report: {written}\n")
            if demo:
                out.write(f"{DEMO_LABEL}\n")
    except NemotronOmniError as error:
        err.write(f"nemotron-omni {COMMAND}: {error}\n")
        return 2
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m langchain_nemotron_omni.agents.document_qa.cli FILE question``."""
    parser = argparse.ArgumentParser(prog="nemotron-omni")
    add_parser(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    return int(args.handler(args, sys.stdout))


if __name__ == "__main__":
    sys.exit(main())
