r"""``create_document_qa_agent``: ask questions of PDFs and images, with page citations.

The graph (routing by conditional edges on the state, as in every agent of this package)::

    START -> prepare -> call_model -> run_tools -> call_model ... -> END
                            |  \\________________________________/
                            +-> final_answer -> END   (budget or step limit reached)

``prepare`` opens the documents inside the allowed root and picks the path: a short document
goes in one call with every page as an image (the MMLongBench-Doc way); a long one is read
through tools. Before every call the request is estimated; when the call and a final answer
after it no longer fit the budget, ``final_answer`` asks the model to answer from what it has
seen, without tools. Nodes are synchronous: PDF work is blocking I/O, and ``langgraph dev``
refuses blocking calls in async nodes.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from langchain_core.messages import AIMessage, HumanMessage, RemoveMessage, SystemMessage
from langgraph.graph import END, START, StateGraph
from langgraph.graph.message import REMOVE_ALL_MESSAGES

from langchain_nemotron_omni.agents.common import (
    SETTINGS_KEY,
    ModelSource,
    emit,
    model_for,
    run_settings,
    start_settings,
)
from langchain_nemotron_omni.agents.document_qa import prompts
from langchain_nemotron_omni.agents.document_qa.accounting import charge, new_usage
from langchain_nemotron_omni.agents.document_qa.citations import (
    pages_from_text,
    refuse_unread,
    resolve_citations,
    says_not_found,
    seen_key,
)
from langchain_nemotron_omni.agents.document_qa.documents import DocumentCache
from langchain_nemotron_omni.agents.document_qa.errors import QuestionInputError
from langchain_nemotron_omni.agents.document_qa.evidence import locate
from langchain_nemotron_omni.agents.document_qa.index import IndexCache
from langchain_nemotron_omni.agents.document_qa.library import Library
from langchain_nemotron_omni.agents.document_qa.model_input import (
    estimate_stored,
    expand,
    page_message,
)
from langchain_nemotron_omni.agents.document_qa.page_images import STORED_PAGES, page_image_cache
from langchain_nemotron_omni.agents.document_qa.paths import resolve_root
from langchain_nemotron_omni.agents.document_qa.state import (
    DocQASettings,
    Finish,
    InputState,
    OutputState,
    PageRef,
    State,
    TokenUsage,
)
from langchain_nemotron_omni.agents.document_qa.tokens import (
    Calibration,
    estimate_messages,
    tools_tokens,
)
from langchain_nemotron_omni.agents.document_qa.tools import (
    ANSWER_TOOL,
    ToolRunner,
    tool_schemas,
)

if TYPE_CHECKING:
    import os
    from collections.abc import Callable, Sequence

    from langchain_core.language_models import BaseChatModel
    from langchain_core.messages import BaseMessage
    from langgraph.graph.state import CompiledStateGraph
    from langgraph.runtime import Runtime
    from langgraph.store.base import BaseStore
    from langgraph.types import Checkpointer

    from langchain_nemotron_omni.agents.document_qa.stored import Source

AGENT = "document_qa"
_FINAL_MARGIN = 1500
"""Room kept for what a tool turn adds before the final call (text results are capped)."""
_ANSWER_LINE = "pages:"
IMAGE_SOURCES: tuple[Source, ...] = ("memory", "store", "rendered")
"""Where the page images of a request came from (the ``images`` event counts each)."""
_UNCALIBRATED = Calibration(text_factor=2.0)
"""Text counted double before the server has reported any usage: the text around page images
is titles, numbers and markup, which tokenize far denser than prose. Images follow the patch
rule, so this costs the page limit almost nothing, and a call over the context is an error."""


class _Agent:
    """The nodes, sharing the model, the allowed root and the document caches."""

    def __init__(
        self,
        model: ModelSource[DocQASettings],
        root: str | os.PathLike[str],
        settings: DocQASettings,
        index_dir: str | os.PathLike[str] | None,
        stored_pages: int,
    ) -> None:
        self.model_source = model
        self._root = root
        self.settings = settings
        self.documents = DocumentCache()
        self.renders = page_image_cache(stored_pages)
        self.indexes = IndexCache(index_dir)

    # -- shared helpers ---------------------------------------------------------------------

    @property
    def root(self) -> Path:
        """The allowed root, checked on every use (it may be created after the server starts)."""
        return resolve_root(self._root)

    def settings_of(self, state: State) -> DocQASettings:
        """The settings the question was asked with."""
        return run_settings(self.settings, state)

    def library(self, state: State, runtime: Runtime[DocQASettings]) -> Library:
        """The question's documents, re-checked against the root (state can be edited)."""
        paths = [info["path"] for info in state.get("docs", [])]
        return self._open(paths, runtime.store)

    def _open(self, paths: Sequence[str], store: BaseStore | None) -> Library:
        return Library.open(
            paths,
            self.root,
            cache=self.documents,
            renders=self.renders,
            indexes=self.indexes,
            store=store,
        )

    def _invoke(
        self, messages: Sequence[BaseMessage], tools: list[dict[str, Any]], settings: DocQASettings
    ) -> AIMessage:
        model: BaseChatModel = model_for(self.model_source, settings)
        runnable = model.bind_tools(tools) if tools else model
        reply = runnable.invoke(list(messages), max_tokens=settings.output_tokens)
        if not isinstance(reply, AIMessage):
            msg = f"the chat model returned {type(reply).__name__}, not AIMessage"
            raise TypeError(msg)
        return reply

    @staticmethod
    def _progress(stage: str) -> Callable[[int, int], None]:
        def report(done: int, total: int) -> None:
            emit(AGENT, "progress", stage=stage, done=done, total=total)

        return report

    def _expand(
        self, messages: Sequence[BaseMessage], library: Library, window: int | None
    ) -> list[BaseMessage]:
        """The request's messages, page images in; says where the images came from."""
        return expand(
            messages,
            library,
            window,
            self._progress("rendering"),
            lambda sources: emit(AGENT, "images", **{s: sources[s] for s in IMAGE_SOURCES}),
        )

    # -- nodes ------------------------------------------------------------------------------

    def prepare(self, state: State, runtime: Runtime[DocQASettings]) -> dict[str, Any]:
        """Fix the question's settings, open the documents, choose the path, ask."""
        settings = start_settings(self.settings, runtime.context)
        question = str(state.get("question") or "").strip()
        documents = state.get("documents") or []
        if not question:
            msg = "the input has no question; pass {'question': ..., 'documents': [...]}"
            raise QuestionInputError(msg)
        if isinstance(documents, str) or not documents:
            msg = "documents must be a non-empty list of paths under the allowed root"
            raise QuestionInputError(msg)
        library = self._open(documents, runtime.store)
        for name, count, source in library.load_indexes(self._progress("reading text")):
            emit(AGENT, "index", document=name, pages=count, source=source)
        all_pages = library.all_pages_cost(settings.dpi)
        pages = library.page_count()
        refs: list[PageRef] = [
            {"doc": n, "page": i, "dpi": settings.dpi, "box": None}
            for n, doc in enumerate(library.docs, start=1)
            for i in range(doc.page_count)
        ]
        names = "; ".join(
            f"doc={n}: {d.name} ({d.page_count} pages)" for n, d in enumerate(library.docs, 1)
        )
        intro = prompts.QUESTION_DIRECT.format(question=question, overview=names, pages=pages)
        first: BaseMessage = page_message(intro, refs, prompts.DIRECT_AFTER_PAGES)
        # The whole call (system prompt, every page, the answer tool, the reply), estimated
        # as call_model will, with text counted high: overflowing the context is an error.
        history = [SystemMessage(prompts.DIRECT_SYSTEM), first]
        need = _call_tokens(library, history, [ANSWER_TOOL], None, settings, _UNCALIBRATED)
        direct = pages <= settings.direct_max_pages and need <= min(
            settings.context_tokens, settings.budget_tokens
        )
        seen: list[str] = []
        if direct:
            seen = [seen_key(r["doc"], r["page"]) for r in refs]
        else:
            overview = library.overview(settings.dpi)
            first = HumanMessage(
                prompts.QUESTION_TOOLS.format(question=question, overview=overview)
            )
        return {
            "question": question,
            "docs": library.infos(),
            "messages": [RemoveMessage(id=REMOVE_ALL_MESSAGES), first],
            "mode": "direct" if direct else "tools",
            "seen": seen,
            "steps": 0,
            "text_factor": 1.0,
            "answer": "",
            "found": False,
            "citations": [],
            "tokens": new_usage(settings.budget_tokens, all_pages),
            "finish": None,
            SETTINGS_KEY: settings.to_state(),
        }

    def _system(self, state: State, settings: DocQASettings) -> SystemMessage:
        if state.get("mode") == "direct":
            return SystemMessage(prompts.DIRECT_SYSTEM)
        return SystemMessage(
            prompts.TOOLS_SYSTEM.format(
                pages_per_view=settings.pages_per_view, budget=settings.budget_tokens
            )
        )

    def call_model(self, state: State, runtime: Runtime[DocQASettings]) -> dict[str, Any]:
        """Call the model with tools, unless the budget or step limit says to answer now."""
        settings = self.settings_of(state)
        library = self.library(state, runtime)
        direct = state.get("mode") == "direct"
        usage = state["tokens"]
        calibration = Calibration(text_factor=state.get("text_factor", 1.0))
        if state.get("steps", 0) >= settings.max_steps:
            return {"finish": "max_steps"}
        tools = [ANSWER_TOOL] if direct else tool_schemas(settings)
        window = None if direct else settings.image_window
        system = self._system(state, settings)
        history = [system, *state["messages"]]
        need = _call_tokens(library, history, tools, window, settings, calibration)
        # The tool loop must leave room for one more, final, call of about the same size.
        reserve = 0 if direct else need + _FINAL_MARGIN
        if usage["total"] + need + reserve > usage["budget"]:
            return {"finish": "budget"}
        request = [system, *self._expand(state["messages"], library, window)]
        estimate = estimate_messages(request, tools)
        reply = self._invoke(request, tools, settings)
        tokens = charge(usage, estimate, calibration, reply)
        emit(
            AGENT,
            "model",
            step=state.get("steps", 0) + 1,
            tools=[call["name"] for call in reply.tool_calls],
            tokens=tokens["total"],
            budget=tokens["budget"],
        )
        update: dict[str, Any] = {
            "messages": [reply],
            "tokens": tokens,
            "text_factor": calibration.text_factor,
            "steps": state.get("steps", 0) + 1,
        }
        if not reply.tool_calls:
            update |= self._text_answer(library, reply, state.get("seen", []))
        return update

    def _text_answer(
        self, library: Library, reply: AIMessage, seen: Sequence[str]
    ) -> dict[str, Any]:
        """Answer fields from a plain-text reply (citations from its ``Pages:`` line).

        There is no turn left to send the model back for pages it cites without having read
        them, so those stay in the citations marked ``seen: false`` (without boxes) and are
        no evidence: the answer counts as found only when a page it read backs it. They are
        kept even then, so whoever reads the result sees what the model pointed at.
        """
        text = reply.text.strip()
        body = "\n".join(
            line for line in text.splitlines() if not line.strip().lower().startswith(_ANSWER_LINE)
        ).strip()
        not_found = says_not_found(text)
        citations = (
            [] if not_found else resolve_citations(library, pages_from_text(text), set(seen))
        )
        return {
            "answer": body or text,
            "found": any(c["seen"] for c in citations),
            "citations": locate(library, citations, body or text, ""),
            "finish": "text",
        }

    def run_tools(self, state: State, runtime: Runtime[DocQASettings]) -> dict[str, Any]:
        """Run the last reply's tool calls; page images follow in one user turn."""
        settings = self.settings_of(state)
        library = self.library(state, runtime)
        usage = state["tokens"]
        reply = state["messages"][-1]
        calls = reply.tool_calls if isinstance(reply, AIMessage) else []
        calibration = Calibration(text_factor=state.get("text_factor", 1.0))
        window = None if state.get("mode") == "direct" else settings.image_window
        history = [self._system(state, settings), *state["messages"]]
        next_call = _call_tokens(
            library, history, tool_schemas(settings), window, settings, calibration
        )
        # New images are paid twice: in the next call and in the final answer after it.
        room = (usage["budget"] - usage["total"] - 2 * next_call - _FINAL_MARGIN) // 2
        runner = ToolRunner(library, settings, room)
        messages: list[BaseMessage] = []
        refs: list[PageRef] = []
        seen = list(state.get("seen", []))
        answer = None
        for call in calls:
            outcome = runner.run(call)
            seen += [key for key in outcome.seen if key not in seen]
            if outcome.answer is not None and answer is None:
                refused = refuse_unread(library, outcome.answer.pages, seen)
                if refused:
                    outcome.message.content = refused
                    outcome.answer = None
            messages.append(outcome.message)
            refs += outcome.refs
            answer = answer or outcome.answer
            emit(
                AGENT,
                "tool",
                tool=call["name"],
                args=call["args"],
                pages=sorted({int(key.split(":")[1]) + 1 for key in outcome.seen}),
                error=str(outcome.message.content).startswith(("Error:", "Not recorded:")),
                tokens=usage["total"],
            )
        if refs:
            messages.append(page_message(prompts.VIEW_INTRO, refs))
        update: dict[str, Any] = {"messages": messages, "seen": seen}
        if answer is None:
            return update
        citations = resolve_citations(library, answer.pages, set(seen))
        finish: Finish = "answer"
        update |= {
            "answer": answer.answer,
            "found": answer.found,
            "citations": locate(library, citations, answer.answer, answer.quote)
            if answer.found
            else [],
            "finish": finish,
        }
        return update

    def final_answer(self, state: State, runtime: Runtime[DocQASettings]) -> dict[str, Any]:
        """Ask for the best supported answer from what was seen, without tools."""
        settings = self.settings_of(state)
        library = self.library(state, runtime)
        usage: TokenUsage = state["tokens"]
        calibration = Calibration(text_factor=state.get("text_factor", 1.0))
        finish: Finish = state.get("finish") or "budget"
        reason = prompts.STEPS_REASON if finish == "max_steps" else prompts.BUDGET_REASON
        ask = HumanMessage(prompts.FINAL_REQUEST.format(reason=reason))
        stored = [self._system(state, settings), *state["messages"], ask]
        # Fewer images until the call fits; none at all if need be.
        windows: list[int | None] = [None] if state.get("mode") == "direct" else []
        for window in [*windows, *range(settings.image_window, -1, -1)]:
            need = calibration.tokens(estimate_stored(stored, library, window))
            if usage["total"] + need + settings.output_tokens <= usage["budget"]:
                break
        else:
            return {
                "answer": prompts.NOT_ANSWERED.format(budget=usage["budget"]),
                "found": False,
                "citations": [],
                "finish": finish,
            }
        request = self._expand(stored, library, window)
        estimate = estimate_messages(request)
        reply = self._invoke(request, [], settings)
        update = self._text_answer(library, reply, state.get("seen", []))
        update |= {
            "messages": [ask, reply],
            "tokens": charge(usage, estimate, calibration, reply),
            "text_factor": calibration.text_factor,
            "finish": finish,
        }
        return update


