"""The ticket layout: what a ticket says, as a list of blocks, and its ESC/POS rendering.

The same blocks feed the PNG preview (printer.preview), so the admin page shows what the
paper shows. Rendering goes onto any python-escpos printer object; ``ticket_bytes`` renders
onto python-escpos's ``Dummy`` so the agent sends one finished byte string per ticket.
"""

from __future__ import annotations

import base64
import binascii
import io
import textwrap
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from escpos.constants import QR_ECLEVEL_M
from escpos.escpos import Escpos
from escpos.printer import Dummy

DAYS = ("Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu")
#: Indonesia's three time zones, by UTC offset in hours
ZONES = {7: "WIB", 8: "WITA", 9: "WIT"}
PRIORITY_LABELS = {"elderly": "Lansia", "disabled": "Penyandang disabilitas",
                   "pregnant": "Ibu hamil", "child": "Membawa balita"}


@dataclass(frozen=True)
class Paper:
    """A paper width: the python-escpos profile that knows it, text columns, dots."""

    name: str
    profile: str
    columns: int
    dots: int
    #: character multiplier for the ticket number (GS ! width and height)
    number_size: int
    #: QR module size in dots
    qr_module: int


PAPERS = {
    # 58 mm rolls print 48 mm: 384 dots, 32 columns of font A (12 x 24 dots)
    "58": Paper("58", "RP-F10-58mm", 32, 384, 3, 6),
    # 80 mm rolls print 72 mm: TM-T88III's 512 dots, 42 columns
    "80": Paper("80", "TM-T88III", 42, 512, 4, 8),
}


def paper(name: str | int) -> Paper:
    """The paper called ``58`` or ``80`` (millimetres); ValueError otherwise."""
    key = str(name).removesuffix("mm")
    if key not in PAPERS:
        raise ValueError(f"paper must be 58 or 80 (mm), not {name!r}")
    return PAPERS[key]


@dataclass(frozen=True)
class TicketPrint:
    """What a printed ticket needs, taken from a print job of the server."""

    number: str
    service: str
    agency: str
    people_ahead: int
    estimated_wait_minutes: int | None
    issued_at: datetime
    status_url: str
    site_name: str
    footer: str = ""
    logo_png: bytes | None = None
    priority_category: str | None = None
    priority: bool = False
    reprint: bool = False
    #: issued at a booking's on-time check-in
    booked: bool = False
    #: when the ticket was taken (a booking: its check-in; ``issued_at`` is then its slot)
    arrived_at: datetime | None = None
    #: the job's ``texts``: each line ready to print in the ticket's language (see
    #: :func:`ticket_blocks`); None (an older server): today's Indonesian and English lines
    texts: dict[str, str] | None = None

    @classmethod
    def from_job(cls, job: dict[str, Any]) -> TicketPrint:
        """Read a ``print`` event's payload; ValueError when something needed is missing."""
        try:
            t = job["ticket"]
            site = job.get("site") or {}
            logo = site.get("logo_png_base64")
            return cls(
                number=str(t["number"]), service=str(t["service"]["name"]),
                agency=str(t["agency"]["name"]), people_ahead=int(t["people_ahead"]),
                estimated_wait_minutes=t.get("estimated_wait_minutes"),
                issued_at=datetime.fromisoformat(t["issued_at"]),
                status_url=str(t["status_url"]), site_name=str(site.get("name", "")),
                footer=str(site.get("footer") or ""),
                logo_png=base64.b64decode(logo) if logo else None,
                priority_category=t.get("priority_category"),
                priority=bool(t.get("priority")),
                reprint=job.get("reason") == "reprint", booked=bool(t.get("booked")),
                arrived_at=datetime.fromisoformat(t["arrived_at"]) if t.get("arrived_at")
                else None, texts=_texts(job.get("texts")))
        except (KeyError, TypeError, ValueError, binascii.Error) as exc:
            raise ValueError(f"print job without a usable ticket: {exc!r}") from exc


def _texts(value: Any) -> dict[str, str] | None:
    """A job's ``texts`` (lines by key), keeping only text values; None when it has none."""
    if not isinstance(value, dict):
        return None
    return {str(k): v for k, v in value.items() if isinstance(v, str)}


# -- blocks ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Text:
    text: str
    size: int = 1
    bold: bool = False
    align: str = "center"


@dataclass(frozen=True)
class QR:
    data: str
    module: int


@dataclass(frozen=True)
class Logo:
    png: bytes


@dataclass(frozen=True)
class Feed:
    lines: int = 1


@dataclass(frozen=True)
class Cut:
    pass


Block = Text | QR | Logo | Feed | Cut


