"""The document-QA agent end to end against the fake vLLM server, on PDFs drawn here."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from langgraph.checkpoint.memory import InMemorySaver

from langchain_nemotron_omni import ChatNemotronOmni
from langchain_nemotron_omni.agents.document_qa import (
    CorruptDocumentError,
    DocQASettings,
    DocumentError,
    DocumentNotFoundError,
    DocumentPathError,
    EmptyDocumentError,
    EncryptedPDFError,
    UnsupportedDocumentError,
    create_document_qa_agent,
)
from langchain_nemotron_omni.agents.document_qa.cli import add_parser, run
from langchain_nemotron_omni.agents.document_qa.demo import demo_responder
from langchain_nemotron_omni.demo import DEMO_LABEL
from langchain_nemotron_omni.testing import ChatRequest, FakeNemotronServer
from tests.document_qa_pdfs import (
    CHART_QUESTION,
    DECK_QUESTION,
    FACT_QUESTION,
    MISSING_QUESTION,
    SCANNED_QUESTION,
    TABLE_QUESTION,
    WARNING_SLIDE,
    ReportLayout,
    make_corrupt,
    make_deck,
    make_empty,
    make_encrypted,
    make_report,
    scanned_image,
)
from tests.integration.document_qa_responders import (
    chart_responder,
    decode,
    greedy_responder,
    page_images,
    red_box_responder,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from langgraph.graph.state import CompiledStateGraph

    from langchain_nemotron_omni.agents.document_qa import OutputState


@pytest.fixture(scope="session")
def library_dir(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, ReportLayout]:
    root = tmp_path_factory.mktemp("docs")
    layout = make_report(root / "report.pdf")
    make_deck(root / "deck.pdf")
    make_encrypted(root / "locked.pdf")
    make_corrupt(root / "broken.pdf")
    make_empty(root / "empty.pdf")
    (root / "zero.pdf").write_bytes(b"")
    (root / "notes.pdf").write_text("These are meeting notes, not a PDF.\n")
    return root, layout


@pytest.fixture
def root(library_dir: tuple[Path, ReportLayout]) -> Path:
    return library_dir[0]


@pytest.fixture
def layout(library_dir: tuple[Path, ReportLayout]) -> ReportLayout:
    return library_dir[1]


Agent = Any  # CompiledStateGraph[State, DocQASettings, InputState, OutputState]


@pytest.fixture
def make_agent(root: Path) -> Iterator[Callable[..., tuple[Agent, FakeNemotronServer]]]:
    servers: list[FakeNemotronServer] = []

    def factory(
        script: Callable[[ChatRequest], str], **settings: int
    ) -> tuple[CompiledStateGraph[Any, Any, Any, Any], FakeNemotronServer]:
        server = FakeNemotronServer(script).start()
        servers.append(server)
        llm = ChatNemotronOmni(base_url=server.base_url, model="nemotron")
        agent = create_document_qa_agent(
            llm,
            allowed_root=root,
            settings=DocQASettings.parse(settings),
            checkpointer=InMemorySaver(),
        )
        return agent, server

    yield factory
    for server in servers:
        server.stop()


def ask(
    agent: Agent, question: str, *docs: str, context: DocQASettings | None = None
) -> OutputState:
    config = {"configurable": {"thread_id": question[:40]}}
    result: OutputState = agent.invoke(
        {"question": question, "documents": list(docs)}, config, context=context
    )
    return result


def pages_of(result: OutputState) -> list[tuple[int, int, str]]:
    return [(c["page"], c["index"], c["label"]) for c in result.get("citations", [])]


def images_per_request(server: FakeNemotronServer) -> list[int]:
    return [
        sum(len(page_images(m)) for m in r.messages if m.get("role") == "user")
        for r in server.requests
    ]


def no_images_in_tool_messages(server: FakeNemotronServer) -> bool:
    return all(
        isinstance(m.get("content"), str)
        for r in server.requests
        for m in r.messages
        if m.get("role") == "tool"
    )


def sent_tokens(request: ChatRequest) -> int:
    """Tokens of a recorded request, measured from what was sent: text chars/4, decoded images."""
    chars = len(json.dumps(request.tools or []))
    images = 0
    for message in request.messages:
        content = message.get("content")
        parts: list[dict[str, Any]] = (
            content if isinstance(content, list) else [{"type": "text", "text": content or ""}]
        )
        for part in parts:
            if part.get("type") == "image_url":
                width, height = decode(part["image_url"]["url"]).size
                images += min(max(math.ceil(width * height / 1024), 256), 3328)
            else:
                chars += len(str(part.get("text", "")))
        chars += len(json.dumps(message.get("tool_calls") or [])) + len(
            str(message.get("reasoning") or "")
        )
    return math.ceil(chars / 4) + images


# -- the long path ---------------------------------------------------------------------------


def test_fact_on_one_page_is_found_and_cited(make_agent: Any, layout: ReportLayout) -> None:
    agent, server = make_agent(demo_responder)
    result = ask(agent, FACT_QUESTION, "report.pdf")
    assert result["mode"] == "tools"
    assert result["found"] is True
    assert "48,213 tonnes" in result["answer"]
    assert pages_of(result) == [(layout.fact + 1, layout.fact, layout.label(layout.fact))]
    assert result["citations"][0]["seen"] is True
    # Found by search, then read as text: three calls, no page image at all.
    assert [n for n, _ in _calls(server)] == ["search_text", "read_page_text", "answer"]
    assert images_per_request(server) == [0, 0, 0]
    tokens = result["tokens"]
    assert tokens["calls"] == 3
    assert tokens["total"] <= tokens["all_pages"] // 10
    assert tokens["reported_prompt"] == sum(r.prompt_tokens for r in server.requests)


def _calls(server: FakeNemotronServer) -> list[tuple[str, dict[str, Any]]]:
    last = server.requests[-1]
    out = [
        (c["function"]["name"], json.loads(c["function"]["arguments"]))
        for m in last.messages
        for c in m.get("tool_calls") or []
    ]
    # The final answer call is not in any request: read it from the agent's last reply.
    return [*out, ("answer", {})]


def test_table_value_is_read_from_the_table_page(make_agent: Any, layout: ReportLayout) -> None:
    agent, _ = make_agent(demo_responder)
    result = ask(agent, TABLE_QUESTION, "report.pdf")
    assert "47.9" in result["answer"]
    assert pages_of(result) == [(layout.table + 1, layout.table, layout.label(layout.table))]


def test_chart_is_read_through_a_zoom(make_agent: Any, layout: ReportLayout) -> None:
    agent, server = make_agent(chart_responder)
    result = ask(agent, CHART_QUESTION, "report.pdf")
    assert result["answer"] == "2740 units were shipped in Q3."
    assert pages_of(result) == [(layout.chart + 1, layout.chart, layout.label(layout.chart))]
    zoom_request = server.requests[-1]
    last_user = zoom_request.messages[-1]
    assert last_user["role"] == "user"
    [(title, url)] = page_images(last_user)
    assert title.startswith(
        f"Page {layout.chart + 1} (label {layout.label(layout.chart)}), region ["
    )
    box = [float(v) for v in title.split("[")[1].split("]")[0].split(",")]
    width_inches = (box[2] - box[0]) * 612 / 72
    assert decode(url).width / width_inches > 180  # sharper than the 144 dpi page view
    assert no_images_in_tool_messages(server)


def test_scanned_page_is_viewed_as_an_image(make_agent: Any, layout: ReportLayout) -> None:
    agent, server = make_agent(demo_responder)
    result = ask(agent, SCANNED_QUESTION, "report.pdf")
    page = layout.scanned + 1
    assert pages_of(result) == [(page, layout.scanned, layout.label(layout.scanned))]
    # The first request told the model which page has no text layer.
    assert f"no text layer on page(s) {page}" in server.requests[0].messages[1]["content"]
    view = server.requests[-1].messages
    tool_message, image_turn = view[-2], view[-1]
    assert tool_message["role"] == "tool"
    assert "the images follow" in tool_message["content"]
    [(title, url)] = page_images(image_turn)
    assert title == f"Page {page} (label {layout.label(layout.scanned)}):"
    image = decode(url)
    assert image.size == (1224, 1584)  # US letter at 144 dpi
    dark = sum(1 for pixel in image.convert("L").resize((100, 130)).tobytes() if pixel < 100)
    assert dark > 50  # the scan's writing and frame came through
    assert no_images_in_tool_messages(server)


def test_not_in_the_document_is_an_answer(make_agent: Any) -> None:
    agent, _ = make_agent(demo_responder)
    result = ask(agent, MISSING_QUESTION, "report.pdf")
    assert result["found"] is False
    assert result["citations"] == []
    assert "does not say" in result["answer"]
    assert result["finish"] == "answer"


def test_citations_name_the_document_among_several(make_agent: Any, layout: ReportLayout) -> None:
    agent, _ = make_agent(demo_responder, direct_max_pages=0)
    result = ask(agent, FACT_QUESTION, "deck.pdf", "report.pdf")
    [citation] = result["citations"]
    assert (citation["doc"], citation["document"], citation["page"]) == (
        2,
        "report.pdf",
        layout.fact + 1,
    )


def test_page_images_stay_out_of_the_checkpoint(make_agent: Any, layout: ReportLayout) -> None:
    agent, _ = make_agent(demo_responder)
    ask(agent, SCANNED_QUESTION, "report.pdf")
    state = agent.get_state({"configurable": {"thread_id": SCANNED_QUESTION[:40]}})
    stored = json.dumps([m.model_dump() for m in state.values["messages"]])
    assert "base64" not in stored
    ref = {"doc": 1, "page": layout.scanned, "dpi": 144, "box": None}
    assert f'"page_refs": [{json.dumps(ref)}]' in stored


def test_a_second_question_on_the_thread_starts_clean(
    make_agent: Any, layout: ReportLayout
) -> None:
    agent, server = make_agent(demo_responder)
    config = {"configurable": {"thread_id": "two-questions"}}
    agent.invoke({"question": FACT_QUESTION, "documents": ["report.pdf"]}, config)
    first_run = len(server.requests)
    second = agent.invoke({"question": TABLE_QUESTION, "documents": ["report.pdf"]}, config)
    assert pages_of(second) == [(layout.table + 1, layout.table, layout.label(layout.table))]
    assert [m["role"] for m in server.requests[first_run].messages] == ["system", "user"]
    assert second["tokens"]["calls"] == len(server.requests) - first_run


# -- the short path --------------------------------------------------------------------------


def test_short_document_goes_in_one_call_with_every_page(make_agent: Any) -> None:
    agent, server = make_agent(red_box_responder)
    result = ask(agent, DECK_QUESTION, "deck.pdf")
    assert result["mode"] == "direct"
    assert len(server.requests) == 1
    [request] = server.requests
    assert [t["function"]["name"] for t in request.tools or []] == ["answer"]
    titles = [title for title, _ in page_images(request.messages[1])]
    assert titles == [f"Page {n} (label S-{n}):" for n in range(1, 7)]
    assert result["found"] is True
    assert pages_of(result) == [(WARNING_SLIDE + 1, WARNING_SLIDE, f"S-{WARNING_SLIDE + 1}")]
    assert result["tokens"]["total"] >= result["tokens"]["all_pages"]  # it paid for every page


def test_an_image_file_is_a_one_page_document(make_agent: Any, root: Path) -> None:
    scanned_image().save(root / "scan.png")
    agent, server = make_agent(red_box_responder)
    result = ask(agent, "Is there a red stamp?", "scan.png")
    assert result["mode"] == "direct"
    [(title, url)] = page_images(server.requests[0].messages[1])
    assert title == "Page 1:"
    assert decode(url).size == (850, 1100)
    assert pages_of(result) == [(1, 0, "")]


def test_direct_limit_comes_from_the_run_context(make_agent: Any) -> None:
    agent, server = make_agent(demo_responder)
    result = ask(agent, DECK_QUESTION, "deck.pdf", context=DocQASettings(direct_max_pages=3))
    assert result["mode"] == "tools"
    assert images_per_request(server)[0] == 0


def _cards(root: Path, count: int) -> str:
    """A PDF of ``count`` 2x2-inch cards: each page costs the model's minimum, 256 tokens."""
    from reportlab.pdfgen.canvas import Canvas  # type: ignore[import-untyped,unused-ignore]  # noqa: PLC0415

    name = f"cards-{count}.pdf"
    if not (root / name).exists():
        canvas = Canvas(str(root / name), pagesize=(144, 144))
        for card in range(count):
            canvas.drawString(20, 70, f"Card {card + 1}")
            canvas.showPage()
        canvas.save()
    return name


