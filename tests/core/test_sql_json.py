"""json_integer (mpp.sql_json) reads a JSON member as Python's ``isinstance(value, int)``
would, on both databases: the kiosk's paired printer is found in the same statement that
locks it."""

from __future__ import annotations

import pytest
from sqlalchemy import JSON, Column, Integer, MetaData, Table, create_engine, select

from mpp.sql_json import json_integer

VALUES = [{"a": 3}, {"a": "3"}, {"a": 3.5}, {"a": 3.0}, {}, {"a": None}, {"a": [1]},
          {"a": -7}, {"a": 12345678901}, {"b": 4}]


def test_a_json_member_is_an_integer_only_when_it_is_a_whole_number(any_db_url: str):
    metadata = MetaData()
    table = Table("json_integer_probe", metadata, Column("id", Integer, primary_key=True),
                  Column("j", JSON))
    engine = create_engine(any_db_url)
    with engine.begin() as c:
        metadata.create_all(c)
        c.execute(table.insert(), [{"id": i, "j": v} for i, v in enumerate(VALUES)])
        rows = c.execute(select(json_integer(table.c.j, "a"), json_integer(table.c.j, "b"))
                         .order_by(table.c.id)).all()
        metadata.drop_all(c)
    engine.dispose()
    assert [r[0] for r in rows] == [3, None, None, None, None, None, None, -7, 12345678901,
                                    None]
    # the key is part of the statement's cache key: the second member is not the first's
    assert [r[1] for r in rows] == [None] * 9 + [4]


def test_a_key_that_is_not_a_plain_name_is_refused():
    with pytest.raises(ValueError, match="plain JSON key"):
        json_integer(Column("j", JSON), "a'; DROP TABLE x; --")
