"""State, settings and runtime context of the document-QA graph.

Page images never enter the state: a view is a :class:`PageRef` (document, page, dpi, crop)
rendered again on demand, so checkpoints stay small however many pages the model looks at.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from typing import Annotated, Literal, TypedDict

from langchain_core.messages import AnyMessage  # noqa: TC002  # LangGraph reads the hints at runtime
from langgraph.graph.message import add_messages

from langchain_nemotron_omni.agents.document_qa.errors import SettingsError

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
    """Whether the model read or viewed this page while answering."""


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


@dataclass(frozen=True, kw_only=True)
class DocQASettings:
    """Tunables of the agent; every field can be overridden per run through :class:`Context`.

    Attributes:
        budget_tokens: Most tokens (prompt and completion, all calls) one question may use.
        direct_max_pages: Documents up to this many pages may go in one call, all pages shown.
        direct_max_tokens: ...and only when all their page images cost at most this much.
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

    budget_tokens: int = 60_000
    direct_max_pages: int = 20
    direct_max_tokens: int = 40_000
    dpi: int = 144
    max_view_dpi: int = 200
    zoom_pixels: int = 1_600_000
    max_zoom_dpi: int = 400
    pages_per_view: int = 4
    image_window: int = 4
    max_steps: int = 10
    output_tokens: int = 4096
    page_text_chars: int = 6000
    search_hits: int = 8

    def __post_init__(self) -> None:
        """Refuse values that cannot work.

        Raises:
            SettingsError: A field is not a positive integer (``image_window`` may be 0).
        """
        for field in fields(self):
            value = getattr(self, field.name)
            minimum = 0 if field.name in {"image_window", "direct_max_pages"} else 1
            if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
                msg = f"{field.name} must be an integer >= {minimum}, got {value!r}"
                raise SettingsError(msg)


@dataclass(kw_only=True)
class Context:
    """Per-run overrides of :class:`DocQASettings` (None keeps the agent's value).

    Passed as ``graph.invoke(..., context=Context(budget_tokens=20_000))`` or, through the
    LangGraph server, ``runs.wait(..., context={"budget_tokens": 20000})``. The document root
    is deliberately not here: a caller must not widen what a served graph may read.
    """

    budget_tokens: int | None = None
    direct_max_pages: int | None = None
    direct_max_tokens: int | None = None
    dpi: int | None = None
    max_view_dpi: int | None = None
    zoom_pixels: int | None = None
    max_zoom_dpi: int | None = None
    pages_per_view: int | None = None
    image_window: int | None = None
    max_steps: int | None = None
    output_tokens: int | None = None
    page_text_chars: int | None = None
    search_hits: int | None = None

    def apply(self, base: DocQASettings) -> DocQASettings:
        """``base`` with this context's values in place of its own.

        Raises:
            SettingsError: A value is out of range.
        """
        changes = {f.name: getattr(self, f.name) for f in fields(self)}
        return replace(base, **{k: v for k, v in changes.items() if v is not None})
