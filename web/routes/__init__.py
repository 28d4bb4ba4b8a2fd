"""The page routers, in the order they are mounted."""

from __future__ import annotations

from fastapi import APIRouter

from web.routes import analytics, experts, guides, inbox, review, search, signin, steward, tandems

ROUTERS: list[APIRouter] = [
    signin.router,
    search.router,
    guides.router,
    inbox.router,
    review.router,
    analytics.router,
    steward.router,
    experts.router,
    tandems.router,
]