@dataclass
class _Builder:
    paper: Paper
    blocks: list[Block] = field(default_factory=list)

    def text(self, text: str, size: int = 1, bold: bool = False, align: str = "center") -> None:
        width = max(1, self.paper.columns // size)
        for line in textwrap.wrap(text, width) or [""]:
            self.blocks.append(Text(line, size, bold, align))

    def rule(self) -> None:
        self.blocks.append(Text("-" * self.paper.columns))


def local_time_label(moment: datetime) -> str:
    """``Senin, 23-11-2026 09:00 WITA`` in the moment's own UTC offset (fits 58 mm)."""
    offset = moment.utcoffset()
    hours = None if offset is None else offset.total_seconds() / 3600
    zone = ZONES.get(int(hours)) if hours is not None and hours.is_integer() else None
    if zone is None:
        zone = moment.strftime("UTC%z") if offset is not None else ""
    return f"{DAYS[moment.weekday()]}, {moment:%d-%m-%Y %H:%M} {zone}".strip()


def _default_lines(ticket: TicketPrint) -> dict[str, str]:
    """The lines a job without ``texts`` prints (an older server): Indonesian, with the
    English under it ("\n" starts a line)."""
    label = PRIORITY_LABELS.get(ticket.priority_category or "", "")
    wait = ticket.estimated_wait_minutes
    return {
        "queue_number": "NOMOR ANTRIAN / QUEUE NUMBER",
        "priority": f"PRIORITAS{': ' + label if label else ''}",
        "booked": "BOOKING ONLINE",
        "booked_for": f"Jadwal / Booked for {ticket.issued_at:%H:%M}",
        "people_ahead": f"Menunggu di depan Anda: {ticket.people_ahead} orang\n"
                        f"(People ahead: {ticket.people_ahead})",
        "wait": "Perkiraan tunggu: segera\n(Estimated wait: very soon)" if wait == 0 else
                f"Perkiraan tunggu: {wait} menit\n(Estimated wait: {wait} min)",
        "taken_at": local_time_label(ticket.arrived_at or ticket.issued_at),
        "scan": "Pindai untuk memantau antrian\n(Scan to follow your queue)",
        "reprint": "** CETAK ULANG / REPRINT **",
    }


def ticket_blocks(ticket: TicketPrint, paper: Paper) -> list[Block]:
    """The ticket, top to bottom, ending with a cut.

    Its words come from the job's ``texts`` (the server writes them in the ticket's language
    from the catalogue's ``ticket`` section, numbers and times included): ``queue_number``,
    ``priority``, ``booked``, ``booked_for``, ``people_ahead``, ``wait``, ``taken_at``,
    ``scan``, ``reprint``. A key the job lacks prints today's Indonesian/English line."""
    defaults = _default_lines(ticket)
    texts = ticket.texts or {}
    b = _Builder(paper)

    def say(key: str, bold: bool = False) -> None:
        for line in (texts.get(key) or defaults[key]).split("\n"):
            b.text(line, bold=bold)

    if ticket.logo_png:
        b.blocks.append(Logo(ticket.logo_png))
    if ticket.site_name:
        b.text(ticket.site_name, bold=True)
    b.rule()
    b.text(ticket.agency)
    b.text(ticket.service, bold=True)
    b.blocks.append(Feed())
    say("queue_number")
    b.text(ticket.number, size=paper.number_size, bold=True)
    if ticket.priority:
        say("priority", bold=True)
    if ticket.booked:
        say("booked", bold=True)
        say("booked_for")
    b.blocks.append(Feed())
    say("people_ahead")
    if ticket.estimated_wait_minutes is not None:
        say("wait")
    # the moment it was taken: for a booking its check-in, not its slot (printed above)
    say("taken_at")
    b.blocks.append(QR(ticket.status_url, paper.qr_module))
    say("scan")
    if ticket.footer:
        b.rule()
        b.text(ticket.footer)
    if ticket.reprint:
        say("reprint", bold=True)
    b.blocks.append(Cut())
    return b.blocks


# -- ESC/POS ---------------------------------------------------------------------------------
def _logo_image(png: bytes, paper: Paper) -> Any:
    from PIL import Image

    img = Image.open(io.BytesIO(png))
    img.load()
    if img.mode in ("RGBA", "LA", "P"):
        img = img.convert("RGBA")
        white = Image.new("RGBA", img.size, "white")
        img = Image.alpha_composite(white, img)
    img = img.convert("L")
    limit = paper.dots * 2 // 3
    if img.width > limit:
        img = img.resize((limit, max(1, img.height * limit // img.width)))
    if img.height > 160:
        img = img.resize((max(1, img.width * 160 // img.height), 160))
    return img


def render(printer: Escpos, blocks: list[Block], paper: Paper, native_qr: bool = True) -> None:
    """Send ``blocks`` to a python-escpos printer object.

    ``native_qr`` prints QR codes with the printer's own QR command (GS ( k: 70 bytes);
    printers without it (many cheap 58 mm ones) get the code as a raster image instead.
    """
    printer.hw("INIT")
    for block in blocks:
        if isinstance(block, Text):
            # Sizes always through GS ! so a large number never leaks into the next line.
            printer.set(align=block.align, bold=block.bold, custom_size=True,
                        width=block.size, height=block.size)
            printer.textln(block.text)
        elif isinstance(block, QR):
            printer.set(align="center")
            if native_qr:
                printer.qr(block.data, ec=QR_ECLEVEL_M, size=block.module, native=True)
            else:
                printer.qr(block.data, ec=QR_ECLEVEL_M, size=block.module, native=False,
                           center=True)
        elif isinstance(block, Logo):
            printer.set(align="center")
            printer.image(_logo_image(block.png, paper), center=True)
        elif isinstance(block, Feed):
            printer.set(custom_size=True, width=1, height=1)
            printer.ln(block.lines)
        elif isinstance(block, Cut):
            printer.set(align="left", bold=False, custom_size=True, width=1, height=1)
            printer.cut()


def _fit_profile(printer: Escpos, paper: Paper) -> None:
    """Make the printer's profile know the paper's printable width (for centring images)."""
    data = printer.profile.profile_data  # a class attribute: replace, never mutate
    media = {**data.get("media", {}), "width": {"mm": int(paper.name), "pixels": paper.dots}}
    printer.profile.profile_data = {**data, "media": media}


def ticket_bytes(ticket: TicketPrint, paper: Paper, native_qr: bool = True) -> bytes:
    """The ticket as the ESC/POS bytes python-escpos produces for ``paper``."""
    dummy = Dummy(profile=paper.profile)
    _fit_profile(dummy, paper)
    render(dummy, ticket_blocks(ticket, paper), paper, native_qr)
    return dummy.output
