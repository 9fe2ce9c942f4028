"""What the counter console says: its section of the JSON catalogues (mpp/i18n/catalogues,
one file per language, Indonesian the reference). The page's script receives the same
dictionary, so there is one place to change a word."""

from __future__ import annotations

from ..i18n import Section

#: ``TEXTS[lang]``: the console's texts in that language
TEXTS = Section("console")
