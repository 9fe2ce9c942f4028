"""Exports a manager opens: Indonesian column names, minutes, and a CSV that Excel set to
Indonesian splits into columns with decimal commas; the machine CSV stays as it was
(issue 12)."""

from __future__ import annotations

import csv
import io

from openpyxl import load_workbook


def _one_served_ticket(api, make, clock) -> str:  # type: ignore[no-untyped-def]
    """A ticket of a service of the test's own that waited 5 minutes and was served 7.5;
    the service's code."""
    desk = make.desk()
    t = api.issue(desk.code)
    cid = api.open_counter(desk.staff, desk.counter)
    staff = api.login(desk.staff)
    clock.advance(minutes=5)                       # waited 5 minutes
    assert api.post(f"/counters/{cid}/call-next", token=staff).body["ticket"]["id"] == t["id"]
    clock.advance(minutes=7, seconds=30)           # served 7.5 minutes
    assert api.post(f"/tickets/{t['id']}/finish", token=staff).status == 200
    return desk.code


def _get(api, fmt: str):  # type: ignore[no-untyped-def]
    return api.client.get(f"/api/v1/reports/daily?date=2026-11-23&format={fmt}",
                          headers={"Authorization": f"Bearer {api.login('manajer')}"})


def test_the_csv_for_excel_indonesia_has_semicolons_decimal_commas_and_minutes(api, make,
                                                                               clock):
    _one_served_ticket(api, make, clock)
    r = _get(api, "csv-id")
    assert r.status_code == 200
    assert r.headers["Content-Disposition"].endswith(
        'filename="laporan-harian-2026-11-23-excel-id.csv"')
    text = r.data.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    header = rows[0]
    assert header[:4] == ["Bagian", "ID", "Kode", "Nama"]
    assert "Rata-rata tunggu (menit)" in header and "Siaga (menit)" in header
    assert not any(h.endswith("_seconds") for h in header)
    total = dict(zip(header, rows[1], strict=True))
    assert total["Bagian"] == "Total"
    assert total["Rata-rata tunggu (menit)"] == "5"
    assert total["Rata-rata layanan (menit)"] == "7,5"
    # the machine-readable CSV is unchanged: commas, English names, seconds
    machine = list(csv.DictReader(io.StringIO(_get(api, "csv").data.decode("utf-8-sig"))))
    assert machine[0]["avg_service_seconds"] == "450.0"


def test_the_excel_workbook_for_people_names_columns_in_indonesian_in_minutes(api, make,
                                                                              clock):
    code = _one_served_ticket(api, make, clock)
    book = load_workbook(io.BytesIO(_get(api, "xlsx-id").data), read_only=True)
    sheet = list(book["Layanan"].iter_rows(values_only=True))
    header = list(sheet[0])
    assert "Rata-rata layanan (menit)" in header and "avg_service_seconds" not in header
    ours = next(dict(zip(header, line, strict=True)) for line in sheet[1:] if line[1] == code)
    assert ours["Rata-rata layanan (menit)"] == 7.5
    summary = dict(list(book["Ringkasan"].iter_rows(values_only=True))[1:])
    assert summary["Rata-rata tunggu (menit)"] == 5
