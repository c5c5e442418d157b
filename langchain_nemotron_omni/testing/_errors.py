"""The refusals of the imitated servers: status, message, error ``type`` and ``param``."""

from __future__ import annotations

from http import HTTPStatus
from typing import TYPE_CHECKING, Any, NoReturn

if TYPE_CHECKING:
    from langchain_nemotron_omni.testing.flavors import Flavor

_STATUS_CODES = frozenset(int(s) for s in HTTPStatus)


class RequestError(Exception):
    """A request the imitated server refuses, with the error body's fields."""

    def __init__(
        self, status: int, message: str, *, type_: str | None = None, param: str | None = None
    ) -> None:
        """Store the fields; ``type_`` defaults to the type the server uses for ``status``."""
        super().__init__(message)
        self.status = status
        self.message = message
        self.type = type_ or error_type(status)
        self.param = param


def status_phrase(status: int) -> str:
    """The reason phrase of an HTTP status ("" when unknown)."""
    return HTTPStatus(status).phrase if status in _STATUS_CODES else ""


def error_type(status: int) -> str:
    """Return vLLM's error ``type`` for an HTTP status (``BadRequestError``, ...)."""
    name = status_phrase(status).replace(" ", "").replace("-", "")
    if not name:
        return "Error"
    return name if name.endswith("Error") else name + "Error"


def validator_error(flavor: Flavor, message: str, param: str | None = None) -> RequestError:
    """A failure raised inside the request model's validators."""
    # vLLM raises these inside pydantic validators, so FastAPI's validation handler answers with
    # type "Bad Request" and pydantic's "Value error, " prefix. SGLang reports them plainly.
    if flavor.validator_errors == "plain":
        return RequestError(400, message, param=param)
    return RequestError(400, f"Value error, {message}", type_="Bad Request", param=param)


def reject_field(field: str, problem: str) -> NoReturn:
    """Refuse like pydantic's field validation (``1 validation error for ...``).

    Raises:
        RequestError: Always; ``param`` is the top-level field.
    """
    msg = f"1 validation error for ChatCompletionRequest\n{field}\n  {problem}"
    raise RequestError(400, msg, type_="Bad Request", param=field.partition(".")[0])


def error_body(
    flavor: Flavor, status: int, message: str, type_: str | None = None, param: str | None = None
) -> dict[str, Any]:
    """The flavor's error body: vLLM nests it under ``error``, SGLang keeps it flat."""
    info = {"message": message, "type": type_ or error_type(status), "param": param}
    if flavor.envelope.error_shape == "flat":
        return {"object": "error", **info, "code": status}
    return {"error": {**info, "code": status}}
