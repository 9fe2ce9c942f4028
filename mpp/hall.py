"""The application's services bundled for the web layers: ``current_hall()`` in a request."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app

from .clock import Clock
from .db import Database
from .events import Publisher
from .services.queue import QueueService


@dataclass
class Hall:
    db: Database
    clock: Clock
    publisher: Publisher
    queue: QueueService


def current_hall() -> Hall:
    return current_app.extensions["mpp"]
