"""fal.ai's queue API for Nemotron 3 Nano Omni (not OpenAI-compatible).

``prompt`` writes a conversation as fal's single-prompt request, ``queue`` speaks the queue
protocol, ``transport`` plugs both into the chat model.
"""

from __future__ import annotations

from langchain_nemotron_omni.fal.prompt import (
    VIDEO_SUBPATH,
    FalInputError,
    FalRequest,
    build_request,
)
from langchain_nemotron_omni.fal.queue import (
    FAL_QUEUE_URL,
    FalAuthenticationError,
    FalError,
    FalQueue,
    FalResult,
    FalSettings,
    FalTimeoutError,
    FalUpdate,
)
from langchain_nemotron_omni.fal.transport import FAL_QUEUE_EVENT, FalTransport

__all__ = [
    "FAL_QUEUE_EVENT",
    "FAL_QUEUE_URL",
    "VIDEO_SUBPATH",
    "FalAuthenticationError",
    "FalError",
    "FalInputError",
    "FalQueue",
    "FalRequest",
    "FalResult",
    "FalSettings",
    "FalTimeoutError",
    "FalTransport",
    "FalUpdate",
    "build_request",
]
