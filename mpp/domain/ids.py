"""Ids as clients write them: ASCII digits naming a row that a 64-bit column can hold.

``str.isdigit()`` also accepts '²' and other digits ``int()`` refuses, and ``int()`` takes
ids no database column holds (SQLite and PostgreSQL keep signed 64-bit integers), so every id
a client sends is read through :func:`parse_id`.
"""

from __future__ import annotations

import re

#: the largest id a 64-bit signed integer column holds
MAX_ID = 2**63 - 1
#: what an id looks like in a URL, query string or form (ASCII digits only, at most 19)
ID_PATTERN = r"[0-9]{1,19}"
_ID = re.compile(ID_PATTERN)


def parse_id(value: object) -> int | None:
    """``value`` as a positive 64-bit id, or None when it is anything else."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if 0 < value <= MAX_ID else None
    if not isinstance(value, str) or _ID.fullmatch(value) is None:
        return None
    number = int(value)
    return number if 0 < number <= MAX_ID else None


def parse_count(value: object, limit: int) -> int | None:
    """``value`` as a whole number from 1 to ``limit`` (a page number), or None."""
    number = parse_id(value)
    return number if number is not None and number <= limit else None
