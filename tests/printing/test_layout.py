"""The printed ticket: python-escpos's bytes decoded back, and the PNG preview read by zbarimg."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from PIL import Image

from printer.backends import PrinterConfigError, parse_spec
from printer.layout import TicketPrint, paper, ticket_bytes
from printer.preview import ticket_png
from tests.support.escpos_decode import DecodeError, decode

WITA = ZoneInfo("Asia/Makassar")


def make_ticket(**overrides: object) -> TicketPrint:
    fields: dict[str, object] = dict(
        number="A007", service="Perekaman dan Pencetakan KTP-el",
        agency="Dinas Kependudukan dan Pencatatan Sipil", people_ahead=6,
        estimated_wait_minutes=25, issued_at=datetime(2026, 11, 23, 9, 5, tzinfo=WITA),
        status_url="http://mpp.test/t/Qm9uanVyLXRva2Vu", site_name="Mal Pelayanan Publik "
        "Kota Kendari", footer="Layanan tanpa pungutan liar. Pengaduan: lapor.go.id")
    fields.update(overrides)
    return TicketPrint(**fields)  # type: ignore[arg-type]


def zbar(png: bytes, tmp_path: Path) -> list[str]:
    if shutil.which("zbarimg") is None:
        pytest.skip("zbarimg (zbar-tools) is needed to read QR codes back")
    path = tmp_path / "ticket.png"
    path.write_bytes(png)
    out = subprocess.run(["zbarimg", "--quiet", "--raw", str(path)], capture_output=True,
                         text=True, timeout=30)
    return out.stdout.split()


@pytest.mark.parametrize("width", ["58", "80"])
def test_ticket_bytes_decode_to_number_in_large_type_text_qr_and_cut(width: str) -> None:
    p = paper(width)
    receipt = decode(ticket_bytes(make_ticket(), p))
    number = receipt.line_with("A007")
    assert number.text == "A007"
    assert number.width >= 2 and number.height >= 2  # at least double size
    assert number.size == (p.number_size, p.number_size)
    assert number.bold and number.align == "center"
    other = [line for line in receipt.lines if line is not number]
    assert all(line.size == (1, 1) for line in other), "only the number is enlarged"
    texts = "\n".join(receipt.texts())
    for expected in ("Mal Pelayanan Publik", "Dinas Kependudukan", "KTP-el",
                     "Menunggu di depan Anda: 6 orang", "Perkiraan tunggu: 25 menit",
                     "Senin, 23-11-2026 09:05 WITA", "Layanan tanpa pungutan liar."):
        assert expected in texts
    assert all(len(line.text) * line.width <= p.columns for line in receipt.lines)
    assert len(receipt.qrs) == 1
    qr = receipt.qrs[0]
    assert qr.payload == "http://mpp.test/t/Qm9uanVyLXRva2Vu" and qr.printed
    assert qr.model == 2 and qr.ec == "M"
    assert receipt.resets == 1 and receipt.items[-1] == "cut:full"
    assert receipt.cuts == ["full"]


def test_priority_reprint_and_logo_are_printed() -> None:
    buf = io.BytesIO()
    Image.new("RGB", (600, 200), "black").save(buf, format="PNG")
    receipt = decode(ticket_bytes(make_ticket(priority=True, priority_category="elderly",
                                              reprint=True, logo_png=buf.getvalue()),
                                  paper("58")))
    assert receipt.line_with("PRIORITAS").text == "PRIORITAS: Lansia"
    assert receipt.line_with("CETAK ULANG").bold
    assert len(receipt.images) == 1
    assert receipt.images[0].width_dots <= 384  # scaled to the paper
    assert receipt.items.index(receipt.images[0]) < receipt.items.index(
        receipt.line_with("Mal Pelayanan"))


def test_a_ticket_without_an_estimate_says_nothing_about_the_wait() -> None:
    receipt = decode(ticket_bytes(make_ticket(estimated_wait_minutes=None), paper("80")))
    assert not any("tunggu" in t for t in receipt.texts())


def test_decoder_refuses_unknown_commands() -> None:
    with pytest.raises(DecodeError):
        decode(b"\x1b@\x1bZ\x00")
    with pytest.raises(DecodeError):
        decode(b"A001")  # text never ended by a line feed is never printed


@pytest.mark.parametrize("width", ["58", "80"])
def test_png_preview_has_the_qr_code_readable_by_zbarimg(width: str, tmp_path: Path,
                                                        output_dir: Path) -> None:
    png = ticket_png(make_ticket(priority=True, priority_category="pregnant"), paper(width))
    (output_dir / "screenshots" / f"ticket-preview-{width}mm.png").write_bytes(png)
    img = Image.open(io.BytesIO(png))
    assert img.width == paper(width).dots + 48
    assert zbar(png, tmp_path) == ["http://mpp.test/t/Qm9uanVyLXRva2Vu"]


def test_ticket_from_a_job_without_a_ticket_is_refused() -> None:
    with pytest.raises(ValueError, match="usable ticket"):
        TicketPrint.from_job({"job_id": 1})


@pytest.mark.parametrize(("spec", "kind", "args"), [
    ("network:192.168.1.50", "network", ("192.168.1.50", "9100")),
    ("network:printer.local:9101", "network", ("printer.local", "9101")),
    ("usb:0x04b8:0x0202", "usb", ("0x04b8", "0x0202")),
    ("serial:/dev/ttyUSB0:19200", "serial", ("/dev/ttyUSB0", "19200")),
    ("serial:/dev/ttyS0", "serial", ("/dev/ttyS0", "9600")),
    ("cups:TM-T82", "cups", ("TM-T82",)),
    ("cups:TM-T82@print.local", "cups", ("TM-T82", "print.local", "631")),
    ("cups:kiosk@127.0.0.1:8631", "cups", ("kiosk", "127.0.0.1", "8631")),
    ("file:/tmp/tickets.bin", "file", ("/tmp/tickets.bin",)),
])
def test_printer_configuration_strings(spec: str, kind: str, args: tuple[str, ...]) -> None:
    parsed = parse_spec(spec)
    assert (parsed.kind, parsed.args) == (kind, args)


@pytest.mark.parametrize("spec", ["", "lpt:1", "network:", "network:host:port",
                                  "network:host:70000", "usb:0x04b8", "usb:x:y",
                                  "serial:/dev/ttyUSB0:fast", "cups:", "cups:@host",
                                  "cups:kiosk@", "cups:kiosk@host:ipp"])
def test_bad_printer_configuration_is_refused_clearly(spec: str) -> None:
    with pytest.raises(PrinterConfigError):
        parse_spec(spec)


def test_file_printer_appends_each_ticket(tmp_path: Path) -> None:
    from printer.backends import close, open_printer, send

    spec = parse_spec(f"file:{tmp_path}/out/tickets.bin")
    data = ticket_bytes(make_ticket(), paper("80"))
    for _ in range(2):
        p = open_printer(spec, paper("80"))
        send(p, spec, data)
        close(p)
    assert (tmp_path / "out" / "tickets.bin").read_bytes() == data * 2


def test_no_one_ahead_is_printed_as_soon_not_zero_minutes() -> None:
    receipt = decode(ticket_bytes(make_ticket(people_ahead=0, estimated_wait_minutes=0),
                                  paper("58")))
    assert receipt.line_with("Perkiraan tunggu").text == "Perkiraan tunggu: segera"


def test_the_printer_package_needs_no_flask_and_leaves_logging_alone(tmp_path: Path) -> None:
    code = ("import logging, sys\n"
            "import printer.agent, printer.preview\n"
            "assert 'flask' not in sys.modules and 'mpp' not in sys.modules, 'flask or mpp'\n"
            "assert logging.getLogger().handlers == [], logging.getLogger().handlers\n")
    env = {k: v for k, v in os.environ.items() if k != "ESCPOS_CAPABILITIES_PICKLE_DIR"}
    env["TMPDIR"] = str(tmp_path)
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            env=env, timeout=60)
    assert result.returncode == 0, result.stderr
    # python-escpos's profile cache went to one known folder, not a new temp dir per start
    assert [p.name for p in tmp_path.iterdir()] == [f"mpp-escpos-{os.getuid()}"]


@pytest.mark.parametrize(("spec", "needs"), [
    ("network:127.0.0.1:1", "unreachable"),
    ("file:/proc/no-such-folder/tickets.bin", "unreachable"),
    ("serial:/dev/no-such-tty:9600", "unreachable"),
])
def test_a_printer_that_cannot_be_opened_gives_a_one_line_reason(spec: str,
                                                                 needs: str) -> None:
    from printer.backends import PrinterError, open_printer

    with pytest.raises(PrinterError) as caught:
        open_printer(parse_spec(spec), paper("80"), timeout=2)
    assert needs in str(caught.value) and "\n" not in str(caught.value)
    assert str(caught.value).startswith(f"printer {spec}")


@pytest.mark.parametrize("width", ["58", "80"])
def test_qr_as_an_image_for_printers_without_qr_support_reads_back(width: str,
                                                                   tmp_path: Path) -> None:
    receipt = decode(ticket_bytes(make_ticket(), paper(width), native_qr=False))
    assert receipt.qrs == []  # no GS ( k: the printer only has to print a picture
    [image] = receipt.images
    assert image.width_dots <= paper(width).dots
    image.to_png(str(tmp_path / "qr.png"))
    assert zbar((tmp_path / "qr.png").read_bytes(), tmp_path) == [
        "http://mpp.test/t/Qm9uanVyLXRva2Vu"]
    assert receipt.cuts == ["full"] and receipt.line_with("A007").width >= 2


def test_a_booked_ticket_says_it_was_booked_and_for_when() -> None:
    receipt = decode(ticket_bytes(make_ticket(booked=True), paper("58")))
    assert receipt.line_with("BOOKING ONLINE").bold
    assert receipt.line_with("Jadwal").text == "Jadwal / Booked for 09:05"
    plain = decode(ticket_bytes(make_ticket(), paper("58")))
    assert not any("BOOKING" in t for t in plain.texts())


def _job(**extra: object) -> dict[str, object]:
    return {"job_id": 1, "reason": "issue", "site": {"name": "MPP"}, **extra, "ticket": {
        "number": "A007", "service": {"name": "KTP-el"}, "agency": {"name": "Disdukcapil"},
        "people_ahead": 6, "estimated_wait_minutes": 25,
        "issued_at": "2026-11-23T09:05:00+08:00", "status_url": "http://mpp.test/t/x"}}


def test_a_job_without_texts_prints_todays_indonesian_with_english_under_it() -> None:
    """An older server sends no ``texts``: the ticket reads as it always did."""
    receipt = decode(ticket_bytes(TicketPrint.from_job(_job()), paper("80")))
    for line in ("NOMOR ANTRIAN / QUEUE NUMBER", "Menunggu di depan Anda: 6 orang",
                 "(People ahead: 6)",
                 "Perkiraan tunggu: 25 menit", "(Estimated wait: 25 min)",
                 "Senin, 23-11-2026 09:05 WITA", "Pindai untuk memantau antrian"):
        assert line in receipt.texts()
    # texts that are not a table of lines are ignored the same way
    assert decode(ticket_bytes(TicketPrint.from_job(_job(texts=["x"])), paper("80"))
                  ).texts() == receipt.texts()


def test_a_jobs_texts_are_printed_and_a_missing_one_reads_as_before() -> None:
    texts = {"queue_number": "QUEUE NUMBER", "people_ahead": "People ahead of you: 6",
             "wait": "Estimated wait: 25 min", "taken_at": "Monday 23/11/2026 09:05 WITA",
             "scan": 7}
    receipt = decode(ticket_bytes(TicketPrint.from_job(_job(lang="en", texts=texts)),
                                  paper("58")))
    for line in ("QUEUE NUMBER", "People ahead of you: 6", "Estimated wait: 25 min",
                 "Monday 23/11/2026 09:05 WITA"):
        assert line in receipt.texts()
    assert not any("Menunggu" in t or "Perkiraan" in t for t in receipt.texts())
    # "scan" is not a text: today's two lines stand in for it
    assert "Pindai untuk memantau antrian" in receipt.texts()


def _import_printer_in(processes: int, tmp: Path) -> list[subprocess.CompletedProcess[str]]:
    """Start ``processes`` interpreters at once, each importing the printer package with
    ``tmp`` as its temporary folder, as gunicorn workers and the print agent do at boot."""
    code = ("import printer, escpos.capabilities as c\n"
            "assert 'default' in c.CAPABILITIES['profiles']\n")
    env = {k: v for k, v in os.environ.items() if k != "ESCPOS_CAPABILITIES_PICKLE_DIR"}
    env["TMPDIR"] = str(tmp)
    started = [subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True, env=env)
               for _ in range(processes)]
    results = []
    for process in started:
        out, err = process.communicate(timeout=120)
        results.append(subprocess.CompletedProcess(process.args, process.returncode, out, err))
    return results


def test_processes_starting_together_all_read_the_printer_profiles(tmp_path: Path) -> None:
    # python-escpos alone truncates its cache file before it parses the profiles; a
    # process starting meanwhile read the empty file (EOFError, seen in CI)
    for round_ in range(3):
        tmp = tmp_path / str(round_)
        tmp.mkdir()
        failed = [r.stderr for r in _import_printer_in(8, tmp) if r.returncode != 0]
        assert failed == []
        cache = tmp / f"mpp-escpos-{os.getuid()}"
        assert [p.suffix for p in cache.iterdir()] == [".pickle"]  # no partial files left


def test_a_broken_profile_cache_is_written_again(tmp_path: Path) -> None:
    cache = tmp_path / f"mpp-escpos-{os.getuid()}"
    cache.mkdir()
    (cache / f"{sys.version.split()[0]}.capabilities.pickle").write_bytes(b"")
    (result,) = _import_printer_in(1, tmp_path)
    assert result.returncode == 0, result.stderr
    assert (cache / f"{sys.version.split()[0]}.capabilities.pickle").stat().st_size > 1000
