"""The report as a CSV or an XLSX file (csv module, openpyxl). No Flask."""

from __future__ import annotations

import csv
import io
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from ..domain.booking_report import FIGURES as BOOKING_FIGURES
from ..domain.booking_report import PUNCTUAL_MINUTES, REMOTE_FIGURES

#: the figure columns of every Row, in the workbook's order
ROW_FIELDS = ("issued", "served", "no_show", "cancelled", "expired", "waiting",
              "avg_wait_seconds", "p90_wait_seconds", "avg_service_seconds",
              "p90_service_seconds", "avg_visit_seconds", "sla_met", "sla_total",
              "sla_percent")
STAFF_FIELDS = ("open_seconds", "busy_seconds", "idle_seconds", "served_per_hour")
#: the booking figures' columns (the report's ``bookings``): booking_made, booking_booked ...
BOOKING_COLUMNS = tuple(f"booking_{f}" for f in BOOKING_FIGURES)
#: columns added after the first release go at the end, so readers by position keep working
CSV_ADDED = ("p90_service_seconds", "date", *BOOKING_COLUMNS, *REMOTE_FIGURES)
CSV_COLUMNS = ("section", "id", "code", "name", "hour",
               *(f for f in ROW_FIELDS if f not in CSV_ADDED), *STAFF_FIELDS,
               "ikm", "ikm_grade", "ikm_respondents", *CSV_ADDED)
SECTIONS = (("agency", "by_agency"), ("service", "by_service"), ("counter", "by_counter"),
            ("staff", "by_staff"))
#: the booking rows: per service, per day, per service on each day
BOOKING_SECTIONS = (("booking_service", "by_service"), ("booking_day", "by_day"),
                    ("booking_service_day", "by_service_day"))
#: the figures of a by_hour row, in the workbook's order (all of them are CSV columns too)
HOUR_FIELDS = ("issued", "served", "no_show", "cancelled", "expired", "avg_wait_seconds",
               "p90_wait_seconds", "avg_service_seconds", "p90_service_seconds")


#: Indonesian column names for people (the ``-id`` exports), with the unit where there is one;
#: every ``*_seconds`` figure is shown in minutes there
LABELS_ID: dict[str, str] = {
    "section": "Bagian", "id": "ID", "code": "Kode", "name": "Nama", "hour": "Jam",
    "username": "Nama pengguna", "sla_minutes": "Standar waktu (menit)",
    "issued": "Diambil", "served": "Selesai", "no_show": "Tidak hadir", "cancelled": "Batal",
    "expired": "Kedaluwarsa", "waiting": "Menunggu", "in_service": "Sedang dilayani",
    "avg_wait_seconds": "Rata-rata tunggu (menit)", "p90_wait_seconds": "Tunggu P90 (menit)",
    "avg_service_seconds": "Rata-rata layanan (menit)",
    "p90_service_seconds": "Layanan P90 (menit)",
    "avg_visit_seconds": "Rata-rata kunjungan (menit)",
    "sla_met": "Sesuai standar", "sla_total": "Dinilai terhadap standar",
    "sla_percent": "Sesuai standar (%)", "open_seconds": "Loket dibuka (menit)",
    "busy_seconds": "Melayani (menit)", "idle_seconds": "Siaga (menit)",
    "served_per_hour": "Selesai per jam buka", "ikm": "IKM", "ikm_grade": "Mutu IKM",
    "ikm_respondents": "Responden SKM", "date": "Tanggal", "category": "Kategori",
    "level": "Tingkat", "respondents": "Responden", "grade": "Mutu",
    "figure": "Ukuran", "value": "Nilai",
    "booking_made": "Booking dibuat", "booking_booked": "Booking tidak dibatalkan",
    "booking_cancelled": "Booking dibatalkan", "booking_checked_in": "Booking check-in",
    "booking_checked_in_late": "Check-in terlambat (jadi tanpa booking)",
    "booking_no_show": "Booking tidak datang", "booking_pending": "Booking belum check-in",
    "booking_called": "Booking tepat waktu dipanggil",
    "booking_called_within": f"Dipanggil paling lambat {PUNCTUAL_MINUTES} menit dari jadwal",
    "booking_punctual_percent": f"Ketepatan panggilan booking ({PUNCTUAL_MINUTES} menit, %)",
    "booking_median_late_minutes": "Median keterlambatan panggilan (menit)",
    "remote_joined": "Antrean dari rumah", "remote_checked_in": "Antrean dari rumah check-in",
    "remote_expired": "Antrean dari rumah hangus (tidak check-in)",
}
SECTIONS_ID = {"total": "Total", "agency": "Instansi", "service": "Layanan",
               "counter": "Loket", "staff": "Petugas", "hour": "Jam",
               "booking_service": "Booking per layanan", "booking_day": "Booking per hari",
               "booking_service_day": "Booking layanan per hari"}


