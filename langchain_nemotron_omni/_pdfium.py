"""The one lock every use of PDFium in this package holds.

PDFium is not thread-safe, and pypdfium2 leaves serialising calls to its users: the media
layer (PDFs rendered for requests) and the document-QA agent (pages read on demand) share
this lock so a request and an agent step can never call into PDFium at the same time.
"""

from __future__ import annotations

import threading

PDFIUM_LOCK = threading.RLock()
