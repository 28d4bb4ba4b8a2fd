"""Errors on pages: one page with a message a person can act on, never a JSON body or a traceback.

JSON paths (/v1, /docs, /healthz, ...) keep the API's error envelope: the handlers below hand them back to it.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Awaitable, Callable

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from web.security import CsrfFailed, SignInRequired, optional_person, sign_in_url
from workflow.errors import Conflict, Forbidden, InvalidInput, NotFound, WorkflowError

log = logging.getLogger("tacit.web")
API_PREFIXES = ("/v1/", "/v1", "/docs", "/redoc", "/openapi.json", "/healthz")
Handler = Callable[[Request, Exception], Awaitable[Response]]

NOT_FOUND = (
    "Page not found",
    "There is nothing here, or it is in a community you are not a member of. Check the link, or ask a steward "
    "of that community to add you.",
)


def is_page(request: Request) -> bool:
    path = request.url.path
    return not any(path == p or path.startswith(p.rstrip("/") + "/") for p in API_PREFIXES)


def error_page(request: Request, status: int, heading: str, message: str, detail: str = "") -> Response:
    from web.templating import render  # late: templating imports security, which this module imports too

    try:
        person = optional_person(request, request.app.state.tacit.services)
    except Exception:  # the error page must render even when the database is what failed
        person = None
    context = {"heading": heading, "message": message, "detail": detail}
    response = render(request, "error.html", context, person=person, status=status)
    return response


def _workflow_page(request: Request, exc: WorkflowError) -> Response:
    if isinstance(exc, NotFound):
        return error_page(request, 404, *NOT_FOUND)
    if isinstance(exc, Forbidden):
        return error_page(request, 403, "Not allowed", f"You cannot do this: {exc}.")
    if isinstance(exc, Conflict):
        return error_page(request, 409, "This changed meanwhile", f"{exc}. Reload the page to see where it stands.")
    if isinstance(exc, InvalidInput):
        return error_page(request, 422, "Please check what you sent", f"{exc}. Go back, correct it and send again.")
    return error_page(request, 400, "That did not work", str(exc))


def install(app: FastAPI) -> None:
    """Page-aware handlers in front of the API's JSON ones."""
    # The API's own handlers (api/errors.py), installed first, answer every JSON path with the one envelope.
    json_handlers: dict[type[Exception], Handler] = {
        cls: app.exception_handlers[cls]  # type: ignore[misc]
        for cls in (WorkflowError, RequestValidationError, StarletteHTTPException, Exception)
    }

    async def json_or(request: Request, exc: Exception, page: Callable[[], Response]) -> Response:
        if is_page(request):
            return page()
        handler = next(h for cls, h in json_handlers.items() if isinstance(exc, cls))
        return await handler(request, exc)

    @app.exception_handler(WorkflowError)
    async def workflow_error(request: Request, exc: WorkflowError) -> Response:
        return await json_or(request, exc, lambda: _workflow_page(request, exc))

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> Response:
        fields = sorted({str(e.get("loc", ["", "value"])[-1]) for e in exc.errors()})
        message = f"Some of what you sent is missing or not valid ({', '.join(fields)}). Go back and try again."
        return await json_or(request, exc, lambda: error_page(request, 422, "Please check what you sent", message))

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        def page() -> Response:
            if exc.status_code == 404:
                return error_page(request, 404, *NOT_FOUND)
            if exc.status_code == 405:
                return error_page(request, 405, "Not here", "This address cannot be used that way; go back.")
            return error_page(request, exc.status_code, "That did not work", str(exc.detail))

        return await json_or(request, exc, page)

    @app.exception_handler(SignInRequired)
    async def sign_in_required(request: Request, exc: SignInRequired) -> Response:
        target = sign_in_url(exc.next_url)
        if request.headers.get("hx-request") == "true":
            return Response(status_code=204, headers={"HX-Redirect": target})
        return RedirectResponse(target, status_code=303)

    @app.exception_handler(CsrfFailed)
    async def csrf_failed(request: Request, exc: CsrfFailed) -> Response:
        message = f"The form could not be accepted: {exc}. Go back, reload the page and send it again."
        return error_page(request, 403, "Please send the form again", message)

    @app.exception_handler(Exception)
    async def crashed(request: Request, exc: Exception) -> Response:
        if not is_page(request):
            return await json_handlers[Exception](request, exc)
        reference = uuid.uuid4().hex[:8]
        log.exception("page error ref=%s path=%s", reference, request.url.path)
        message = (
            "Something went wrong on our side; nothing you sent was lost. Try again in a moment; if it keeps "
            f"happening, tell your steward the reference {reference}."
        )
        return error_page(request, 500, "Something went wrong", message)
