"""Pytest fixtures for tests against a :class:`FakeNemotronServer`.

Registered through the ``pytest11`` entry point, so any project with this package installed
gets them:

* ``fake_nemotron``: a started server with an empty script (add replies with
  ``fake_nemotron.add(...)``), stopped after the test. Parametrize it indirectly with a flavor
  name or a dict of constructor arguments:
  ``@pytest.mark.parametrize("fake_nemotron", ["sglang"], indirect=True)``.
* ``fake_nemotron_factory``: ``factory(script, **kwargs)`` starts servers; all are stopped at
  teardown.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

import pytest

from langchain_nemotron_omni.testing.server import FakeNemotronServer

if TYPE_CHECKING:
    from collections.abc import Iterator

    from langchain_nemotron_omni.testing.server import Script


class FakeNemotronFactory(Protocol):
    """Starts a :class:`FakeNemotronServer`; it is stopped when the test ends."""

    def __call__(self, script: Script = (), /, **kwargs: Any) -> FakeNemotronServer:
        """Start a server with ``script`` and the constructor's keyword arguments."""
        ...


@pytest.fixture
def fake_nemotron_factory() -> Iterator[FakeNemotronFactory]:
    """Start servers on demand; stop them all at teardown."""
    servers: list[FakeNemotronServer] = []

    def factory(script: Script = (), /, **kwargs: Any) -> FakeNemotronServer:
        server = FakeNemotronServer(script, **kwargs).start()
        servers.append(server)
        return server

    try:
        yield factory
    finally:
        for server in servers:
            server.stop()


@pytest.fixture
def fake_nemotron(request: pytest.FixtureRequest) -> Iterator[FakeNemotronServer]:
    """A started vLLM-flavored server with an empty script (or the indirect parameter's)."""
    param = getattr(request, "param", None)
    kwargs: dict[str, Any] = {}
    if isinstance(param, str):
        kwargs["flavor"] = param
    elif isinstance(param, dict):
        kwargs = dict(param)
    with FakeNemotronServer(**kwargs) as server:
        yield server
