"""Store: SQLAlchemy tables, repositories and Alembic migrations. SQLite by default, PostgreSQL at scale."""

from store import analytics_tables as _analytics_tables  # noqa: F401  (registers its tables on Base.metadata)
