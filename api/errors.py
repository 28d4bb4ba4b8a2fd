"""One error shape everywhere: {"detail": [{"msg": "...", "loc": [...]}]}, with the status that fits the cause."""

from __future__ import annotations

import json
import logging
import traceback

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from api.limits import ASGIApp, Message, Receive, Scope, Send
from workflow.errors import Conflict, Forbidden, InvalidInput, NotFound, WorkflowError

log = logging.getLogger("tacit.api")

STATUS = {NotFound: 404, Forbidden: 403, Conflict: 409, InvalidInput: 422}


def error_body(msg: str, loc: list[str | int] | None = None) -> dict:
    return {"detail": [{"msg": msg, "loc": loc or []}]}


def install(app: FastAPI) -> None:
    @app.exception_handler(WorkflowError)
    async def workflow_error(_: Request, exc: WorkflowError) -> JSONResponse:
        status = next((code for cls, code in STATUS.items() if isinstance(exc, cls)), 400)
        return JSONResponse(error_body(str(exc)), status_code=status)

    @app.exception_handler(RequestValidationError)
    async def validation_error(_: Request, exc: RequestValidationError) -> JSONResponse:
        errors = exc.errors()
        if any(e.get("type") == "json_invalid" for e in errors):
            e = next(e for e in errors if e.get("type") == "json_invalid")
            reason = (e.get("ctx") or {}).get("error", "invalid JSON")
            return JSONResponse(error_body(f"The request body is not valid JSON ({reason})."), status_code=400)
        detail = [{"msg": _readable(e), "loc": list(e.get("loc", []))} for e in errors]
        return JSONResponse({"detail": detail}, status_code=422)


def _readable(error: dict) -> str:
    field = ".".join(str(p) for p in error.get("loc", [])[1:]) or "body"
    return f"{field}: {error.get('msg', 'invalid value')}"


class ServerErrors:
    """ASGI middleware: an unhandled error becomes a 500 in the one error shape and is logged (path only, no query
    or body), and is not raised further: the server would otherwise drop the keep-alive connection after the 500,
    resetting the client's next request on it."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, tracking)
        except Exception as exc:
            frame = traceback.extract_tb(exc.__traceback__)[-1]
            # Never the exception's message or a traceback with values: drivers put the statement's data there.
            log.error(
                "server error method=%s path=%s error=%s at=%s:%d",
                scope.get("method"),
                scope.get("path"),
                type(exc).__name__,
                frame.filename,
                frame.lineno or 0,
            )
            if started:
                return  # the response is on its way; nothing more can be said on it
            body = json.dumps(error_body("Tacit failed to handle this request; it was logged. Try again later."))
            await send(
                {
                    "type": "http.response.start",
                    "status": 500,
                    "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())],
                }
            )
            await send({"type": "http.response.body", "body": body.encode()})
