"""The request logic of the fake server, independent of the HTTP plumbing.

The app keeps the script and the records, checks and renders each request the way its flavor
does (``_validation``, ``_template``), and hands accepted requests to ``_answer``. Prompt
tokens are estimated as ``len(tokenize(prompt))`` plus a fixed cost per media item,
:data:`MEDIA_TOKEN_COST` (256 per image, 2048 per video, 512 per audio clip).
"""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from langchain_nemotron_omni.testing import _answer, _parsing
from langchain_nemotron_omni.testing._answer import Generation, Turn
from langchain_nemotron_omni.testing._errors import RequestError, error_body, status_phrase
from langchain_nemotron_omni.testing._hosted import to_backend
from langchain_nemotron_omni.testing._script import ChatRequest, HTTPFault, ScriptItem, check_item
from langchain_nemotron_omni.testing._template import prompt_reasoning_open, render_prompt
from langchain_nemotron_omni.testing._validation import check_request, effective_template_kwargs

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator, Mapping
    from pathlib import Path

    from langchain_nemotron_omni.testing.flavors import Flavor, Hosted

MEDIA_TOKEN_COST: Mapping[str, int] = {"image": 256, "video": 2048, "audio": 512}
"""Prompt tokens counted per media item on top of its placeholder text."""

_SERVED_ROOT = "nvidia/Nemotron-3-Nano-Omni-30B-A3B-Reasoning-BF16"


@dataclass(frozen=True, slots=True)
class Settings:
    """The server flags the app imitates."""

    flavor: Flavor
    models: tuple[str, ...]
    """Served model names (``--served-model-name a b``); the first is the default."""
    max_model_len: int
    api_key: str | None
    default_chat_template_kwargs: dict[str, Any]
    allowed_local_media_path: Path | None
    hosted: Hosted | None = None
    """A hosted API's front-end in front of the backend (its field names and checks)."""