def _direct_or_tools(root: Path, name: str, context: int) -> tuple[str, ChatRequest]:
    """Ask about ``name`` with a model whose server holds ``context`` tokens (and says so)."""
    with FakeNemotronServer(red_box_responder, max_model_len=context) as server:
        llm = ChatNemotronOmni(base_url=server.base_url, model="nemotron")
        settings = DocQASettings(context_tokens=context, budget_tokens=10**7)
        agent = create_document_qa_agent(llm, allowed_root=root, settings=settings)
        # A server that cannot hold the request refuses it (400), and the run fails.
        result = agent.invoke({"question": DECK_QUESTION, "documents": [name]})
        return result["mode"], server.requests[0]


def test_direct_page_limit_follows_the_context_up_to_the_benchmark_cap(root: Path) -> None:
    cards_60, cards_100 = _cards(root, 60), _cards(root, 100)
    mode, request = _direct_or_tools(root, cards_100, 10**6)
    assert mode == "direct"
    assert len(page_images(request.messages[1])) == 100
    need = request.prompt_tokens + int(request.body["max_tokens"])  # as the server counts it
    # The limit moves with the context: one token short of the call, it is not made...
    assert _direct_or_tools(root, cards_100, need - 1)[0] == "tools"
    # ...with room for it, it is; and a shorter document fits a context the longer one did not.
    assert _direct_or_tools(root, cards_100, need + 2_000)[0] == "direct"
    assert _direct_or_tools(root, cards_60, need - 1)[0] == "direct"
    # However large the context, no more than MMLongBench-Doc's 120 pages go in one call.
    mode, request = _direct_or_tools(root, _cards(root, 120), 10**6)
    assert (mode, len(page_images(request.messages[1]))) == ("direct", 120)
    assert _direct_or_tools(root, _cards(root, 121), 10**6)[0] == "tools"
    assert DocQASettings().direct_max_pages == 120


