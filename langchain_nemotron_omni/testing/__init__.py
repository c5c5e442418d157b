r"""Test helpers: a scripted vLLM/SGLang look-alike serving Nemotron 3 Nano Omni.

```python
from langchain_nemotron_omni.testing import FakeNemotronServer

with FakeNemotronServer(["The user says hi.\n</think>\nHello!"]) as server:
    ...  # point a client at server.base_url
```

Standard library only, so importing it adds no dependencies. Pytest fixtures
(``fake_nemotron``, ``fake_nemotron_factory``) are registered by the package's pytest plugin.
"""

from langchain_nemotron_omni.testing.flavors import (
    FLAVOR_TABLE,
    FLAVORS,
    HOSTED,
    HOSTED_FRONT_ENDS,
    Flavor,
    FlavorName,
    Hosted,
    HostedFrontEnd,
)
from langchain_nemotron_omni.testing.server import (
    ChatRequest,
    FakeNemotronServer,
    HTTPFault,
    Reply,
    echo_reply,
    rate_limited,
)

__all__ = [
    "FLAVORS",
    "FLAVOR_TABLE",
    "HOSTED",
    "HOSTED_FRONT_ENDS",
    "ChatRequest",
    "FakeNemotronServer",
    "Flavor",
    "FlavorName",
    "HTTPFault",
    "Hosted",
    "HostedFrontEnd",
    "Reply",
    "echo_reply",
    "rate_limited",
]
