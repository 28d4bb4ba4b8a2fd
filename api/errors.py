"""One error shape everywhere: {"detail": [{"msg": "...", "loc": [...]}]}, with the status that fits the cause.

Every non-2xx answer goes through here: the workflow's and the connectors' own errors, request validation,
Starlette's HTTP errors (unknown routes, wrong methods, auth, size) and, last, anything unexpected (500).
"""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from connectors.errors import ConnectorError, InvalidPayload, InvalidSignature, NotConfigured
from retrieval.errors import IndexBusy
from store.errors import DuplicateKey
from workflow.errors import Conflict, Forbidden, InvalidInput, NotFound, WorkflowError

log = logging.getLogger("tacit.api")

STATUS: dict[type[Exception], int] = {
    NotFound: 404,
    Forbidden: 403,
    Conflict: 409,
    InvalidInput: 422,
    InvalidSignature: 401,
    NotConfigured: 404,
    InvalidPayload: 400,
}
RACE_LOST = "Another request changed this at the same moment; reload to see where it stands, then try again."
SERVER_ERROR = "Something went wrong on our side; nothing you sent was lost. Try again, or tell your steward."


def error_body(msg: str, loc: list[str | int] | None = None) -> dict:
    return {"detail": [{"msg": msg, "loc": loc or []}]}


def status_of(exc: Exception) -> int:
    """The HTTP status of a workflow or connector error (400 when no closer one fits)."""
    return next((code for cls, code in STATUS.items() if isinstance(exc, cls)), 400)


def install(app: FastAPI) -> None:
    @app.exception_handler(WorkflowError)
    @app.exception_handler(ConnectorError)
    async def known_error(_: Request, exc: Exception) -> JSONResponse:
        return JSONResponse(error_body(str(exc)), status_code=status_of(exc))

    @app.exception_handler(DuplicateKey)
    async def race_lost(_: Request, exc: DuplicateKey) -> JSONResponse:
        return JSONResponse(error_body(RACE_LOST), status_code=409)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        return JSONResponse(error_body(_sentence(exc)), status_code=exc.status_code, headers=exc.headers)

    @app.exception_handler(IndexBusy)
    async def index_busy(_: Request, exc: IndexBusy) -> JSONResponse:
        return JSONResponse(error_body(str(exc)), status_code=503)

    @app.exception_handler(RequestValidationError)
    async def validation_error(_: Request, exc: RequestValidationError) -> JSONResponse:
        errors = exc.errors()
        if any(e.get("type") == "json_invalid" for e in errors):
            e = next(e for e in errors if e.get("type") == "json_invalid")
            reason = (e.get("ctx") or {}).get("error", "invalid JSON")
            return JSONResponse(error_body(f"The request body is not valid JSON ({reason})."), status_code=400)
        detail = [{"msg": _readable(e), "loc": list(e.get("loc", []))} for e in errors]
        return JSONResponse({"detail": detail}, status_code=422)

    @app.exception_handler(Exception)
    async def unexpected(_: Request, exc: Exception) -> JSONResponse:
        log.error("unhandled %s", type(exc).__name__, exc_info=exc)
        return JSONResponse(error_body(SERVER_ERROR), status_code=500)


def _sentence(exc: StarletteHTTPException) -> str:
    if isinstance(exc.detail, str) and exc.detail:
        if exc.status_code == 404 and exc.detail == "Not Found":
            return "There is nothing at this address; the API is described at /docs."
        if exc.status_code == 405:
            return "This address does not take that method; the API is described at /docs."
        return exc.detail
    return "The request could not be handled."


def _readable(error: dict) -> str:
    field = ".".join(str(p) for p in error.get("loc", [])[1:]) or "body"
    return f"{field}: {error.get('msg', 'invalid value')}"
