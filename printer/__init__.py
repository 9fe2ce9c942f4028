"""Thermal ticket printing: the ticket layout (ESC/POS through python-escpos, and a PNG
preview), printers chosen by a configuration string, and the print agent. No Flask here:
the agent runs on the small PC inside each kiosk."""

from __future__ import annotations

import importlib.util
import json
import logging
import os
import pickle
import platform
import tempfile
from pathlib import Path


def _quiet_escpos_import() -> None:
    """Import python-escpos without its side effects.

    Importing it calls ``logging.basicConfig()`` (a root handler that would double every
    log line of the host program), and it evaluates ``mkdtemp()`` as the default of
    ``environ.get("ESCPOS_CAPABILITIES_PICKLE_DIR", mkdtemp())`` — a new, never removed
    temporary folder on every start even when the variable is set. Its profile cache goes
    to one folder per user instead, written before the import (see ``_write_profile_cache``).
    """
    cache = os.environ.get("ESCPOS_CAPABILITIES_PICKLE_DIR")
    if not cache:
        cache = str(Path(tempfile.gettempdir()) / f"mpp-escpos-{os.getuid()}")
        Path(cache).mkdir(mode=0o700, exist_ok=True)
        os.environ["ESCPOS_CAPABILITIES_PICKLE_DIR"] = cache
    _write_profile_cache(Path(cache))
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


def _write_profile_cache(cache: Path) -> None:
    """Make sure python-escpos finds a whole, current profile cache in ``cache``.

    python-escpos truncates its cache file, parses the 100 kB profile file, then writes
    the cache; a process starting meanwhile (another gunicorn worker, the print agent, a
    test worker) reads the empty file and dies with ``EOFError``. Writing it here to a
    temporary name and renaming it leaves readers only a missing, old or whole file.
    """
    source = os.environ.get("ESCPOS_CAPABILITIES_FILE")
    if source is None:
        spec = importlib.util.find_spec("escpos")
        if spec is None or not spec.submodule_search_locations:
            return
        source = os.path.join(next(iter(spec.submodule_search_locations)),
                              "capabilities.json")
    target = cache / f"{platform.python_version()}.capabilities.pickle"
    try:
        if target.stat().st_mtime >= os.path.getmtime(source):
            with target.open("rb") as cached:
                pickle.load(cached)
            return
    except (OSError, EOFError, pickle.UnpicklingError):
        pass
    with open(source, encoding="utf-8") as profiles:
        capabilities = json.load(profiles)
    handle, partial = tempfile.mkstemp(dir=cache, prefix=".capabilities-")
    try:
        with os.fdopen(handle, "wb") as out:
            pickle.dump(capabilities, out, protocol=2)
        os.replace(partial, target)
    except BaseException:
        os.unlink(partial)
        raise


_quiet_escpos_import()