def label_id(field: str) -> str:
    """The Indonesian column name of ``field`` (the field itself when it has none)."""
    return LABELS_ID.get(field, field)


def human(field: str, value: Any) -> Any:
    """A figure as a person reads it: seconds become minutes (one decimal)."""
    if field.endswith("_seconds") and isinstance(value, int | float) \
            and not isinstance(value, bool):
        return round(value / 60, 1)
    return value


def _decimal_comma(value: Any) -> str:
    """A CSV cell for Excel set to Indonesian: decimal comma, no thousands separator."""
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.2f}".rstrip("0").rstrip(".").replace(".", ",")
    return str(value)


def filename(report: dict[str, Any], ext: str) -> str:
    """``laporan-harian-2026-11-23.csv`` or ``laporan-2026-11-01_2026-11-30.xlsx``."""
    if report["from"] == report["to"]:
        return f"laporan-harian-{report['from']}.{ext}"
    return f"laporan-{report['from']}_{report['to']}.{ext}"


def _ikm_index(report: dict[str, Any]) -> dict[tuple[str, Any], dict[str, Any]]:
    ikm = report.get("ikm") or {}
    out = {("agency", r["id"]): r for r in ikm.get("by_agency", [])}
    out.update({("service", r["id"]): r for r in ikm.get("by_service", [])})
    if ikm.get("total"):
        out[("total", None)] = ikm["total"]
    return out


def csv_rows(report: dict[str, Any]) -> list[dict[str, Any]]:
    """One flat row per total, agency, service, counter, staff member and hour (an hour row
    fills the columns of HOUR_FIELDS: the tickets taken in that hour and their waits, the
    tickets finished in it and their service times)."""
    ikm = _ikm_index(report)

    def with_ikm(row: dict[str, Any], key: tuple[str, Any]) -> dict[str, Any]:
        got = ikm.get(key) or {}
        row.update({"ikm": got.get("ikm"), "ikm_grade": got.get("grade"),
                    "ikm_respondents": got.get("respondents")})
        return row

    bookings = report.get("bookings") or {}

    def booking(figures: dict[str, Any]) -> dict[str, Any]:
        return {**{f"booking_{f}": figures.get(f) for f in BOOKING_FIGURES},
                **{f: figures.get(f) for f in REMOTE_FIGURES}}

    rows = [with_ikm({"section": "total", "name": "Total",
                      **{f: report["totals"].get(f) for f in ROW_FIELDS},
                      **booking(bookings.get("totals") or {})}, ("total", None))]
    for section, key in SECTIONS:
        for r in report[key]:
            row = {"section": section, "id": r["id"], "code": r.get("code"), "name": r["name"],
                   **{f: r.get(f) for f in ROW_FIELDS + STAFF_FIELDS}}
            rows.append(with_ikm(row, (section, r["id"])))
    for h in report["by_hour"]:
        rows.append({"section": "hour", "hour": h["hour"],
                     **{f: h.get(f) for f in HOUR_FIELDS}})
    for section, key in BOOKING_SECTIONS:
        for r in bookings.get(key, []):
            rows.append({"section": section, "date": r.get("date"), "id": r.get("id"),
                         "code": r.get("code"), "name": r.get("name"), **booking(r)})
    return rows


def to_csv(report: dict[str, Any]) -> bytes:
    """UTF-8 with a byte-order mark, so that spreadsheet programs read names correctly."""
    out = io.StringIO()
    w = csv.DictWriter(out, fieldnames=CSV_COLUMNS, extrasaction="ignore", lineterminator="\r\n")
    w.writeheader()
    for row in csv_rows(report):
        w.writerow({k: ("" if v is None else v) for k, v in row.items()})
    return out.getvalue().encode("utf-8-sig")


def to_csv_id(report: dict[str, Any]) -> bytes:
    """The CSV a spreadsheet set to Indonesian opens as columns: ``;`` between cells, a
    decimal comma, Indonesian headers, minutes instead of seconds, UTF-8 with a BOM."""
    out = io.StringIO()
    w = csv.writer(out, delimiter=";", lineterminator="\r\n")
    w.writerow([label_id(c) for c in CSV_COLUMNS])
    for row in csv_rows(report):
        cells = []
        for c in CSV_COLUMNS:
            value = row.get(c)
            if c == "section":
                value = SECTIONS_ID.get(value, value)
            cells.append(_decimal_comma(human(c, value)))
        w.writerow(cells)
    return out.getvalue().encode("utf-8-sig")


