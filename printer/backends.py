"""Printers from a configuration string, and their status.

=====================================  =============================================
``network:192.168.1.50[:9100]``        raw TCP (JetDirect port 9100)
``usb:0x04b8:0x0202[:IN_EP:OUT_EP]``   USB vendor and product id (needs pyusb)
``serial:/dev/ttyUSB0[:9600]``         serial port and baud rate (needs pyserial)
``cups:QueueName[@HOST[:PORT]]``       a raw CUPS queue (needs pycups); the server is
                                       libcups's default (CUPS_SERVER, client.conf)
                                       unless named
``file:/path``                         append to a file or a device node (/dev/usb/lp0)
=====================================  =============================================
"""

from __future__ import annotations

import contextlib
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from escpos.constants import RT_STATUS_ONLINE, RT_STATUS_PAPER
from escpos.escpos import Escpos
from escpos.printer import File

from .layout import Paper

KINDS = ("network", "usb", "serial", "cups", "file")


class PrinterConfigError(ValueError):
    """The printer configuration string cannot be understood."""


class PrinterError(RuntimeError):
    """The printer could not take a ticket; the message is shown to staff."""


@dataclass(frozen=True)
class PrinterStatus:
    """What the printer said about itself; ``None`` where it did not answer."""

    online: bool | None = None
    paper: str = "unknown"  # ok | low | out | unknown

    @property
    def ready(self) -> bool:
        return self.online is not False and self.paper != "out"


class AppendFile(File):
    """python-escpos's File, but appending: a file keeps every ticket printed into it."""

    def open(self, raise_not_found: bool = True) -> None:
        if self._device:
            self.close()
        try:
            self.device = open(self.devfile, "ab")  # noqa: SIM115 - closed by close()
        except OSError as exc:
            self.device = None
            if raise_not_found:
                raise PrinterError(f"cannot open {self.devfile}: {exc.strerror}") from exc


@dataclass(frozen=True)
class PrinterSpec:
    """A parsed configuration string."""

    kind: str
    args: tuple[str, ...]

    @property
    def queries_status(self) -> bool:
        """Whether the printer's status can be asked: its answers (network, USB, serial) or
        the CUPS queue's state."""
        return self.kind in ("network", "usb", "serial", "cups")

    def describe(self) -> str:
        if self.kind == "cups" and len(self.args) == 3:
            return f"cups:{self.args[0]}@{self.args[1]}:{self.args[2]}"
        return f"{self.kind}:{':'.join(self.args)}"


def _int(text: str, what: str) -> int:
    try:
        return int(text, 0)
    except ValueError:
        raise PrinterConfigError(f"{what} must be a number, not {text!r}") from None


def parse_spec(spec: str) -> PrinterSpec:
    """Check a configuration string like ``network:192.168.1.50:9100``."""
    kind, _, rest = spec.strip().partition(":")
    if kind not in KINDS or not rest:
        raise PrinterConfigError(
            f"printer {spec!r} not understood: use network:HOST[:PORT], usb:VID:PID, "
            "serial:DEVICE[:BAUD], cups:QUEUE[@HOST[:PORT]] or file:PATH")
    if kind == "file":
        return PrinterSpec(kind, (rest,))
    if kind == "cups":
        queue, at, server = rest.partition("@")
        host, _, port = server.partition(":")
        if not queue or (at and not host):
            raise PrinterConfigError(f"cups printer {spec!r}: use cups:QUEUE[@HOST[:PORT]]")
        if not at:
            return PrinterSpec(kind, (queue,))
        if not 0 < _int(port or "631", "port") < 65536:
            raise PrinterConfigError(f"port {port} out of range")
        return PrinterSpec(kind, (queue, host, port or "631"))
    if kind == "serial":
        # device paths have no colon on Linux; COM3 on Windows neither
        dev, _, baud = rest.partition(":")
        if baud:
            _int(baud, "baud rate")
        return PrinterSpec(kind, (dev, baud or "9600"))
    parts = rest.split(":")
    if kind == "network":
        if len(parts) > 2 or not parts[0]:
            raise PrinterConfigError(f"network printer {spec!r}: use network:HOST[:PORT]")
        port = parts[1] if len(parts) == 2 else "9100"
        if not 0 < _int(port, "port") < 65536:
            raise PrinterConfigError(f"port {port} out of range")
        return PrinterSpec(kind, (parts[0], port))
    if len(parts) not in (2, 4):
        raise PrinterConfigError(f"usb printer {spec!r}: use usb:VID:PID[:IN_EP:OUT_EP]")
    for p in parts:
        _int(p, "USB id")
    return PrinterSpec(kind, tuple(parts))


