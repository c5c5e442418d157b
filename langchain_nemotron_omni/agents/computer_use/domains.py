"""The browser's domain allow-list.

An entry allows its host and every subdomain (``example.com`` allows ``www.example.com``);
an entry with a port (``127.0.0.1:8000``) allows only that port. URLs that load no network
resource (``about:``, ``data:``, ``blob:``, ``chrome-error:``...) are always allowed;
``file:`` URLs only when there is no allow-list.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from collections.abc import Iterable

_NETWORK_SCHEMES = frozenset({"http", "https", "ws", "wss", "ftp"})


class DomainPolicy:
    """Decides which URLs the browser may load."""

    def __init__(self, allowed: Iterable[str] | None) -> None:
        """Build the policy; ``allowed=None`` allows every host.

        Raises:
            ValueError: An empty entry.
        """
        self.allowed: tuple[str, ...] | None = None
        if allowed is not None:
            entries = tuple(_normalize(entry) for entry in allowed)
            if any(not entry for entry in entries):
                msg = "allowed domains must not be empty strings"
                raise ValueError(msg)
            self.allowed = entries

    def allows(self, url: str) -> bool:
        """Whether the browser may load ``url``."""
        if self.allowed is None:
            return True
        parts = urlsplit(url)
        scheme = parts.scheme.lower()
        if scheme == "file":
            return False
        if scheme not in _NETWORK_SCHEMES:
            return True
        host = (parts.hostname or "").lower().rstrip(".")
        port = parts.port
        for entry in self.allowed:
            entry_host, _, entry_port = entry.partition(":")
            if entry_port and str(port) != entry_port:
                continue
            if host == entry_host or host.endswith("." + entry_host):
                return True
        return False

    def refusal(self, url: str) -> str:
        """The error the model reads when ``url`` is not allowed."""
        allowed = ", ".join(self.allowed or ())
        return f"{url} is not in the allowed domains ({allowed}); the request was blocked"


def _normalize(entry: str) -> str:
    entry = entry.strip().lower()
    if "://" in entry:
        parts = urlsplit(entry)
        host = parts.hostname or ""
        return f"{host}:{parts.port}" if parts.port else host
    return entry.rstrip("/").rstrip(".")
