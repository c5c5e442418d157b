"""Build what is sent to the model from the stored conversation.

Stored user turns that show pages carry page references (``additional_kwargs["page_refs"]``),
not pixels. Here they become ``"Page N (label L):"`` text parts each followed by an
``image_url`` part with a JPEG data URL, rendered on demand. In the tool loop only the newest
``window`` images are sent; older ones become one-line stubs the model can ask for again.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeAlias, cast

from langchain_core.messages import BaseMessage, HumanMessage

from langchain_nemotron_omni.agents.document_qa.tokens import (
    MESSAGE_OVERHEAD,
    Estimate,
    text_tokens,
)

if TYPE_CHECKING:
    from collections import Counter
    from collections.abc import Sequence

    from langchain_nemotron_omni.agents.document_qa.library import Library
    from langchain_nemotron_omni.agents.document_qa.state import PageRef
    from langchain_nemotron_omni.agents.document_qa.stored import Source

PAGE_REFS = "page_refs"
AFTER_PAGES = "after_pages"
"""Text that follows the pages in the same user turn (the single-call path's instruction)."""

Progress: TypeAlias = Callable[[int, int], None]


def page_message(intro: str, refs: Sequence[PageRef], after: str = "") -> HumanMessage:
    """A stored user turn that shows pages (references only; no image data)."""
    extra: dict[str, Any] = {PAGE_REFS: list(refs)}
    if after:
        extra[AFTER_PAGES] = after
    return HumanMessage(content=intro, additional_kwargs=extra)


def refs_of(message: BaseMessage) -> list[PageRef]:
    """The page references a stored message carries."""
    if not isinstance(message, HumanMessage):
        return []
    return cast("list[PageRef]", message.additional_kwargs.get(PAGE_REFS) or [])


def ref_title(library: Library, ref: PageRef) -> str:
    """``Page 12 (label 8):`` or ``Page 12 (label 8), region [...]:``."""
    name = library.page_name(ref["doc"], ref["page"])
    box = ref["box"]
    if box:
        return f"{name}, region [{', '.join(f'{v:.2f}' for v in box)}]:"
    return f"{name}:"


def ref_tokens(library: Library, ref: PageRef) -> int:
    """Estimated image tokens of a page reference, from the page size (no rendering)."""
    return library.image_cost(ref["doc"], ref["page"], ref["dpi"], ref["box"])


def _shown(messages: Sequence[BaseMessage], window: int | None) -> set[tuple[int, int]]:
    """(message, ref) positions whose images are sent: the newest ``window`` of them."""
    positions = [(m, r) for m, msg in enumerate(messages) for r in range(len(refs_of(msg)))]
    if window is None:
        return set(positions)
    return set(positions[len(positions) - window :]) if window > 0 else set()


def _stub(library: Library, ref: PageRef) -> str:
    return (
        f"{ref_title(library, ref)[:-1]}: [image no longer shown to save tokens; view it again "
        "if you need it]"
    )


def estimate_stored(
    messages: Sequence[BaseMessage], library: Library, window: int | None
) -> Estimate:
    """Estimated prompt tokens of the expanded messages, without rendering anything."""
    shown = _shown(messages, window)
    text = images = count = 0
    for m, message in enumerate(messages):
        content = message.content
        text += MESSAGE_OVERHEAD + text_tokens(
            content if isinstance(content, str) else str(content)
        )
        reasoning = message.additional_kwargs.get("reasoning_content")
        if isinstance(reasoning, str):
            text += text_tokens(reasoning)
        text += text_tokens(str(message.additional_kwargs.get(AFTER_PAGES, "")))
        for call in getattr(message, "tool_calls", None) or []:
            text += MESSAGE_OVERHEAD + text_tokens(call["name"] + str(call["args"]))
        for r, ref in enumerate(refs_of(message)):
            if (m, r) in shown:
                text += text_tokens(ref_title(library, ref))
                images += ref_tokens(library, ref)
                count += 1
            else:
                text += text_tokens(_stub(library, ref))
    return Estimate(text=text, images=images, image_count=count)


def expand(
    messages: Sequence[BaseMessage],
    library: Library,
    window: int | None,
    progress: Progress | None = None,
    sources: Callable[[Counter[Source]], None] | None = None,
) -> list[BaseMessage]:
    """The messages to send: page references rendered into image parts (newest ``window``).

    ``progress`` hears of each image put in; ``sources`` how many came from memory, the
    store, or were rendered (once per request with images).
    """
    shown = _shown(messages, window)
    positions = sorted(shown)
    images, counts = library.images([refs_of(messages[m])[r] for m, r in positions])
    rendered = dict(zip(positions, images, strict=True))
    if sources is not None and images:
        sources(counts)
    total, done = len(positions), 0
    out: list[BaseMessage] = []
    for m, message in enumerate(messages):
        refs = refs_of(message)
        if not refs:
            out.append(message)
            continue
        parts: list[str | dict[str, Any]] = [{"type": "text", "text": str(message.content)}]
        for r, ref in enumerate(refs):
            if (m, r) not in shown:
                parts.append({"type": "text", "text": _stub(library, ref)})
                continue
            image = rendered[m, r]
            url = f"data:{image.mime};base64," + base64.b64encode(image.data).decode("ascii")
            parts.append({"type": "text", "text": ref_title(library, ref)})
            parts.append({"type": "image_url", "image_url": {"url": url}})
            done += 1
            if progress is not None:
                progress(done, total)
        if after := message.additional_kwargs.get(AFTER_PAGES):
            parts.append({"type": "text", "text": str(after)})
        out.append(HumanMessage(content=parts, id=message.id))
    return out
