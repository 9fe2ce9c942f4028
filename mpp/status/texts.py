"""What the status page says: its section of the JSON catalogues (mpp/i18n/catalogues, one
file per language, Indonesian the reference). The page's script gets the same strings, so
the first server-rendered view and the live updates read alike."""

from __future__ import annotations

from ..i18n import Section

#: ``TEXTS[lang]``: the status page's texts in that language
TEXTS = Section("status")

#: statuses after which the ticket never changes again
FINAL = ("done", "no_show", "cancelled", "expired")
