r"""Test helpers: a scripted vLLM/SGLang look-alike serving Nemotron 3 Nano Omni.

```python
from langchain_nemotron_omni.testing import FakeNemotronServer

with FakeNemotronServer(["The user says hi.\n</think>\nHello!"]) as server:
    ...  # point a client at server.base_url
```

Standard library only, so importing it adds no dependencies. Pytest fixtures
(``fake_nemotron``, ``fake_nemotron_factory``) are registered by the package's pytest plugin.
"""

from langchain_nemotron_omni.testing._hosted import HOSTED, Hosted
from langchain_nemotron_omni.testing._parsing import FLAVORS, FlavorName
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
    "HOSTED",
    "ChatRequest",
    "FakeNemotronServer",
    "FlavorName",
    "HTTPFault",
    "Hosted",
    "Reply",
    "echo_reply",
    "rate_limited",
]
