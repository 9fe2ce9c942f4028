"""The reader's language for the server pages' gettext (the same choice the console and
the status page make: ``?lang=``, else the remembered cookie, else Indonesian)."""

from __future__ import annotations

from flask import has_request_context

from . import DEFAULT


def reader_language() -> str:
    if not has_request_context():
        return DEFAULT
    from ..console.lang import choose_language

    return choose_language()