def _printer_class(kind: str) -> Any:
    from escpos import printer as escpos_printers

    return {"network": escpos_printers.Network, "file": AppendFile,
            "serial": escpos_printers.Serial, "usb": escpos_printers.Usb,
            "cups": escpos_printers.CupsPrinter}[kind]


def open_printer(spec: PrinterSpec, paper: Paper, timeout: float = 10.0) -> Escpos:
    """A python-escpos printer for ``spec``, connected; PrinterError when it cannot be."""
    cls = _printer_class(spec.kind)
    if not cls.is_usable():
        raise PrinterError(f"{spec.kind} printers need an extra Python package: "
                           f"{_EXTRA[spec.kind]}")
    kwargs: dict[str, Any] = {"profile": paper.profile}
    try:
        if spec.kind == "network":
            printer: Escpos = cls(spec.args[0], int(spec.args[1]), timeout=timeout, **kwargs)
        elif spec.kind == "file":
            Path(spec.args[0]).parent.mkdir(parents=True, exist_ok=True)
            printer = cls(spec.args[0], **kwargs)
        elif spec.kind == "serial":
            printer = cls(spec.args[0], int(spec.args[1]), timeout=timeout, **kwargs)
        elif spec.kind == "usb":
            ids = [int(p, 0) for p in spec.args]
            extra = {"in_ep": ids[2], "out_ep": ids[3]} if len(ids) == 4 else {}
            printer = cls(ids[0], ids[1], timeout=int(timeout * 1000), **extra, **kwargs)
        else:
            if len(spec.args) == 3:
                kwargs.update(host=spec.args[1], port=int(spec.args[2]))
            printer = cls(spec.args[0], **kwargs)
        printer.open()
    except PrinterError:
        raise
    except Exception as exc:  # noqa: BLE001 - every driver raises its own kinds
        detail = " ".join(str(exc).split()) or type(exc).__name__
        raise PrinterError(f"printer {spec.describe()} unreachable: {detail}") from exc
    return printer


_EXTRA = {"usb": 'pip install "mpp[printer]" (pyusb)',
          "serial": 'pip install "mpp[printer]" (pyserial)',
          "cups": "pip install pycups (needs libcups2-dev)", "network": "", "file": ""}


def _ask(printer: Escpos, spec: PrinterSpec, mode: bytes) -> bytes:
    """Send one DLE EOT query and read its one-byte answer (empty when none came)."""
    if spec.kind == "serial":
        # python-escpos reads 16 bytes from a serial port, so it would wait out the whole
        # timeout for every one-byte answer.
        printer._raw(mode)
        return printer.device.read(1)  # type: ignore[attr-defined]
    return printer.query_status(mode)