class App:
    """Script, records, validation and response bodies; thread-safe."""

    def __init__(
        self, settings: Settings, script: Callable[[ChatRequest], ScriptItem] | list[ScriptItem]
    ) -> None:
        """Hold the settings and the script (a callable or a list of items)."""
        self.settings = settings
        self.flavor = settings.flavor
        """The backend's row: it validates and renders requests."""
        self.client_flavor = settings.flavor.behind(settings.hosted)
        """The row the client sees: it names the fields of the answers."""
        self.lock = threading.Lock()
        self.responder = script if callable(script) else None
        self.items: list[ScriptItem] = [] if callable(script) else script
        self.served = 0
        self.requests: list[ChatRequest] = []
        self.errors: list[str] = []

    # -- script and records ------------------------------------------------------------------

    def add(self, items: list[ScriptItem]) -> None:
        """Append items to a list script."""
        if self.responder is not None:
            msg = "this server is driven by a callable script; add() needs a list script"
            raise TypeError(msg)
        with self.lock:
            self.items.extend(items)

    def remaining(self) -> int:
        """Unconsumed items of a list script."""
        with self.lock:
            return 0 if self.responder is not None else len(self.items) - self.served

    def next_item(self, request: ChatRequest) -> ScriptItem | RequestError:
        """The next scripted answer, or the exhaustion error."""
        if self.responder is not None:
            return check_item(self.responder(request))
        with self.lock:
            if self.served < len(self.items):
                self.served += 1
                return self.items[self.served - 1]
            served = self.served
        return RequestError(
            500,
            f"FakeNemotronServer script exhausted after {served} replies; add more items",
        )

    def record_error(self, text: str) -> None:
        """Keep the traceback of a failure of our own."""
        with self.lock:
            self.errors.append(text)

    def authorized(self, header: str | None) -> bool:
        """Whether the Authorization header carries the API key (when one is set)."""
        key = self.settings.api_key
        return key is None or header == f"Bearer {key}"

    # -- bodies ------------------------------------------------------------------------------

    def error_body(
        self, status: int, message: str, type_: str | None = None, param: str | None = None
    ) -> dict[str, Any]:
        """The flavor's error shape: vLLM nested under "error", SGLang flat."""
        return error_body(self.flavor, status, message, type_, param)

    def fault_body(self, fault: HTTPFault) -> dict[str, Any]:
        """The default body of a scripted fault."""
        message = f"{status_phrase(fault.status)} (scripted HTTPFault {fault.status})".strip()
        return self.error_body(fault.status, message)

    def models_body(self) -> dict[str, Any]:
        """``GET /v1/models``: one card per served name."""
        created = int(time.time())
        return {
            "object": "list",
            "data": [self._card(name, created) for name in self.settings.models],
        }

    def _card(self, name: str, created: int) -> dict[str, Any]:
        envelope = self.flavor.envelope
        card: dict[str, Any] = {
            "id": name,
            "object": "model",
            "created": created,
            "owned_by": envelope.owned_by,
            "root": _SERVED_ROOT,
            "max_model_len": self.settings.max_model_len,
        }
        if envelope.model_permissions:
            card["parent"] = None
            card["permission"] = [
                {
                    "id": f"modelperm-{os.urandom(16).hex()}",
                    "object": "model_permission",
                    "created": created,
                    "allow_create_engine": False,
                    "allow_sampling": True,
                    "allow_logprobs": True,
                    "allow_search_indices": False,
                    "allow_view": True,
                    "allow_fine_tuning": False,
                    "organization": "*",
                    "group": None,
                    "is_blocking": False,
                }
            ]
        return card

    # -- requests ----------------------------------------------------------------------------

    def accept(
        self, body: dict[str, Any], headers: dict[str, str], path: str
    ) -> tuple[ChatRequest, Turn | RequestError]:
        """Validate and render the request; it is recorded either way."""
        s = self.settings
        request: ChatRequest | None = None
        try:
            norm = check_request(
                to_backend(body, s.hosted),
                flavor=self.flavor,
                served_models=s.models,
                default_chat_template_kwargs=s.default_chat_template_kwargs,
                allowed_local_media_path=s.allowed_local_media_path,
            )
            try:
                prompt = (
                    render_prompt(
                        norm.messages,
                        norm.tools,
                        enable_thinking=norm.enable_thinking,
                        truncate_history_thinking=norm.truncate_history_thinking,
                        add_generation_prompt=norm.add_generation_prompt,
                        continue_final_message=norm.continue_final_message,
                    )
                    + norm.assistant_prefix
                )
            except ValueError as exc:  # jinja/transformers errors become 400 in vLLM
                raise RequestError(400, str(exc)) from exc
            prompt_tokens = len(_parsing.tokenize(prompt)) + sum(
                MEDIA_TOKEN_COST[kind] * n for kind, n in norm.media.items()
            )
            request = ChatRequest(
                body=body,
                headers=headers,
                path=path,
                prompt=prompt,
                thinking=norm.enable_thinking,
                prompt_tokens=prompt_tokens,
                ignored_fields=norm.ignored_fields,
            )
            self._check_context(prompt_tokens, norm.max_tokens)
        except RequestError as exc:
            if request is None:  # refused before rendering
                _, kwargs = effective_template_kwargs(
                    body, self.flavor, s.default_chat_template_kwargs
                )
                request = ChatRequest(
                    body=body,
                    headers=headers,
                    path=path,
                    prompt="",
                    thinking=bool(kwargs.get("enable_thinking", True)),
                )
            with self.lock:
                self.requests.append(request)
            return request, exc
        with self.lock:
            self.requests.append(request)
        envelope = self.flavor.envelope
        return request, Turn(
            request=request,
            norm=norm,
            flavor=self.client_flavor,
            reasoning_open=prompt_reasoning_open(prompt),
            request_id=envelope.request_id_prefix + os.urandom(envelope.request_id_bytes).hex(),
            created=int(time.time()),
            model=body["model"] if isinstance(body.get("model"), str) else s.models[0],
        )

    def _check_context(self, prompt_tokens: int, max_tokens: int | None) -> None:
        out = max_tokens or 0
        limit = self.settings.max_model_len
        if prompt_tokens + out <= limit and prompt_tokens < limit:
            return
        msg = self.flavor.context_error.format(
            limit=limit, total=prompt_tokens + out, prompt=prompt_tokens, out=out
        )
        raise RequestError(400, msg, param=self.flavor.context_error_param)

    # -- answers -----------------------------------------------------------------------------

    def generate(self, text: str, turn: Turn) -> Generation:
        """Apply the budget, stop strings and max_tokens to the scripted text."""
        return _answer.generate(text, turn, max_model_len=self.settings.max_model_len)

    def completion(self, gen: Generation, turn: Turn) -> dict[str, Any]:
        """The non-streaming ``chat.completion`` body."""
        return _answer.completion_body(gen, turn)

    def stream_events(self, gen: Generation, turn: Turn, *, interval: int = 1) -> Iterator[bytes]:
        """The SSE events of one answer, without the final ``[DONE]``."""
        return _answer.stream_events(gen, turn, interval=interval)
