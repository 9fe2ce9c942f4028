"""A python-socketio client that handles messages in the order they arrived.

The print agent uses it, and so do the tests' screens: a browser's Socket.IO client handles
messages in order too.
"""

from __future__ import annotations

import queue
import threading
from typing import Any

import engineio
import socketio

#: a dispatcher thread with no message for this long ends
IDLE_SECONDS = 5.0


class InOrderEngineIO(engineio.Client):
    """An Engine.IO client that hands messages to the handlers in the order they came.

    python-engineio starts a thread for each message, so of two messages sent 10 ms apart
    the second could be handled first on a busy PC (CI printed Q001, Q003, Q002). Here one
    thread takes the messages from a FIFO, as a browser's client does. Handlers must
    therefore not wait for the server (no ``call()`` inside a handler): they would hold up
    every message after theirs, including the answer they wait for.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._messages: queue.SimpleQueue[tuple[Any, ...]] = queue.SimpleQueue()
        self._dispatcher: threading.Thread | None = None
        self._dispatcher_lock = threading.Lock()

    def _trigger_event(self, event: str, *args: Any, **kwargs: Any) -> Any:
        if event != "message" or not kwargs.pop("run_async", False):
            return super()._trigger_event(event, *args, **kwargs)
        with self._dispatcher_lock:
            self._messages.put(args)
            if self._dispatcher is None:
                self._dispatcher = threading.Thread(target=self._dispatch,
                                                    name="socketio-messages", daemon=True)
                self._dispatcher.start()
        return None

    def _dispatch(self) -> None:
        """Handle the messages in turn; end after a while without any (a closed client
        keeps no thread), the next message starting another."""
        while True:
            try:
                args = self._messages.get(timeout=IDLE_SECONDS)
            except queue.Empty:
                with self._dispatcher_lock:
                    if self._messages.empty():
                        self._dispatcher = None
                        return
                continue
            super()._trigger_event("message", *args)  # logs a handler's exception itself


class InOrderClient(socketio.Client):
    """A Socket.IO client whose events reach their handlers in the order they were sent."""

    def _engineio_client_class(self) -> type[engineio.Client]:
        return InOrderEngineIO