def create_document_qa_agent(  # noqa: PLR0913  # keyword-only options
    model: ModelSource[DocQASettings],
    *,
    allowed_root: str | os.PathLike[str] | None = None,
    settings: DocQASettings | None = None,
    checkpointer: Checkpointer = None,
    index_dir: str | os.PathLike[str] | None = None,
    store: BaseStore | None = None,
    stored_pages: int = STORED_PAGES,
    name: str = AGENT,
) -> CompiledStateGraph[State, DocQASettings, InputState, OutputState]:
    """A LangGraph agent answering questions about PDFs and images, citing pages.

    Args:
        model: The chat model (e.g. ``ChatNemotronOmni``), or a function of the run's
            :class:`DocQASettings` returning one (called per question, so a served graph
            imports without an endpoint and a run can pick a configured endpoint).
        allowed_root: The only folder documents are read from (relative paths start here;
            ``..`` and links out are refused). Defaults to the current directory. It must
            exist when a question is asked, not when the graph is built.
        settings: Budgets and limits (:class:`DocQASettings`); a run overrides the fields
            it names in its context (the graph's context schema is the same class).
        checkpointer: Persistence for threads; leave None under the LangGraph server.
        index_dir: Folder where each document's text index is kept by content hash (the
            command line uses one); under a LangGraph server the indexes go to the
            server's store instead, so leave it None there.
        store: A LangGraph store for the indexes and page images outside a server (a server
            brings its own).
        stored_pages: Most whole-page images kept in the store per document (0: none); see
            ``page_images.py``.
        name: The graph's name.

    Returns:
        A compiled graph: input ``{"question", "documents"}``; output ``answer``, ``found``,
        ``citations``, ``tokens``, ``mode`` and ``finish``.
    """
    root = allowed_root if allowed_root is not None else Path.cwd()
    agent = _Agent(model, root, settings or DocQASettings(), index_dir, stored_pages)
    builder = StateGraph(
        State, context_schema=DocQASettings, input_schema=InputState, output_schema=OutputState
    )
    builder.add_node("prepare", agent.prepare)
    builder.add_node("call_model", agent.call_model)
    builder.add_node("run_tools", agent.run_tools)
    builder.add_node("final_answer", agent.final_answer)
    builder.add_edge(START, "prepare")
    builder.add_edge("prepare", "call_model")
    builder.add_conditional_edges("call_model", route_after_model)
    builder.add_conditional_edges("run_tools", route_after_tools)
    builder.add_edge("final_answer", END)
    return builder.compile(checkpointer=checkpointer, store=store, name=name)


def route_after_model(state: State) -> Literal["run_tools", "final_answer", "__end__"]:
    """Tools when the reply called some; the final answer when a limit stopped the call."""
    finish = state.get("finish")
    if finish in {"budget", "max_steps"}:
        return "final_answer"
    if finish is not None:
        return "__end__"
    return "run_tools"


def route_after_tools(state: State) -> Literal["call_model", "__end__"]:
    """Back to the model, unless the answer tool ended the question."""
    return "__end__" if state.get("finish") is not None else "call_model"


def _call_tokens(  # noqa: PLR0913, PLR0917
    library: Library,
    history: Sequence[BaseMessage],
    tools: Sequence[dict[str, Any]],
    window: int | None,
    settings: DocQASettings,
    calibration: Calibration,
) -> int:
    """Tokens one call will use: its prompt (estimated without rendering) and its reply."""
    prompt = calibration.tokens(estimate_stored(history, library, window))
    return prompt + calibration.text_tokens(tools_tokens(tools)) + settings.output_tokens
