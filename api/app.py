"""The FastAPI app. `create_app(tacit)` takes an already built Tacit; `app_from_settings()` is the app factory that
`tacit serve` (and `uvicorn --factory api.app:app_from_settings`) runs in each worker process."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request

import web
from api import errors
from api.bootstrap import Tacit
from api.limits import RequestLimits, WriteLimiter
from api.oidc import JWTVerifier
from api.routes import analytics, feedback, governance, guides, inbox, ingest, lti, slack, tandems, webhooks
from api.settings import Settings
from workflow.people import stored_counts

DESCRIPTION = """Tacit watches community threads, asks experts one good follow-up question about their terse answers,
and turns their replies into cited guides that learners find by meaning. Authenticate with
`Authorization: Bearer <token>` (`tacit token create HANDLE`)."""


def app_from_settings() -> FastAPI:
    """A Tacit built from the environment, as one uvicorn worker process serves it (uvicorn's `factory=True`).

    With the embedded vector index the folder is opened here, so a second process fails at start, saying that the
    index has one writer, instead of on its first search.
    """
    from api.bootstrap import build

    settings = Settings()
    tacit = build(settings)
    if not settings.qdrant_url:
        tacit.index.count()  # takes the folder's lock now (IndexBusy: another process serves it)
    tacit.warm_up()
    return create_app(tacit)


def create_app(tacit: Tacit, *, manage_runner: bool = True) -> FastAPI:
    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        if manage_runner:
            tacit.start()
        yield
        if manage_runner:
            tacit.stop()

    app = FastAPI(title="Tacit", version="0.1.0", description=DESCRIPTION, lifespan=lifespan)
    app.state.tacit = tacit
    app.state.jwt_verifier = _jwt_verifier(tacit.settings)
    errors.install(app)
    settings = tacit.settings
    app.state.write_limiter = WriteLimiter(writes=settings.rate_limit_writes, storage=settings.rate_limit_storage)
    app.add_middleware(RequestLimits, max_body_bytes=settings.max_body_bytes)
    app.add_middleware(errors.ServerErrors)  # outermost of ours: a 500 never breaks the keep-alive connection
    for module in (ingest, inbox, guides, feedback, governance, tandems, webhooks, slack, analytics, lti):
        app.include_router(module.router)

    @app.get("/healthz", tags=["ops"])
    def health(request: Request) -> dict:
        """Liveness and a few counts."""
        t: Tacit = request.app.state.tacit
        counts = stored_counts(t.services)
        return {"status": "ok", "engine": t.services.engine_name, "jobs_pending": t.runner.pending(), **counts}

    web.mount(app)  # the pages (web/): same app, same workflow functions
    return app


def _jwt_verifier(settings: Settings) -> JWTVerifier | None:
    if not settings.oidc_issuer:
        return None
    return JWTVerifier(
        issuer=settings.oidc_issuer,
        audience=settings.oidc_audience or "tacit",
        jwks_url=settings.oidc_jwks_url,
        jwks_file=settings.oidc_jwks_file,
        handle_claim=settings.oidc_handle_claim,
    )
