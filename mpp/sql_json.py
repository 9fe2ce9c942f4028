"""Reading a JSON column's member or array element in SQL, the same answer on SQLite and
PostgreSQL."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import BigInteger, Integer
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.sql.visitors import InternalTraversal

_KEY = re.compile(r"^[a-z_][a-z0-9_]*$")


class json_integer(FunctionElement[int]):  # noqa: N801 - reads like the SQL function it is
    """Member ``key`` of a JSON object column when it is a whole number, else NULL (a
    string, a fraction, a missing key): what ``isinstance(value, int)`` accepts in Python.

    ``json_integer(Device.settings, "printer_device_id")``; the key is a literal name."""

    type = BigInteger()
    inherit_cache = True
    name = "json_integer"
    # the key is part of the compiled SQL, so part of its cache key
    _traverse_internals = [*FunctionElement._traverse_internals,
                           ("key", InternalTraversal.dp_string)]

    def __init__(self, column: Any, key: str):
        if not _KEY.match(key):
            raise ValueError(f"not a plain JSON key: {key!r}")
        self.key = key
        super().__init__(column)


@compiles(json_integer)
def _json_integer_pg(element: json_integer, compiler: Any, **kw: Any) -> str:
    (col,) = (compiler.process(c, **kw) for c in element.clauses)
    text = f"({col} ->> '{element.key}')"
    # CASE evaluates its branch only when the test holds: the cast never sees a non-number
    return (f"CASE WHEN json_typeof({col} -> '{element.key}') = 'number'"
            f" AND {text} ~ '^-?[0-9]{{1,18}}$' THEN CAST({text} AS BIGINT) END")


@compiles(json_integer, "sqlite")
def _json_integer_sqlite(element: json_integer, compiler: Any, **kw: Any) -> str:
    (col,) = (compiler.process(c, **kw) for c in element.clauses)
    path = f"'$.{element.key}'"
    return f"CASE WHEN json_type({col}, {path}) = 'integer' THEN json_extract({col}, {path}) END"


class json_int(FunctionElement[int]):  # noqa: N801
    """Element ``index`` of a JSON array column, as an integer (the column is known to hold
    integers: no checks, unlike :class:`json_integer`)."""

    type = Integer()
    inherit_cache = True
    name = "json_int"


@compiles(json_int)
def _json_int_pg(element: Any, compiler: Any, **kw: Any) -> str:
    col, idx = (compiler.process(c, **kw) for c in element.clauses)
    return f"CAST(({col} ->> {idx}) AS INTEGER)"


@compiles(json_int, "sqlite")
def _json_int_sqlite(element: Any, compiler: Any, **kw: Any) -> str:
    col, idx = (compiler.process(c, **kw) for c in element.clauses)
    return f"CAST(json_extract({col}, '$[' || {idx} || ']') AS INTEGER)"
