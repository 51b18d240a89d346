"""The statements every ticket runs, executed straight on the database driver.

Measured on SQLite with one kiosk sending (``bench/central_queue``): SQLAlchemy's execution of a
Core statement costs about 15 µs of Python before the driver sees it (events, the compiled-cache
lookup, parameter set-up, the result object), and twice that for the 20-column ticket row, where
SQLite runs most of these statements in 3 to 6 µs. For the four statements of a ticket that was
a fifth of central's time per ticket (0.77 to 0.60 ms a create transaction).

:class:`Prepared` compiles a Core statement once per dialect and set of parameter names, and runs
it on the DBAPI cursor of the caller's connection, inside its transaction. Parameters and result
columns go through the type processors SQLAlchemy would use, and driver errors come out as
SQLAlchemy's (an ``IntegrityError`` stays one). What it leaves out: engine events and echo for
these statements. Everything else in central executes through SQLAlchemy as usual.
"""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Callable, Mapping, MutableMapping, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.expression import ClauseElement

Processor = Callable[[Any], Any]


@dataclass
class _Plan:
    """One statement compiled for one dialect and one set of parameter names."""

    sql: str
    compiled: SQLCompiler
    order: tuple[str, ...] | None
    """Parameter names in placeholder order (``?``, ``%s``), or None for named placeholders."""
    writers: Mapping[str, Processor]
    columns: list[tuple[str, sa.types.TypeEngine[Any]]]
    row: Any
    readers: list[Processor | None] | None = field(default=None)
    """Result processors, made at the first run from the driver's column types."""

    @classmethod
    def build(cls, statement: ClauseElement, dialect: Dialect, names: tuple[str, ...]) -> _Plan:
        compiled = cast(SQLCompiler, statement.compile(dialect=dialect, column_keys=list(names)))
        if compiled.escaped_bind_names or compiled.literal_execute_params or compiled.post_compile_params:
            raise ValueError(f"not a statement for Prepared (parameters rendered at run time): {compiled}")
        writers: dict[str, Processor] = {}
        for name, bind in compiled.binds.items():
            writer = bind.type.dialect_impl(dialect).bind_processor(dialect)
            if writer is not None:
                writers[name] = writer
        exported = getattr(statement, "exported_columns", ())
        columns = [(key, column.type) for key, column in exported.items()] if exported else []
        row = namedtuple("Row", [key for key, _ in columns]) if columns else None
        order = tuple(compiled.positiontup or ()) if compiled.positional else None
        return cls(str(compiled), compiled, order, writers, columns, row)

    def arguments(self, params: Mapping[str, Any]) -> Sequence[Any] | MutableMapping[str, Any]:
        values = self.compiled.construct_params(params)
        writers = self.writers
        for name, writer in writers.items():
            values[name] = writer(values[name])
        if self.order is None:
            return values
        return tuple(values[name] for name in self.order)

    def rows(self, dialect: Dialect, description: Any, raw: Sequence[Any]) -> list[Any]:
        readers = self.readers
        if readers is None:
            readers = self.readers = [
                type_.dialect_impl(dialect).result_processor(dialect, described[1])
                for (_key, type_), described in zip(self.columns, description, strict=True)
            ]
        make = self.row
        if not any(readers):
            return [make(*values) for values in raw]
        return [
            make(
                *(value if read is None else read(value) for read, value in zip(readers, values, strict=True))
            )
            for values in raw
        ]


class Prepared:
    """A Core statement run on the driver's cursor (see the module's notes for when and why)."""

    def __init__(self, statement: ClauseElement) -> None:
        self.statement = statement
        self._plans: dict[tuple[type[Dialect], str, tuple[str, ...]], _Plan] = {}

    def execute(self, conn: Connection, params: Mapping[str, Any]) -> list[Any]:
        """Run it in ``conn``'s transaction; the rows (named tuples), or [] for a statement without."""
        dialect = conn.dialect
        names = tuple(params)
        key = (type(dialect), dialect.paramstyle, names)
        plan = self._plans.get(key)
        if plan is None:  # two threads may both build it: the same plan, the last one kept
            plan = self._plans[key] = _Plan.build(self.statement, dialect, names)
        arguments = plan.arguments(params)
        dbapi = dialect.loaded_dbapi
        cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        try:
            cursor.execute(plan.sql, arguments)
            if plan.row is None:
                return []
            return plan.rows(dialect, cursor.description, cursor.fetchall())
        except dbapi.Error as exc:
            raise sa.exc.DBAPIError.instance(plan.sql, arguments, exc, dbapi.Error, dialect=dialect) from exc
        finally:
            cursor.close()

    def first(self, conn: Connection, params: Mapping[str, Any]) -> Any | None:
        rows = self.execute(conn, params)
        return rows[0] if rows else None

    def one(self, conn: Connection, params: Mapping[str, Any]) -> Any:
        rows = self.execute(conn, params)
        if len(rows) != 1:
            raise sa.exc.NoResultFound("no row") if not rows else sa.exc.MultipleResultsFound("several rows")
        return rows[0]
