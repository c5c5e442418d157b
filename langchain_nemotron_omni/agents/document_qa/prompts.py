"""What the agent tells the model, for each path."""

from __future__ import annotations

DIRECT_SYSTEM = """\
You answer questions about documents. Every page of the document is shown to you as an \
image, each preceded by its page number and printed label ("Page N (label L):"). Answer \
only from what the pages show. Call the answer tool with your answer, the page numbers N \
it rests on, and found=false if the pages do not contain the answer (then say so)."""

TOOLS_SYSTEM = """\
You answer questions about long documents without reading every page. Pages are numbered \
from 1 in file order; a printed label (e.g. "iv" or "12") may differ from the number. Use \
the page number N in tool calls; in the answer's pages give N as an integer, or the printed \
label as a string ("iv"). Cite only pages you have read or viewed.

Tools:
- outline: the table of contents and page labels.
- search_text: pages whose text matches words (with a snippet and where on the page).
- read_page_text: the text layer of one page (cheapest way to read a page).
- view_pages: see up to {pages_per_view} pages as images (tables, charts, scans, layout).
- zoom: see a region of a page (bbox [x0, y0, x1, y1] in 0-1 from the top left) sharper.
- answer: give the answer, the pages it rests on, and whether it was found.

Every request re-sends the conversation, so each image you keep costs tokens on every \
later call: prefer search and text, view only the pages you need, and answer as soon as \
the evidence is clear. If the document does not contain the answer, call answer with \
found=false. Budget for this question: {budget:,} tokens."""

QUESTION_TOOLS = """\
Question: {question}

Documents:
{overview}"""

QUESTION_DIRECT = """\
Question: {question}

{overview}
All {pages} page(s) follow."""

DIRECT_AFTER_PAGES = "Answer the question from these pages and call the answer tool."

VIEW_INTRO = "The page images you asked for:"

FINAL_REQUEST = """\
{reason} Answer the question now from what you have already seen, without tools. Write \
the answer, then a last line "Pages: N, M" with the page numbers it rests on, or \
"Pages: none" if what you have seen does not answer the question (then say that the \
answer was not found in the pages read)."""

BUDGET_REASON = "The token budget for this question is nearly spent."
STEPS_REASON = "The step limit for this question is reached."

NOT_ANSWERED = (
    "No answer: the token budget ({budget:,}) was spent before the evidence could be "
    "summarised. Ask again with a larger budget."
)

UNREAD_CITATION = """\
Not recorded: the answer cites {pages}, which you have not read or viewed in this \
question. A page is evidence only once you have seen it: read it (read_page_text or \
view_pages) and answer again, or cite only pages you have read."""
