"""State, settings and runtime context of the document-QA graph.

Page images never enter the state: a view is a :class:`PageRef` (document, page, dpi, crop)
rendered again on demand, so checkpoints stay small however many pages the model looks at.
"""

from __future__ import annotations

from typing import Annotated, Any, ClassVar, Literal

from langchain_core.messages import AnyMessage  # noqa: TC002  # LangGraph reads the hints at runtime
from langgraph.graph.message import add_messages
from pydantic import NonNegativeInt, PositiveInt  # noqa: TC002  # pydantic reads them

# typing_extensions' TypedDict: LangGraph's server builds the graph's JSON schemas with
# pydantic, which refuses typing.TypedDict on Python < 3.12.
from typing_extensions import TypedDict

from langchain_nemotron_omni.agents.common.settings import AgentSettings

Mode = Literal["direct", "tools"]
Finish = Literal["answer", "text", "budget", "max_steps"]
"""How a question ended: the answer tool, a plain-text reply, the budget, the step limit."""


class PageRef(TypedDict):
    """A page (or a region of one) shown to the model, rendered when a request is built."""

    doc: int
    """1-based document number."""
    page: int
    """0-based page index."""
    dpi: float
    box: list[float] | None
    """Crop ``[x0, y0, x1, y1]`` in [0, 1] from the top left, or None for the whole page."""


class DocumentInfo(TypedDict):
    """A document of the question, as resolved inside the allowed root."""

    doc: int
    name: str
    path: str
    kind: str
    pages: int


class Citation(TypedDict):
    """A page the answer rests on."""

    doc: int
    document: str
    page: int
    """1-based page number in the file."""
    index: int
    """0-based page index."""
    label: str
    """The page label printed on the page ("" when the PDF has none)."""
    seen: bool
    """Whether the model read or viewed this page while answering (unread pages are never
    evidence: the answer tool refuses them, a plain-text answer keeps them marked unread)."""
    boxes: list[list[float]]
    """Where the supporting passage is on the page: ``[x0, y0, x1, y1]`` per line, fractions
    of the page from the top left (empty for scans, images and unlocated passages)."""


class TokenUsage(TypedDict):
    """Tokens spent on one question."""

    budget: int
    prompt: int
    """Prompt tokens charged: per call, the larger of the server's count and the estimate."""
    completion: int
    total: int
    calls: int
    reported_prompt: int
    """Prompt tokens as the server reported them (0 when it reports none)."""
    all_pages: int
    """Estimate for sending every page once as an image: the cost the agent avoids."""


class InputState(TypedDict):
    """What a run takes: a question and the documents (paths under the allowed root)."""

    question: str
    documents: list[str]


class OutputState(TypedDict, total=False):
    """What a run returns."""

    answer: str
    found: bool
    citations: list[Citation]
    tokens: TokenUsage
    mode: Mode
    finish: Finish | None
    seen: list[str]
    """Pages the model read or viewed, as ``"doc:index"`` (0-based index)."""


class State(TypedDict, total=False):
    """The whole graph state."""

    question: str
    documents: list[str]
    docs: list[DocumentInfo]
    messages: Annotated[list[AnyMessage], add_messages]
    mode: Mode
    seen: list[str]
    """Pages the model read or viewed, as ``"doc:index"``."""
    steps: int
    text_factor: float
    """Calibration of text estimates against the server's usage (see ``tokens.Calibration``)."""
    answer: str
    found: bool
    citations: list[Citation]
    tokens: TokenUsage
    finish: Finish | None
    settings: dict[str, Any]
    """The run's :class:`DocQASettings`, fixed when the question was asked."""


class DocQASettings(AgentSettings):
    """Tunables of the agent, and the run context of its graph (one class for both).

    Build the agent with them (``create_document_qa_agent(model, settings=...)``, or
    ``DocQASettings.from_env()`` in a served graph: ``NEMOTRON_OMNI_DOCQA_BUDGET_TOKENS``,
    ...); a run overrides the fields it names:
    ``graph.invoke(..., context={"budget_tokens": 20000})``. The document root is
    deliberately not here: a caller must not widen what a served graph may read.

    Attributes:
        budget_tokens: Most tokens (prompt and completion, all calls) one question may use.
        direct_max_pages: Documents up to this many pages may go in one call, all pages shown
            (120 is MMLongBench-Doc's page cap)...
        context_tokens: ...when that call (pages, question, answer) fits the model's context
            (and the budget). 131,072 is the context the model's cookbook serves with.
        dpi: Resolution of page images (144 is what MMLongBench-Doc uses).
        max_view_dpi: Highest resolution ``view_pages`` may ask for.
        zoom_pixels: Pixel count a zoomed region is rendered at (about pixels/1024 tokens).
        max_zoom_dpi: Highest resolution of a zoom.
        pages_per_view: Most pages one ``view_pages`` call shows.
        image_window: Page images kept in each request of the tool loop; older ones become
            text stubs (the model can view them again).
        max_steps: Most model calls in the tool loop before the final answer is asked for.
        output_tokens: ``max_tokens`` of each call, reserved in the budget before calling.
        page_text_chars: Most characters ``read_page_text`` returns.
        search_hits: Most pages ``search_text`` lists.
    """

    env_prefix: ClassVar[str] = "NEMOTRON_OMNI_DOCQA_"

    budget_tokens: PositiveInt = 60_000
    direct_max_pages: NonNegativeInt = 120
    context_tokens: PositiveInt = 131_072
    dpi: PositiveInt = 144
    max_view_dpi: PositiveInt = 200
    zoom_pixels: PositiveInt = 1_600_000
    max_zoom_dpi: PositiveInt = 400
    pages_per_view: PositiveInt = 4
    image_window: NonNegativeInt = 4
    max_steps: PositiveInt = 10
    output_tokens: PositiveInt = 4096
    page_text_chars: PositiveInt = 6000
    search_hits: PositiveInt = 8
