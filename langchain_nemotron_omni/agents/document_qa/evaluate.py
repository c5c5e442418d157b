"""``nemotron-omni doc-qa-eval``: score the agent on questions in MMLongBench-Doc's format.

Each JSONL line names a document, a question, the reference ``answer``, its
``answer_format`` (``Int``, ``Float``, ``Str``, ``List`` or ``None``) and the
``evidence_pages`` (1-based); MMLongBench-Doc's own ``doc_id`` and string-encoded lists are
read too. Each question is answered either by the agent (``--protocol agent``) or as the
benchmark does it (``--protocol all-pages``: the question and every page, up to 120, as
144-dpi JPEG images in one request). The reply's short answer is extracted by the same model
(the benchmark uses a separate model for this step; a prompt of our own asks for the same two
lines), then scored with the benchmark's matching rules (``scoring.py``). Per question: the
score, tokens, seconds, and the share of evidence pages the model read.
"""

from __future__ import annotations

import ast
import base64
import json
import re
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from langchain_core.messages import HumanMessage

from langchain_nemotron_omni.agents.document_qa.graph import create_document_qa_agent
from langchain_nemotron_omni.agents.document_qa.scoring import (
    NOT_ANSWERABLE,
    score,
    summarize,
)
from langchain_nemotron_omni.agents.document_qa.state import DocQASettings
from langchain_nemotron_omni.errors import NemotronOmniError
from langchain_nemotron_omni.media.pdf import DEFAULT_MAX_PIXELS, page_count, render_pages
from langchain_nemotron_omni.providers import PROVIDERS

if TYPE_CHECKING:
    import argparse
    from collections.abc import Sequence

    from langchain_core.language_models import BaseChatModel

COMMAND = "doc-qa-eval"
BENCH_DPI = 144
BENCH_MAX_PAGES = 120
BENCH_MAX_TOKENS = 1024
EXTRACT_REQUEST = """\
Below are a question about a document and a reply to it. Pull the reply's final answer out \
in the shortest form: a number, a short string, or a Python list of strings. If the reply \
says the document does not answer the question, the answer is "Not answerable"; if it only \
says it could not read the document, the answer is "Fail to answer". Write exactly two lines:
Extracted answer: <answer>
Answer format: <Integer, Float, String or List>

Question: {question}
Reply: {reply}"""
_EXTRACTED = re.compile(
    r"Extracted answer:\s*(?P<answer>.*?)\s*(?:\n\s*Answer format:|$)", re.DOTALL
)


class EvaluationInputError(NemotronOmniError):
    """A line of the question file cannot be read."""


@dataclass(frozen=True)
class Sample:
    """One question of the set."""

    document: str
    question: str
    answer: str
    answer_format: str
    evidence_pages: list[int]


@dataclass
class Row:
    """How one question went."""

    document: str
    question: str
    answer: str
    prediction: str
    score: float
    tokens: int
    seconds: float
    evidence_recall: float | None
    reply: str = ""
    pages_read: list[int] = field(default_factory=list)


def _pages(value: object) -> list[int]:
    items = ast.literal_eval(value) if isinstance(value, str) else value
    if not isinstance(items, list | tuple):
        items = [items]
    return [int(v) for v in items]


def load_samples(path: Path) -> list[Sample]:
    """The questions of a JSONL file (MMLongBench-Doc's field names accepted).

    Raises:
        EvaluationInputError: A line is not JSON or lacks a field.
    """
    samples = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
            samples.append(
                Sample(
                    document=str(data.get("document") or data["doc_id"]),
                    question=str(data["question"]),
                    answer=str(data["answer"]),
                    answer_format=str(data["answer_format"]),
                    evidence_pages=_pages(data.get("evidence_pages", [])),
                )
            )
        except (ValueError, KeyError, SyntaxError) as error:
            msg = f"{path}:{number}: not a question line ({error!r}); see `{COMMAND} --help`"
            raise EvaluationInputError(msg) from None
    return samples


def extract_answer(model: BaseChatModel, question: str, reply: str) -> tuple[str, int]:
    """The short answer in a reply, and the tokens the extraction cost."""
    message = model.invoke([HumanMessage(EXTRACT_REQUEST.format(question=question, reply=reply))])
    match = _EXTRACTED.search(message.text)
    usage = message.usage_metadata
    return (match["answer"].strip() if match else message.text.strip()), (
        int(usage["total_tokens"]) if usage else 0
    )


def _recall(evidence: Sequence[int], read: Sequence[int]) -> float | None:
    if not evidence:
        return None
    return sum(1 for page in evidence if page in read) / len(evidence)


def ask_agent(agent: Any, sample: Sample) -> tuple[str, bool, int, list[int]]:
    """The agent's reply, whether it found the answer, its tokens, and the pages it read."""
    result = agent.invoke({"question": sample.question, "documents": [sample.document]})
    read = sorted(int(key.split(":")[1]) + 1 for key in result.get("seen", []))
    return str(result.get("answer", "")), bool(result.get("found")), result["tokens"]["total"], read


