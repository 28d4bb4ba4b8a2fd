"""One error shape everywhere: {"detail": [{"msg": "...", "loc": [...]}]}, with the status that fits the cause."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from retrieval.errors import IndexBusy
from workflow.errors import Conflict, Forbidden, InvalidInput, NotFound, WorkflowError

STATUS = {NotFound: 404, Forbidden: 403, Conflict: 409, InvalidInput: 422}


def error_body(msg: str, loc: list[str | int] | None = None) -> dict:
    return {"detail": [{"msg": msg, "loc": loc or []}]}


def install(app: FastAPI) -> None:
    @app.exception_handler(WorkflowError)
    async def workflow_error(_: Request, exc: WorkflowError) -> JSONResponse:
        status = next((code for cls, code in STATUS.items() if isinstance(exc, cls)), 400)
        return JSONResponse(error_body(str(exc)), status_code=status)

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


def _readable(error: dict) -> str:
    field = ".".join(str(p) for p in error.get("loc", [])[1:]) or "body"
    return f"{field}: {error.get('msg', 'invalid value')}"
