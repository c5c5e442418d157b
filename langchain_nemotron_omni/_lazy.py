"""Module attributes imported on first use (PEP 562), shared by the package's ``__init__``s."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping


def lazy_attributes(
    module_name: str, sources: Mapping[str, str], namespace: dict[str, Any]
) -> Callable[[str], object]:
    """A module ``__getattr__`` that imports ``name`` from ``sources[name]`` on first access.

    The value is stored in ``namespace`` (the module's globals), so later lookups are plain.
    """

    def __getattr__(name: str) -> object:  # noqa: N807 - the module hook's required name
        source = sources.get(name)
        if source is None:
            msg = f"module {module_name!r} has no attribute {name!r}"
            raise AttributeError(msg)
        value = getattr(importlib.import_module(source), name)
        namespace[name] = value
        return value

    return __getattr__
