"""Time arithmetic in SQL, the same answer on SQLite and PostgreSQL.

Durations computed by the database come back as one integer per row: reading hundreds of
timestamps into Python only to subtract them was much of the hot reads' cost (issue 8).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import BigInteger
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement


class millis_between(FunctionElement[int]):  # noqa: N801 - reads like the SQL function it is
    """Whole milliseconds from the first time to the second (NULL when either is NULL)."""

    type = BigInteger()
    inherit_cache = True
    name = "millis_between"


@compiles(millis_between)
def _millis_pg(element: Any, compiler: Any, **kw: Any) -> str:
    a, b = (compiler.process(c, **kw) for c in element.clauses)
    # date_part gives float8, several times faster than EXTRACT's numeric; a float8 holds
    # any span of these reports to the microsecond.
    return f"CAST(ROUND(date_part('epoch', {b} - {a}) * 1000) AS BIGINT)"


@compiles(millis_between, "sqlite")
def _millis_sqlite(element: Any, compiler: Any, **kw: Any) -> str:
    a, b = (compiler.process(c, **kw) for c in element.clauses)
    return f"CAST(ROUND((julianday({b}) - julianday({a})) * 86400000.0) AS INTEGER)"