# -- the budget ------------------------------------------------------------------------------


def test_long_path_stays_inside_its_budget(make_agent: Any) -> None:
    budget = 36_000  # room for one view of four letter pages, and the final answer
    agent, server = make_agent(greedy_responder)
    result = ask(
        agent, "Summarise the report.", "report.pdf", context=DocQASettings(budget_tokens=budget)
    )
    assert result["finish"] == "budget"
    final = server.requests[-1]
    assert final.tools is None
    assert "without tools" in (final.last_user_text or "")
    assert result["found"] is True
    assert result["citations"][0]["seen"] is True
    tokens = result["tokens"]
    assert tokens["budget"] == budget
    assert tokens["total"] <= budget
    completion = tokens["completion"]
    assert sum(r.prompt_tokens for r in server.requests) + completion <= budget
    assert sum(sent_tokens(r) for r in server.requests) + completion <= budget
    assert max(images_per_request(server)) <= DocQASettings().image_window
    assert len(server.requests) >= 3


def test_a_budget_too_small_for_any_call_says_so(make_agent: Any) -> None:
    agent, server = make_agent(greedy_responder)
    result = ask(
        agent, "Summarise the report.", "report.pdf", context=DocQASettings(budget_tokens=500)
    )
    assert server.requests == []
    assert result["found"] is False
    assert "budget" in result["answer"]
    assert result["tokens"]["total"] == 0


