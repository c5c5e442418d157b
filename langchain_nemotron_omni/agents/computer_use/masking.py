"""Secrets the agent types, kept out of everything that is shown or stored.

A run's secrets are values with names. Everywhere a secret could be shown or stored (the
task, the model's replies and the history sent back to it, planned actions, approval
prompts, results, logs, stream events, checkpoints, reports) its value is replaced by its
placeholder ``{{name}}``. Only the environment ever receives the value: when the agent types
text (or loads a URL), placeholders in it are replaced by the values at the last moment.

Where secrets come from:

* **given**: ``create_computer_use_agent(..., secrets={"password": "..."})``. The values
  never enter the graph state. A task names them as ``{{password}}``: LangGraph stores a
  run's input as it was given before any node runs, so a value written into the task itself
  would be in that first checkpoint (the agent still replaces it by its placeholder
  everywhere after). The model sees only placeholders, and types them.
* **found**: text the model types that the run's rules call secret: anything matching the
  settings' ``secret_patterns``, text typed into a password field, text the model's own
  action sentence calls a password. Found values get names ``secret1``, ``secret2``, ... and
  are held in this process's memory for the run (never in the state), so a run resumed in
  another process can no longer type them: the model is told so, and can type the value
  again if it can still see it.

The API, for anything that shows or stores what a run did::

    secrets = run_secrets(session)          # the run's secrets (session id from the state)
    safe = secrets.mask(value)              # str, dict, list, tuple or LangChain message
    mask_secrets(session, value)            # the same in one call

Everything the graph itself stores or emits is masked at the source.
"""

from __future__ import annotations

import re
import threading
from typing import TYPE_CHECKING, Any, TypeVar

from pydantic import BaseModel

from langchain_nemotron_omni.agents.computer_use.errors import ActionError

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

T = TypeVar("T")

MIN_SECRET_CHARS = 3
"""Shorter values are not secrets: masking them would mangle ordinary text."""
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")
_PLACEHOLDER = re.compile(r"\{\{([A-Za-z_][A-Za-z0-9_]{0,63})\}\}")


def placeholder(name: str) -> str:
    """How a secret is written where its value must not appear: ``{{name}}``."""
    return "{{" + name + "}}"


class SecretsError(ValueError):
    """A secret that cannot be used (bad name, too short)."""


