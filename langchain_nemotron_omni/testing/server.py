r"""A scripted OpenAI-compatible server that behaves like vLLM (or SGLang) serving Nemotron.

The script holds the *raw text the model emits* after the chat template's prefill, for example
``"The user greets me.\n</think>\nHello!"``. The server renders the real chat template, validates
the request like vLLM 0.20, cuts the text into engine steps, and answers through the flavor's
reasoning and tool parsers (``langchain_nemotron_omni.testing._parsing``), streaming or not.
The emulation choices (token estimates, thinking budget, stop strings) are listed in
``langchain_nemotron_omni.testing._app``.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any, Self

from langchain_nemotron_omni.testing._app import MEDIA_TOKEN_COST, App, Settings
from langchain_nemotron_omni.testing._http import HTTPServer
from langchain_nemotron_omni.testing._script import (
    ChatRequest,
    HTTPFault,
    Reply,
    Script,
    ScriptItem,
    check_item,
    echo_reply,
    rate_limited,
)
from langchain_nemotron_omni.testing.flavors import (
    HOSTED,
    HOSTED_FRONT_ENDS,
    FlavorName,
    Hosted,
    get_flavor,
)

if TYPE_CHECKING:
    import os
    from collections.abc import Mapping, Sequence

__all__ = [
    "MEDIA_TOKEN_COST",
    "ChatRequest",
    "FakeNemotronServer",
    "HTTPFault",
    "Reply",
    "Script",
    "ScriptItem",
    "echo_reply",
    "rate_limited",
]


class FakeNemotronServer:
    r"""A scripted vLLM/SGLang look-alike for Nemotron 3 Nano Omni on a free loopback port.

    Example:
        ```python
        with FakeNemotronServer(["Greeting.\n</think>\nHello!"]) as server:
            client = openai.OpenAI(base_url=server.base_url, api_key="x")
            reply = client.chat.completions.create(model="nemotron", messages=[...])
            assert reply.choices[0].message.content == "\nHello!"
        ```
    """

    def __init__(  # noqa: PLR0913  # every knob mirrors a server flag
        self,
        script: Script = (),
        *,
        flavor: FlavorName = "vllm",
        model: str | Sequence[str] = "nemotron",
        max_model_len: int = 131072,
        api_key: str | None = None,
        default_chat_template_kwargs: Mapping[str, Any] | None = None,
        allowed_local_media_path: str | os.PathLike[str] | None = None,
        hosted: Hosted | None = None,
        port: int = 0,
    ) -> None:
        """Configure the server; call :meth:`start` or use it as a context manager.

        Args:
            script: Items answered in order (``str`` raw model output, :class:`Reply`,
                :class:`HTTPFault`), or a callable ``(ChatRequest) -> item`` (it must be
                thread-safe: requests are served concurrently).
            flavor: Which server to imitate, one of :data:`FLAVORS` (their differences are
                the rows of :mod:`langchain_nemotron_omni.testing.flavors`).
            model: The served model name, or several (``--served-model-name a b``); answers
                carry the requested name.
            max_model_len: The context length (``--max-model-len``).
            api_key: Require ``Authorization: Bearer <api_key>`` on ``/v1`` (``--api-key``).
            default_chat_template_kwargs: Server defaults (``--default-chat-template-kwargs``).
            allowed_local_media_path: Allow ``file://`` media under this folder
                (``--allowed-local-media-path``).
            hosted: Put a hosted API's front-end (``"nvidia"`` or ``"openrouter"``) in front
                of the vLLM backend: its own request fields, checks and answer field names.
            port: The port to bind on 127.0.0.1; 0 picks a free one.

        Raises:
            ValueError: Unknown flavor or a non-positive ``max_model_len``.
            TypeError: A script item that is not a str, Reply or HTTPFault.
        """
        row = get_flavor(flavor)
        if max_model_len < 1:
            msg = f"max_model_len must be >= 1, got {max_model_len}"
            raise ValueError(msg)
        if hosted is not None and (
            hosted not in HOSTED_FRONT_ENDS or HOSTED_FRONT_ENDS[hosted].backend != flavor
        ):
            msg = f"hosted must be one of {', '.join(HOSTED)}, on the vllm flavor"
            raise ValueError(msg)
        models = (model,) if isinstance(model, str) else tuple(model)
        if not models:
            msg = "model needs at least one served name"
            raise ValueError(msg)
        settings = Settings(
            flavor=row,
            models=models,
            max_model_len=max_model_len,
            api_key=api_key,
            default_chat_template_kwargs=dict(default_chat_template_kwargs or {}),
            allowed_local_media_path=(
                Path(allowed_local_media_path) if allowed_local_media_path is not None else None
            ),
            hosted=hosted,
        )
        self._app = App(settings, script if callable(script) else [check_item(i) for i in script])
        self._port = port
        self._httpd: HTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle ---------------------------------------------------------------------------

    def start(self) -> Self:
        """Bind 127.0.0.1 and serve from a daemon thread; returns self.

        Raises:
            RuntimeError: The server is already running.
        """
        if self._httpd is not None:
            msg = "FakeNemotronServer is already running"
            raise RuntimeError(msg)
        httpd = HTTPServer(("127.0.0.1", self._port), self._app)
        self._httpd = httpd
        # Already listening: connections queue until serve_forever picks them up.
        self._thread = threading.Thread(
            target=httpd.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"FakeNemotronServer:{httpd.server_address[1]}",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and drop open connections (idempotent)."""
        httpd, self._httpd = self._httpd, None
        if httpd is None:
            return
        httpd.stopping.set()  # wakes replies sleeping on a delay
        httpd.shutdown()
        httpd.server_close()
        httpd.drop_connections()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> Self:
        """Start (unless already running) and return the server."""
        if self._httpd is None:
            self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        """Stop the server."""
        self.stop()

    def __repr__(self) -> str:
        """Flavor and URL only: never the API key."""
        where = self.base_url if self._httpd is not None else "not started"
        return f"FakeNemotronServer(flavor={self.flavor!r}, base_url={where!r})"

    # -- public state ------------------------------------------------------------------------

    @property
    def flavor(self) -> FlavorName:
        """The imitated server flavor."""
        return self._app.flavor.name

    @property
    def model(self) -> str:
        """The (first) served model name."""
        return self._app.settings.models[0]

    @property
    def port(self) -> int:
        """The bound port.

        Raises:
            RuntimeError: The server is not running.
        """
        if self._httpd is None:
            msg = "FakeNemotronServer is not started"
            raise RuntimeError(msg)
        return int(self._httpd.server_address[1])

    @property
    def base_url(self) -> str:
        """The OpenAI base URL, ``http://127.0.0.1:PORT/v1``."""
        return f"http://127.0.0.1:{self.port}/v1"

    @property
    def requests(self) -> list[ChatRequest]:
        """Chat requests received so far, in arrival order (a snapshot).

        Refused requests are included, with ``prompt == ""`` when refused before rendering.
        """
        with self._app.lock:
            return list(self._app.requests)

    @property
    def errors(self) -> list[str]:
        """Tracebacks of the server's own failures (each answered as a 500)."""
        with self._app.lock:
            return list(self._app.errors)

    @property
    def remaining(self) -> int:
        """Script items not consumed yet (0 for a callable script)."""
        return self._app.remaining()

    def add(self, *items: ScriptItem) -> None:
        """Append items to the script.

        Raises:
            TypeError: The script is a callable, or an item has the wrong type.
        """
        self._app.add([check_item(item) for item in items])