# -- bad input -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "error", "says"),
    [
        ("broken.pdf", CorruptDocumentError, "damaged"),
        ("locked.pdf", EncryptedPDFError, "password"),
        ("empty.pdf", EmptyDocumentError, "no pages"),
        ("zero.pdf", EmptyDocumentError, "0 bytes"),
        ("notes.pdf", UnsupportedDocumentError, "convert it to PDF"),
        ("missing.pdf", DocumentNotFoundError, "no such file"),
        ("../report.pdf", DocumentPathError, "'..'"),
        ("/etc/hostname", DocumentPathError, "outside the allowed document root"),
    ],
)
def test_bad_documents_get_typed_errors(
    make_agent: Any, name: str, error: type[DocumentError], says: str
) -> None:
    agent, server = make_agent(demo_responder)
    with pytest.raises(error) as caught:
        ask(agent, FACT_QUESTION, name)
    assert name in str(caught.value)
    assert says in str(caught.value)
    assert not isinstance(caught.value, ValueError)
    assert server.requests == []


def test_a_symlink_out_of_the_root_is_refused(make_agent: Any, root: Path, tmp_path: Path) -> None:
    outside = tmp_path / "secret.pdf"
    make_deck(outside)
    link = root / "link.pdf"
    if not link.exists():
        link.symlink_to(outside)
    agent, _ = make_agent(demo_responder)
    with pytest.raises(DocumentPathError, match="outside the allowed document root"):
        ask(agent, FACT_QUESTION, "link.pdf")


