"""The page routers, in the order they are mounted."""

from __future__ import annotations

from fastapi import APIRouter

from web.routes import analytics, guides, inbox, review, search, signin

ROUTERS: list[APIRouter] = [signin.router, search.router, guides.router, inbox.router, review.router, analytics.router]