def ask_all_pages(
    model: BaseChatModel, root: Path, sample: Sample, dpi: int, max_pages: int
) -> tuple[str, int, list[int]]:
    """The benchmark's protocol: the question, then every page (up to the cap) as JPEG."""
    path = root / sample.document
    selection = f"1-{max_pages}" if page_count(path) > max_pages else None
    pages = render_pages(path, pages=selection, dpi=dpi, max_pixels=DEFAULT_MAX_PIXELS)
    content: list[str | dict[str, Any]] = [{"type": "text", "text": sample.question}]
    for page in pages:
        url = f"data:{page.mime};base64," + base64.b64encode(page.data).decode("ascii")
        content.append({"type": "image_url", "image_url": {"url": url}})
    reply = model.invoke(
        [HumanMessage(content=content)], max_tokens=BENCH_MAX_TOKENS, temperature=0.0
    )
    usage = reply.usage_metadata
    return reply.text, int(usage["total_tokens"]) if usage else 0, [p.number for p in pages]


def evaluate(  # noqa: PLR0913
    samples: Sequence[Sample],
    root: Path,
    model: BaseChatModel,
    *,
    protocol: str = "agent",
    settings: DocQASettings | None = None,
    dpi: int = BENCH_DPI,
    max_pages: int = BENCH_MAX_PAGES,
) -> list[Row]:
    """Answer and score every sample; documents are read from ``root``."""
    agent = create_document_qa_agent(model, allowed_root=root, settings=settings)
    rows = []
    for sample in samples:
        start = time.perf_counter()
        if protocol == "agent":
            reply, found, tokens, read = ask_agent(agent, sample)
        else:
            reply, tokens, read = ask_all_pages(model, root, sample, dpi, max_pages)
            found = True
        if found:
            prediction, _ = extract_answer(model, sample.question, reply)
        else:
            prediction = NOT_ANSWERABLE
        rows.append(
            Row(
                document=sample.document,
                question=sample.question,
                answer=sample.answer,
                prediction=prediction,
                score=score(sample.answer, prediction, sample.answer_format),
                tokens=tokens,
                seconds=time.perf_counter() - start,
                evidence_recall=_recall(sample.evidence_pages, read),
                reply=reply,
                pages_read=read,
            )
        )
    return rows


def write_table(rows: Sequence[Row], out: TextIO) -> None:
    """Per-question rows, then accuracy, F1, tokens, time and evidence recall."""
    out.write("| # | score | prediction | answer | tokens | seconds | evidence read |\n")
    out.write("|---|-------|------------|--------|--------|---------|---------------|\n")
    for n, row in enumerate(rows, start=1):
        recall = "-" if row.evidence_recall is None else f"{row.evidence_recall:.0%}"
        out.write(
            f"| {n} | {row.score:.2f} | {row.prediction[:40]} | {row.answer[:40]} | "
            f"{row.tokens:,} | {row.seconds:.1f} | {recall} |\n"
        )
    summary = summarize([(r.answer, r.prediction, r.score) for r in rows])
    recalls = [r.evidence_recall for r in rows if r.evidence_recall is not None]
    count = max(len(rows), 1)
    out.write(
        f"\nquestions {len(rows)}  accuracy {summary.accuracy:.1%}  F1 {summary.f1:.1%}  "
        f"tokens/question {sum(r.tokens for r in rows) / count:,.0f}  "
        f"seconds/question {sum(r.seconds for r in rows) / count:.1f}  "
        f"evidence-page recall {sum(recalls) / max(len(recalls), 1):.1%}\n"
    )


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Register ``doc-qa-eval``."""
    parser: argparse.ArgumentParser = subparsers.add_parser(
        COMMAND,
        help="score document QA on MMLongBench-Doc-style questions (JSONL)",
        description=__doc__.splitlines()[0] if __doc__ else None,
    )
    parser.add_argument("questions", type=Path, help="JSONL: document, question, answer, ...")
    parser.add_argument("--documents", type=Path, required=True, help="folder of the PDFs")
    parser.add_argument("--protocol", choices=["agent", "all-pages"], default="agent")
    parser.add_argument("--budget", type=int, default=None, metavar="TOKENS")
    parser.add_argument("--dpi", type=int, default=BENCH_DPI)
    parser.add_argument("--max-pages", type=int, default=BENCH_MAX_PAGES)
    parser.add_argument("--limit", type=int, default=None, help="first N questions only")
    parser.add_argument("--out", type=Path, default=None, help="write each row as JSONL here")
    parser.add_argument("--provider", choices=list(PROVIDERS), default=None)
    parser.add_argument("--base-url", default=None)
    parser.add_argument("--model", default=None)
    parser.set_defaults(handler=run)
    return parser


def run(args: argparse.Namespace, out: TextIO, err: TextIO | None = None) -> int:
    """Run ``nemotron-omni doc-qa-eval``; 2 on a usage error."""
    err = err if err is not None else sys.stderr
    from langchain_nemotron_omni.chat_models import ChatNemotronOmni  # noqa: PLC0415  # slow

    try:
        samples = load_samples(args.questions)[: args.limit]
        params = {k: v for k in ("provider", "base_url", "model") if (v := getattr(args, k))}
        settings = DocQASettings(
            dpi=args.dpi, **({"budget_tokens": args.budget} if args.budget else {})
        )
        rows = evaluate(
            samples,
            args.documents.resolve(),
            ChatNemotronOmni(**params),
            protocol=args.protocol,
            settings=settings,
            dpi=args.dpi,
            max_pages=args.max_pages,
        )
    except NemotronOmniError as error:
        err.write(f"nemotron-omni {COMMAND}: {error}\n")
        return 2
    write_table(rows, out)
    if args.out is not None:
        args.out.write_text("".join(json.dumps(asdict(r)) + "\n" for r in rows))
    return 0