# -- the command line ------------------------------------------------------------------------


def _cli(
    argv: list[str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> tuple[int, str, str]:
    import argparse  # noqa: PLC0415
    import io  # noqa: PLC0415
    import tempfile  # noqa: PLC0415

    monkeypatch.setenv("XDG_CACHE_HOME", tempfile.mkdtemp())  # a fresh index cache each run

    for name in (
        "NEMOTRON_OMNI_BASE_URL",
        "NEMOTRON_OMNI_PROVIDER",
        "NVIDIA_API_KEY",
        "OPENROUTER_API_KEY",
        "HAIMAKER_API_KEY",
    ):
        monkeypatch.delenv(name, raising=False)
    parser = argparse.ArgumentParser(prog="nemotron-omni")
    add_parser(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    out, err = io.StringIO(), io.StringIO()
    code = run(args, out, err)
    return code, out.getvalue(), err.getvalue()


def test_cli_demo_answers_with_citations_and_tokens(
    root: Path,
    layout: ReportLayout,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, err = _cli(
        ["doc-qa", str(root / "report.pdf"), FACT_QUESTION, "--budget", "20000"],
        monkeypatch,
        capsys,
    )
    assert code == 0, err
    assert "Demo mode" in out
    assert "48,213 tonnes" in out
    assert f"Sources: report.pdf p. {layout.fact + 1} (printed {layout.label(layout.fact)})" in out
    assert "of a 20,000 budget" in out
    assert out.rstrip().endswith(DEMO_LABEL)
    assert "reading text: 300/300 pages" in err
    assert "-> search_text(" in err


def test_cli_reports_a_bad_file_without_a_traceback(
    root: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = _cli(["doc-qa", str(root / "locked.pdf"), "What is it?"], monkeypatch, capsys)
    assert code == 2
    assert out == ""
    assert err.startswith(f"nemotron-omni doc-qa: {root / 'locked.pdf'}: 'locked.pdf' is password")
