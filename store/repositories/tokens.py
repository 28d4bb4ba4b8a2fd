"""API tokens: only their hash is stored; the plaintext is shown once."""

from __future__ import annotations

import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from store.records import PersonRecord, TokenRecord
from store.repositories.rows import maybe, record_of
from store.repository import TOKEN_PREFIX, hash_token, new_id
from store.tables import ApiTokenRow, PersonRow, utcnow


class TokenRepository:
    def __init__(self, session: Session) -> None:
        self.s = session

    def create(self, person_id: str, name: str = "") -> tuple[str, str]:
        """A new token: (its id, the plaintext, returned this once)."""
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        row = ApiTokenRow(id=new_id(), person_id=person_id, name=name, token_hash=hash_token(token))
        self.s.add(row)
        self.s.flush()
        return row.id, token

    def person_for(self, token: str) -> PersonRecord | None:
        """The person behind a token that is known and not revoked."""
        row = self.s.scalars(
            select(ApiTokenRow).where(ApiTokenRow.token_hash == hash_token(token), ApiTokenRow.revoked_at.is_(None))
        ).first()
        return maybe(PersonRecord, self.s.get(PersonRow, row.person_id)) if row else None

    def of(self, person_id: str) -> list[TokenRecord]:
        query = select(ApiTokenRow).where(ApiTokenRow.person_id == person_id).order_by(ApiTokenRow.created_at)
        return [record_of(TokenRecord, r) for r in self.s.scalars(query)]

    def get(self, token_id: str) -> TokenRecord | None:
        return maybe(TokenRecord, self.s.get(ApiTokenRow, token_id))

    def revoke(self, token_id: str) -> None:
        row = self.s.get(ApiTokenRow, token_id)
        if row is not None and row.revoked_at is None:
            row.revoked_at = utcnow()
            self.s.flush()
