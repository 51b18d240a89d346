"""SQL expressions that SQLite and PostgreSQL spell differently, written once for both.

They let a hot path ask the database for a figure in the statement it already runs, instead of
fetching rows to work the figure out in Python with a statement of their own.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement


def _args(element: FunctionElement[Any], compiler: SQLCompiler, **kw: Any) -> list[str]:
    return [compiler.process(arg, **kw) for arg in element.clauses]


class seconds_between(FunctionElement[float]):  # noqa: N801 (used like a SQL function)
    """Seconds from the first timestamp to the second, to the millisecond.

    SQLite keeps timestamps as text and its ``julianday`` is off by some microseconds: rounded to
    the millisecond, 5 minutes is 300.0 exactly, as Python's ``timedelta`` says.
    """

    type = sa.Float()
    inherit_cache = True
    name = "seconds_between"


@compiles(seconds_between, "sqlite")
def _seconds_sqlite(element: seconds_between, compiler: SQLCompiler, **kw: Any) -> str:
    start, end = _args(element, compiler, **kw)
    return f"round((julianday({end}) - julianday({start})) * 86400.0, 3)"


@compiles(seconds_between)
def _seconds_standard(element: seconds_between, compiler: SQLCompiler, **kw: Any) -> str:
    start, end = _args(element, compiler, **kw)
    return f"EXTRACT(EPOCH FROM ({end} - {start}))"


class json_list_has(FunctionElement[bool]):  # noqa: N801 (used like a SQL function)
    """True when a JSON column holding a list of strings contains the value (NULL: false)."""

    type = sa.Boolean()
    inherit_cache = True
    name = "json_list_has"


@compiles(json_list_has, "sqlite")
def _has_sqlite(element: json_list_has, compiler: SQLCompiler, **kw: Any) -> str:
    column, value = _args(element, compiler, **kw)
    # Compiled fragments (a column, a bind parameter), never data.
    return f"EXISTS (SELECT 1 FROM json_each({column}) WHERE json_each.value = {value})"  # noqa: S608


@compiles(json_list_has)
def _has_standard(element: json_list_has, compiler: SQLCompiler, **kw: Any) -> str:
    column, value = _args(element, compiler, **kw)
    return f"(CAST({column} AS JSONB) @> jsonb_build_array(CAST({value} AS TEXT)))"