def _sheet(wb: Workbook, title: str, header: list[str], rows: list[list[Any]],
           people: bool = False) -> None:
    if people:
        rows = [[human(f, v) for f, v in zip(header, r, strict=True)] for r in rows]
        header = [label_id(f) for f in header]
    ws = wb.create_sheet(title)
    ws.append(header)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for r in rows:
        ws.append(r)
    ws.freeze_panes = "A2"
    for i, name in enumerate(header, start=1):
        width = max([len(str(name))] + [len(str(r[i - 1])) for r in rows if r[i - 1] is not None])
        ws.column_dimensions[get_column_letter(i)].width = min(60, width + 2)


def to_xlsx(report: dict[str, Any], people: bool = False) -> bytes:
    """A workbook: Ringkasan, Instansi, Layanan, Loket, Petugas, Per jam, Per hari, Prioritas,
    Booking layanan, Booking hari, Booking layanan-hari, IKM. With ``people``: Indonesian
    column names and minutes instead of seconds."""
    wb = Workbook()
    wb.remove(wb.active)
    ikm = report.get("ikm") or {}
    total_ikm = ikm.get("total") or {}
    summary = [["Dari / From", report["from"]], ["Sampai / To", report["to"]],
               ["Zona waktu", report["timezone"]]]
    summary += [[label_id(f) if people else f, human(f, report["totals"].get(f)) if people
                 else report["totals"].get(f)] for f in ("in_service", *ROW_FIELDS)]
    summary += [["ikm", total_ikm.get("ikm")], ["ikm_grade", total_ikm.get("grade")],
                ["ikm_respondents", total_ikm.get("respondents", 0)]]
    bookings = report.get("bookings") or {}
    summary += [[label_id(c) if people else c, (bookings.get("totals") or {}).get(f)]
                for f, c in (*zip(BOOKING_FIGURES, BOOKING_COLUMNS, strict=True),
                             *((f, f) for f in REMOTE_FIGURES))]
    _sheet(wb, "Ringkasan", ["figure", "value"], summary, people)
    for title, key, ident in (("Instansi", "by_agency", ["id", "code", "name"]),
                              ("Layanan", "by_service", ["id", "code", "name", "sla_minutes"]),
                              ("Loket", "by_counter", ["id", "name"]),
                              ("Petugas", "by_staff", ["id", "username", "name"])):
        extra = list(STAFF_FIELDS) if key in ("by_counter", "by_staff") else []
        header = ident + list(ROW_FIELDS) + extra
        _sheet(wb, title, header, [[r.get(f) for f in header] for r in report[key]], people)
    _sheet(wb, "Per jam", ["hour", *HOUR_FIELDS],
           [[h["hour"], *(h.get(f) for f in HOUR_FIELDS)] for h in report["by_hour"]], people)
    _sheet(wb, "Per hari", ["date", "issued", "served", "no_show", "avg_wait_seconds"],
           [[d["date"], d["issued"], d["served"], d["no_show"], d["avg_wait_seconds"]]
            for d in report.get("by_day", [])], people)
    _sheet(wb, "Prioritas", ["category", "issued", "served", "avg_wait_seconds"],
           [[p["category"], p["issued"], p["served"], p["avg_wait_seconds"]]
            for p in report.get("by_priority", [])], people)
    for title, key, ident in (("Booking layanan", "by_service", ["id", "code", "name"]),
                              ("Booking hari", "by_day", ["date"]),
                              ("Booking layanan-hari", "by_service_day",
                               ["date", "id", "code", "name"])):
        _sheet(wb, title, ident + list(BOOKING_COLUMNS) + list(REMOTE_FIGURES),
               [[r.get(f) for f in ident] + [r.get(f) for f in (*BOOKING_FIGURES,
                                                                *REMOTE_FIGURES)]
                for r in bookings.get(key, [])], people)
    elements = [f"U{i}" for i in range(1, 10)]
    ikm_rows = []
    for level, key in (("agency", "by_agency"), ("service", "by_service")):
        for r in ikm.get(key, []):
            avgs = {e["code"]: e["average"] for e in r.get("elements", [])}
            ikm_rows.append([level, r["id"], r["code"], r["name"], r.get("respondents", 0),
                             r.get("ikm"), r.get("grade"), *[avgs.get(e) for e in elements]])
    _sheet(wb, "IKM", ["level", "id", "code", "name", "respondents", "ikm", "grade",
                       *elements], ikm_rows, people)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