def query_status(printer: Escpos, spec: PrinterSpec, timeout: float = 2.0) -> PrinterStatus:
    """Ask the printer (DLE EOT) whether it is online and has paper; unknown if it is silent.

    A serial printer that does not answer is a PrinterError instead: on a serial line
    nothing else shows that a printer is there, and bytes sent to one that is switched off
    are lost.
    """
    if not spec.queries_status:
        return PrinterStatus()
    if spec.kind == "cups":
        return _cups_status(printer, spec, timeout)
    device = getattr(printer, "device", None)
    old: float | None = None
    if spec.kind == "network" and device is not None:
        old = device.gettimeout()
        device.settimeout(timeout)
    elif spec.kind == "serial" and device is not None:
        old = device.timeout
        device.timeout = timeout
        device.reset_input_buffer()  # a late answer to an earlier query is not this one's
    try:
        online_raw = _ask(printer, spec, RT_STATUS_ONLINE)
        paper_raw = _ask(printer, spec, RT_STATUS_PAPER)
    except OSError as exc:
        if "timed out" in str(exc) or isinstance(exc, TimeoutError):
            return PrinterStatus()
        raise PrinterError(f"printer {spec.describe()} failed: {exc}") from exc
    except Exception:  # noqa: BLE001 - drivers without a read path: status unknown
        return PrinterStatus()
    finally:
        if old is not None and device is not None:
            if spec.kind == "network":
                device.settimeout(old)
            else:
                device.timeout = old
    if spec.kind == "serial" and not online_raw and not paper_raw:
        # "unreachable", like a network printer that refuses the connection
        raise PrinterError(f"printer {spec.describe()} unreachable: no answer to the status "
                           "query (switched off, cable out? --no-status-query for a printer "
                           "that cannot answer DLE EOT)")
    online = None if not online_raw else not (online_raw[0] & 0x08)
    paper = "unknown"
    if paper_raw:
        bits = paper_raw[0]
        paper = "out" if bits & 0x60 else ("low" if bits & 0x0C else "ok")
    return PrinterStatus(online, paper)


def _cups_status(printer: Escpos, spec: PrinterSpec, timeout: float) -> PrinterStatus:
    """The CUPS queue's state: a stopped queue, or one whose earlier jobs have not reached
    the printer within ``timeout``, takes no ticket (CUPS would keep it and print it late,
    whenever the printer comes back); the printer's own status does not come through."""
    queue = spec.args[0]
    wanted = ["printer-state", "printer-state-message", "printer-is-accepting-jobs",
              "queued-job-count"]
    deadline = time.monotonic() + timeout
    try:
        while True:
            attrs = printer.device.getPrinterAttributes(  # type: ignore[attr-defined]
                queue, requested_attributes=wanted)
            message = " ".join(str(attrs.get("printer-state-message") or "").split())
            if attrs.get("printer-state") == 5 or not attrs.get("printer-is-accepting-jobs",
                                                                 True):
                raise PrinterError(f"printer {spec.describe()}: the CUPS queue is stopped"
                                   f"{f' ({message})' if message else ''}; "
                                   f"cupsenable {queue} and cupsaccept {queue} restart it")
            waiting = int(attrs.get("queued-job-count") or 0)
            if not waiting:
                return PrinterStatus(online=True)
            if time.monotonic() >= deadline:
                raise PrinterError(f"printer {spec.describe()} unreachable: {waiting} job(s) "
                                   "still waiting in the CUPS queue"
                                   f"{f' ({message})' if message else ''}")
            time.sleep(0.1)
    except PrinterError:
        raise
    except Exception as exc:  # noqa: BLE001 - cups.IPPError, a lost connection to cupsd
        detail = " ".join(str(exc).split()) or type(exc).__name__
        raise PrinterError(f"printer {spec.describe()} failed: {detail}") from exc


def send(printer: Escpos, spec: PrinterSpec, data: bytes) -> None:
    """Write finished ESC/POS bytes; PrinterError on any failure."""
    try:
        printer._raw(data)
        if spec.kind == "cups":
            printer.send()  # type: ignore[attr-defined]  # hands the job to the CUPS queue
        flush = getattr(printer, "flush", None)
        if callable(flush):
            flush()
    except Exception as exc:  # noqa: BLE001
        raise PrinterError(f"printer {spec.describe()} failed while printing: {exc}") from exc


def close(printer: Escpos) -> None:
    """Close the connection; a broken one may fail to close, which changes nothing."""
    with contextlib.suppress(Exception):
        printer.close()
