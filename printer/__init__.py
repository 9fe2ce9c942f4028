"""Thermal ticket printing: the ticket layout (ESC/POS through python-escpos, and a PNG
preview), printers chosen by a configuration string, and the print agent. No Flask here:
the agent runs on the small PC inside each kiosk."""

from __future__ import annotations

import logging
import os
import tempfile
from pathlib import Path


def _quiet_escpos_import() -> None:
    """Import python-escpos without its side effects.

    Importing it calls ``logging.basicConfig()`` (a root handler that would double every
    log line of the host program), and it evaluates ``mkdtemp()`` as the default of
    ``environ.get("ESCPOS_CAPABILITIES_PICKLE_DIR", mkdtemp())`` — a new, never removed
    temporary folder on every start even when the variable is set. Its profile cache goes
    to one folder per user instead.
    """
    cache = os.environ.get("ESCPOS_CAPABILITIES_PICKLE_DIR")
    if not cache:
        cache = str(Path(tempfile.gettempdir()) / f"mpp-escpos-{os.getuid()}")
        Path(cache).mkdir(mode=0o700, exist_ok=True)
        os.environ["ESCPOS_CAPABILITIES_PICKLE_DIR"] = cache
    root = logging.getLogger()
    before = list(root.handlers)
    real_mkdtemp = tempfile.mkdtemp
    tempfile.mkdtemp = lambda *args, **kwargs: cache  # type: ignore[assignment]
    try:
        import escpos.capabilities  # noqa: F401
    finally:
        tempfile.mkdtemp = real_mkdtemp
    for handler in root.handlers[:]:
        if handler not in before:
            root.removeHandler(handler)


_quiet_escpos_import()
