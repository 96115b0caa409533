"""Hot statements compiled once per dialect and run on the driver's cursor.

Buys most of SQLAlchemy's CPU on the statements of every signed request (figures:
docs/benchmarks.md, ``bench/api_cost.py``).

``Connection.execute`` of even a prebuilt statement works out a cache key, an execution context,
result metadata and events each time, several times what the driver itself does; a signed
request runs several such statements (the access key, the principal, its policies, the entity it
names). A ``Prepared`` statement keeps what SQLAlchemy's compiler produced for the connection's
dialect (SQL text, parameter order, the column types' bind and result processors, e.g.
``UtcTimestamp``) and sends it to the driver directly, inside the same transaction. Rows come
back as named tuples with the statement's column names, so ``row.role_id`` reads as with
SQLAlchemy's rows. Driver errors are raised as SQLAlchemy's (``DBAPIError.instance``), so
callers and ``Store.transaction`` see the usual exceptions, and ``before_cursor_execute``
listeners are called as for any statement.

The compiled form is read from SQLAlchemy's private attributes (``_bind_processors``,
``_result_columns``, ``positiontup``): ``tests/store/test_prepared_contract.py`` holds every
statement shape the store runs here to ``Connection.execute`` on both backends, and
pyproject.toml bounds SQLAlchemy to the releases it passed on.

For fixed statements only: every parameter is a ``bindparam`` given at run time (or a literal
the statement carries); no ``IN`` lists that expand.
"""

from __future__ import annotations

import functools
from collections import namedtuple
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.sql.expression import ClauseElement

_Processor = Callable[[Any], Any]


@dataclass(frozen=True, slots=True)
class _Compiled:
    sql: str
    positional: tuple[str, ...] | None  # parameter names in order (qmark); None: by name
    defaults: Mapping[str, Any]  # literal values the statement carries
    binders: tuple[tuple[str, _Processor], ...]
    readers: tuple[tuple[int, _Processor], ...]
    row: Any  # namedtuple class of the result columns (None: no result)


@functools.cache
def prepared(statement: ClauseElement) -> Prepared:
    """The one Prepared form of a statement built once elsewhere (say, by a cached factory of
    dialect-specific statements such as ``dialects.upsert``)."""
    return Prepared(statement)


class Prepared:
    def __init__(self, statement: ClauseElement) -> None:
        self.statement = statement  # as built; ``Connection.execute`` of it gives the same rows
        self._by_dialect: dict[str, _Compiled] = {}

    def first(self, conn: Connection, params: Mapping[str, Any]) -> Any | None:
        """The first row, or None."""
        rows = self._run(conn, params, fetch=True)
        return rows[0] if rows else None

    def all(self, conn: Connection, params: Mapping[str, Any]) -> list[Any]:
        return self._run(conn, params, fetch=True)

    def scalar(self, conn: Connection, params: Mapping[str, Any]) -> Any | None:
        """The first column of the first row, or None."""
        row = self.first(conn, params)
        return None if row is None else row[0]

    def run(self, conn: Connection, params: Mapping[str, Any]) -> int:
        """Execute a statement without result (UPDATE, INSERT, ...); the rows it touched."""
        return int(self._run(conn, params, fetch=False)[0])

    def _run(self, conn: Connection, params: Mapping[str, Any], *, fetch: bool) -> list[Any]:
        """The rows (``fetch``), or ``[rowcount]``."""
        dialect = conn.dialect
        compiled = self._by_dialect.get(dialect.name) or self._compile(dialect)
        values = {**compiled.defaults, **params} if compiled.defaults else dict(params)
        try:
            for name, bind in compiled.binders:
                values[name] = bind(values[name])
        except Exception as error:  # e.g. UtcTimestamp refusing a naive datetime
            raise sa_exc.StatementError(str(error), compiled.sql, params, error) from error
        arguments: Any = values
        if compiled.positional is not None:
            arguments = tuple(values[name] for name in compiled.positional)
        driver = conn.connection.dbapi_connection
        cursor = driver.cursor()  # type: ignore[union-attr]
        try:
            listeners = conn.dispatch.before_cursor_execute
            if listeners:  # statement logging and counting (tests) see these statements too
                listeners(conn, cursor, compiled.sql, arguments, None, False)
            cursor.execute(compiled.sql, arguments)
            if not fetch:
                return [cursor.rowcount]
            raw = cursor.fetchall()
        except dialect.loaded_dbapi.Error as error:
            raise sa_exc.DBAPIError.instance(
                compiled.sql, arguments, error, dialect.loaded_dbapi.Error, dialect=dialect
            ) from error
        finally:
            cursor.close()
        make = compiled.row._make
        if not compiled.readers:
            return [make(row) for row in raw]
        rows = []
        for row in raw:
            cells = list(row)
            for index, read in compiled.readers:
                cells[index] = read(cells[index])
            rows.append(make(cells))
        return rows

    def _compile(self, dialect: Dialect) -> _Compiled:
        compiled: Any = self.statement.compile(dialect=dialect)
        for bind in compiled.binds.values():
            if bind.expanding:
                raise ValueError("Prepared statements take no expanding IN parameters")
        processors = compiled._bind_processors
        defaults = {name: bind.value for name, bind in compiled.binds.items() if not bind.required}
        columns = compiled._result_columns
        readers = []
        for index, column in enumerate(columns):
            read = column[3]._cached_result_processor(dialect, None)
            if read is not None:
                readers.append((index, read))
        result = namedtuple("Row", [column[0] for column in columns], rename=True)  # type: ignore[misc]
        prepared = _Compiled(
            sql=compiled.string,
            positional=tuple(compiled.positiontup) if compiled.positional else None,
            defaults=defaults,
            binders=tuple(processors.items()),
            readers=tuple(readers),
            row=result,
        )
        self._by_dialect[dialect.name] = prepared
        return prepared