class Secrets:
    """A run's secrets: masks their values in anything, puts them back for typing.

    Example:
        ```python
        secrets = Secrets({"password": "hunter2"}, patterns=[r"sk-[A-Za-z0-9]{20,}"])
        secrets.mask("log in with hunter2")  # 'log in with {{password}}'
        secrets.unmask("{{password}}")  # 'hunter2' (only for the environment)
        ```
    """

    def __init__(
        self, given: Mapping[str, str] | None = None, *, patterns: Iterable[str] = ()
    ) -> None:
        """Start with the ``given`` secrets and the ``patterns`` that find more.

        Raises:
            SecretsError: A name is not an identifier, or a value is shorter than
                :data:`MIN_SECRET_CHARS`.
            re.error: A pattern does not compile.
        """
        self._values: dict[str, str] = {}
        self._lock = threading.Lock()
        self.patterns = tuple(re.compile(p) for p in patterns)
        for name, value in (given or {}).items():
            if not _NAME.match(name):
                msg = f"secret name {name!r} must be an identifier (letters, digits, _)"
                raise SecretsError(msg)
            if len(value) < MIN_SECRET_CHARS:
                msg = f"secret {name!r} is shorter than {MIN_SECRET_CHARS} characters"
                raise SecretsError(msg)
            self._values[name] = value

    def with_patterns(self, patterns: Iterable[str]) -> Secrets:
        """A new set with these secrets (none found yet) and ``patterns`` added."""
        fresh = Secrets(patterns=(*(p.pattern for p in self.patterns), *patterns))
        with self._lock:
            fresh._values = dict(self._values)  # same class
        return fresh

    def __repr__(self) -> str:
        """Names only: a repr must never show a value."""
        return f"Secrets(names={sorted(self._values)!r})"

    def __bool__(self) -> bool:
        """Whether the run has any secret or rule."""
        return bool(self._values or self.patterns)

    @property
    def names(self) -> list[str]:
        """The secrets' names (never their values)."""
        with self._lock:
            return list(self._values)

    def holds_placeholder(self, text: str) -> bool:
        """Whether ``text`` names one of these secrets as ``{{name}}``."""
        with self._lock:
            return any(match.group(1) in self._values for match in _PLACEHOLDER.finditer(text))

    def add(self, value: str) -> str | None:
        """Register a found secret; returns its placeholder.

        None when ``value`` is too short to be a secret, or already names one.
        """
        if len(value) < MIN_SECRET_CHARS or self.holds_placeholder(value):
            return None
        with self._lock:
            for name, known in self._values.items():
                if known == value:
                    return placeholder(name)
            number = 1
            while f"secret{number}" in self._values:
                number += 1
            name = f"secret{number}"
            self._values[name] = value
        return placeholder(name)

    def find(self, text: str) -> list[str]:
        """Register what the patterns match in ``text``; returns the placeholders."""
        found = []
        for pattern in self.patterns:
            for match in pattern.finditer(text):
                mark = self.add(match.group(0))
                if mark is not None:
                    found.append(mark)
        return found

    def mask_text(self, text: str) -> str:
        """``text`` with every secret value (and every pattern match) as its placeholder."""
        self.find(text)
        with self._lock:
            pairs = sorted(self._values.items(), key=lambda item: -len(item[1]))
        for name, value in pairs:
            if value in text:
                text = text.replace(value, placeholder(name))
        return text

    def mask(self, value: T) -> T:
        """A copy of ``value`` with every string in it masked.

        Strings, and the values (not keys) of dicts, lists, tuples and pydantic models
        (LangChain messages included) all the way down; anything else is returned as it is.
        """
        masked: T = self._mask(value, depth=0)
        return masked

    def _mask(self, value: Any, *, depth: int) -> Any:
        if depth > 64:  # noqa: PLR2004  # deeper than any state; stop, do not crash
            return value
        if isinstance(value, str):
            return self.mask_text(value)
        if isinstance(value, dict):
            return {key: self._mask(item, depth=depth + 1) for key, item in value.items()}
        if isinstance(value, list | tuple):
            items = [self._mask(item, depth=depth + 1) for item in value]
            return items if isinstance(value, list) else tuple(items)
        if isinstance(value, BaseModel):
            data = self._mask(value.model_dump(), depth=depth + 1)
            return type(value).model_validate(data)
        return value

    def unmask(self, text: str) -> str:
        """``text`` with placeholders replaced by values: only for the environment.

        Raises:
            ActionError: A placeholder names a secret this process does not hold (a found
                secret of a run resumed in another process).
        """

        def value(match: re.Match[str]) -> str:
            name = match.group(1)
            with self._lock:
                known = self._values.get(name)
            if known is not None:
                return known
            if re.fullmatch(r"secret\d+", name):
                msg = (
                    f"{placeholder(name)} is no longer available (the run continued in "
                    "another process); type the value again if you can see it"
                )
                raise ActionError(msg)
            return match.group(0)  # not a secret: typed as written

        return _PLACEHOLDER.sub(value, text)


class _Registry:
    """The secrets of the runs in this process, by session id."""

    def __init__(self) -> None:
        self._runs: dict[str, Secrets] = {}
        self._lock = threading.Lock()

    def start(self, session: str, secrets: Secrets) -> Secrets:
        """Hold ``secrets`` for a run (replacing what an earlier run of the session held)."""
        with self._lock:
            self._runs[session] = secrets
        return secrets

    def get(self, session: str) -> Secrets | None:
        """The run's secrets, if this process holds them."""
        with self._lock:
            return self._runs.get(session)

    def forget(self, session: str) -> None:
        """Drop a finished run's secrets."""
        with self._lock:
            self._runs.pop(session, None)


RUNS = _Registry()
"""The secrets of every run in this process."""
_EMPTY = Secrets()


def run_secrets(session: str) -> Secrets:
    """The secrets of the run with this session id (none known: masks nothing)."""
    return RUNS.get(session) or _EMPTY


def mask_secrets(session: str, value: T) -> T:
    """``value`` with the run's secrets masked (see :meth:`Secrets.mask`)."""
    return run_secrets(session).mask(value)
