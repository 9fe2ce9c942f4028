"""A settings table of whole numbers, each within its bounds, as the site file and the admin
pages give them (a service's ``booking`` table, the site's ``[remote_join]``)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from .errors import ValidationFailed


def whole_numbers(table: Any, limits: Mapping[str, tuple[int, int]], *, name: str,
                  key_name: Callable[[str], str], example: str, code: str) -> dict[str, int]:
    """The values ``table`` gives for the keys of ``limits`` (absent keys left out); 422
    ``code`` when it is not a table, names another key, or a value is not a whole number
    within its key's bounds. ``name`` names the table in a refusal, ``key_name`` one of its
    keys, ``example`` shows a table."""
    if not isinstance(table, Mapping):
        raise ValidationFailed(f"{name} must be a table such as {example}.", code)
    unknown = sorted(set(table) - set(limits))
    if unknown:
        raise ValidationFailed(f"{name} has unknown keys {unknown}; it takes "
                               f"{', '.join(limits)}.", code)
    values: dict[str, int] = {}
    for key, (low, high) in limits.items():
        if key not in table:
            continue
        value = table[key]
        if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
            raise ValidationFailed(f"{key_name(key)} must be a whole number from {low} to "
                                   f"{high}.", code)
        values[key] = value
    return values
