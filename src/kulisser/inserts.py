"""A new record written with one Core INSERT and kept in the session as if it had been flushed.

The hot paths (a booking with its calling letter and the letter's work item) create a record
that the caller goes on using as an ORM object. The unit of work's flush of one new object
(dependency sorting, the flush's own subtransaction and its events, per-column bookkeeping)
cost more Python than the statement itself; here the INSERT is built once per model and sent
through the session's connection, and the object joins the session as persistent, with the
values that were stored: nothing in the session is stale, and reading an unloaded
relationship (its history rows, say) queries the database as after a flush.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Column, Insert, Table, insert, inspect
from sqlalchemy.orm import Mapper, Session, make_transient_to_detached


@dataclass(frozen=True)
class _Plan:
    """How one model's new rows are inserted: the statement and where each value comes from."""

    stmt: Insert
    pk: str  # the attribute of the generated primary key
    # (attribute, column key, Python default or None) for every other column.
    columns: tuple[tuple[str, str, Any], ...]
    version: str | None  # the mapper's version counter, which starts at 1 as the ORM's does
    relationships: tuple[str, ...]  # none may be set: their rows would not be written


_PLANS: dict[type, _Plan] = {}


def _plan(cls: type) -> _Plan:
    mapper: Mapper[Any] = inspect(cls)
    table = cast(Table, mapper.local_table)
    (pk_column,) = mapper.primary_key
    columns = []
    for prop in mapper.column_attrs:
        column = cast(Column[Any], prop.columns[0])
        if column is pk_column:
            continue
        default = column.default
        if default is not None and not (default.is_scalar or default.is_callable):
            raise TypeError(f"{cls.__name__}.{prop.key}: only scalar and callable defaults")
        if default is None and column.server_default is not None and column is not mapper.version_id_col:
            raise TypeError(f"{cls.__name__}.{prop.key}: a server default is not known before the INSERT")
        columns.append((prop.key, column.key, default))
    version_col = mapper.version_id_col
    version = None if version_col is None else mapper.get_property_by_column(version_col).key
    return _Plan(stmt=insert(table).returning(pk_column), pk=mapper.get_property_by_column(pk_column).key,
                 columns=tuple(columns), version=version,
                 relationships=tuple(rel.key for rel in mapper.relationships))


def add_new(session: Session, obj: Any) -> None:
    """Insert a new (transient) ORM object in one statement; it becomes persistent, not pending.

    Anything already pending in the session is flushed first, as an autoflush would, so that
    the row's foreign keys find what they point to. A column's Python default is applied here
    (the object holds what the row holds); a database error propagates as from a flush.
    """
    plan = _PLANS.get(type(obj))
    if plan is None:
        plan = _PLANS[type(obj)] = _plan(type(obj))
    if session.new or session.dirty or session.deleted:
        session.flush()
    values = obj.__dict__  # the instance's attribute dict (InstanceState.dict)
    if any(rel in values for rel in plan.relationships):
        raise TypeError(f"{type(obj).__name__}: a related object set before add_new would not be written")
    params: dict[str, Any] = {}
    for attr, key, default in plan.columns:
        if attr in values:
            params[key] = values[attr]
        elif attr == plan.version:
            params[key] = values[attr] = 1
        elif default is None:
            params[key] = values[attr] = None
        else:
            value = default.arg if default.is_scalar else default.arg(None)
            params[key] = values[attr] = value
    values[plan.pk] = session.connection().execute(plan.stmt, params).scalar_one()
    # Now as if loaded: the values above are its committed state, relationships not set are
    # unloaded (read from the database when first used), and the session holds it.
    make_transient_to_detached(obj)
    session.add(obj)
