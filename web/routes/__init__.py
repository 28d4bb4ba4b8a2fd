"""The page routers, in the order they are mounted."""

from __future__ import annotations

from fastapi import APIRouter

from web.routes import experts, guides, search, signin, steward, tandems

ROUTERS: list[APIRouter] = [
    signin.router,
    search.router,
    guides.router,
    steward.router,
    experts.router,
    tandems.router,
]
