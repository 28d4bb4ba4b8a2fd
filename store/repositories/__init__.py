"""Repositories per area, composed by the unit of work (store/uow.py); each returns records, never ORM rows."""
