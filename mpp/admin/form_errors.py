"""An admin form's refusal as the admin reads it: in Indonesian, at the field it is about.

The admin service raises errors with a stable code and an English message (the API's);
for the pages, each error is worded again in Indonesian from its code and, when it is about
one value, from the English label of that value (``what``, set by the service's checks),
which also names the form field to mark.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..domain import hours
from ..domain.errors import DomainError, ValidationFailed

#: the English label a check names -> (form field, Indonesian label)
FIELDS: dict[str, tuple[str, str]] = {
    "Code": ("code", "Kode"),
    "Name": ("name", "Nama"),
    "Short name": ("short_name", "Nama singkat"),
    "Sort order": ("sort_order", "Urutan"),
    "English name": ("name_en", "Nama dalam bahasa Inggris"),
    "Description": ("description", "Keterangan"),
    "Legal basis": ("legal_basis", "Dasar hukum"),
    "Product": ("product", "Produk layanan"),
    "Complaint handling": ("complaints", "Penanganan pengaduan"),
    "Product (English)": ("product_en", "Produk layanan (Inggris)"),
    "Complaint handling (English)": ("complaints_en", "Penanganan pengaduan (Inggris)"),
    "Service time (SLA minutes)": ("sla_minutes", "Waktu penyelesaian (menit)"),
    "Fee": ("fee", "Biaya"),
    "Fee note": ("fee_note", "Catatan biaya"),
    "Daily quota": ("daily_quota", "Kuota per hari"),
    "Issuing cut-off": ("issue_cutoff_minutes", "Batas ambil nomor"),
    "Regular calls per priority call": ("regular_per_priority",
                                        "Panggilan reguler di antara dua panggilan prioritas"),
    "Agency": ("agency_id", "Instansi"),
    "Spoken name": ("spoken_name", "Nama yang diucapkan"),
    "Full name": ("full_name", "Nama lengkap"),
    "Printer": ("printer_id", "Printer"),
    "Board title": ("title", "Judul papan"),
    "Counter": ("counter_id", "Loket"),
    "Site name": ("name", "Nama situs"),
    "Friday break": ("friday_break", "Istirahat salat Jumat"),
    "Address": ("address", "Alamat"),
    "Ticket footer": ("ticket_footer", "Catatan kaki tiket"),
    "Running text": ("running_text", "Teks berjalan"),
    "English running text": ("running_text_en", "Teks berjalan dalam bahasa Inggris"),
}

#: refusals not about one value: code -> (form field or None, Indonesian)
BY_CODE: dict[str, tuple[str | None, str]] = {
    "invalid_prefix": ("prefix", "Awalan nomor harus 1–3 huruf A–Z, misalnya A atau KTP."),
    "duplicate_prefix": ("prefix", "Awalan nomor ini sudah dipakai layanan lain: pilih "
                                   "awalan lain."),
    "prefix_in_use": ("prefix", "Hari ini sudah ada nomor dengan awalan lama; ubah awalan "
                                "setelah hari ditutup."),
    "service_exists": ("code", "Instansi ini sudah punya layanan dengan kode ini."),
    "agency_exists": ("code", "Kode instansi ini sudah dipakai."),
    "agency_not_found": ("agency_id", "Pilih instansi yang ada."),
    "agency_required": ("agency_id", "Petugas loket bekerja untuk satu instansi: pilih "
                                     "instansinya."),
    "no_services": (None, "Pilih sedikitnya satu layanan yang dilayani loket ini."),
    "counter_open": (None, "Loket sedang dibuka petugas; petugas harus menutupnya dahulu."),
    "weak_password": ("password", "Kata sandi terlalu pendek."),
    "invalid_timezone": ("timezone", "Zona waktu tidak dikenal; tulis seperti "
                                     "Asia/Makassar, Asia/Jakarta atau Asia/Jayapura."),
    "invalid_hours": (None, "Jam layanan tidak dapat dibaca: tulis seperti 08:00-15:00, "
                            "beberapa rentang 08:00-12:00,13:00-15:00, atau tutup."),
}

DAY_NAMES = {"mon": "Senin", "tue": "Selasa", "wed": "Rabu", "thu": "Kamis", "fri": "Jumat",
             "sat": "Sabtu", "sun": "Minggu"}


@dataclass(frozen=True)
class FormError:
    """What the page shows: the Indonesian text and the field to mark (None: the form)."""

    text: str
    field: str | None
    code: str


def explain(error: DomainError) -> FormError:
    """The Indonesian wording of ``error`` and the field it is about."""
    field = getattr(error, "field", None)
    worded = getattr(error, "text_id", None)
    if worded:
        return FormError(worded, field, error.code)
    what = getattr(error, "what", None)
    facts: dict[str, Any] = getattr(error, "facts", {}) or {}
    if what in FIELDS:
        name, label = FIELDS[what]
        text = {
            "missing_field": f"{label} wajib diisi.",
            "too_long": f"{label} paling banyak {facts.get('limit')} karakter.",
            "invalid_number": f"{label} harus bilangan bulat dari 0 sampai "
                              f"{facts.get('max', 0):,}.".replace(",", "."),
            "invalid_code": f"{label} hanya boleh 1–40 karakter: huruf A–Z, angka 0–9, "
                            "'-' atau '_'.",
        }.get(error.code)
        if text is not None:
            return FormError(text, field or name, error.code)
    if error.code in BY_CODE:
        name, text = BY_CODE[error.code]
        return FormError(text, field or name, error.code)
    # a refusal worded in Indonesian already (for example a stale edit), or not yet known
    return FormError(error.message, field, error.code)


def check_day_hours(values: dict[str, str]) -> None:
    """Read each weekday's hours field on its own, so a bad one is named by its day:
    raises ValidationFailed with ``field`` = ``hours_<day>``."""
    for day in hours.DAYS:
        text = (values.get(f"hours_{day}") or "").strip()
        try:
            hours.parse_ranges(text)
        except ValidationFailed as exc:
            err = ValidationFailed(f"Hours: {exc.message}", "invalid_hours")
            err.field = f"hours_{day}"  # type: ignore[attr-defined]
            err.what = None  # type: ignore[attr-defined]
            raise _worded(err, f"Jam hari {DAY_NAMES[day]} tidak dapat dibaca "
                               f"(\u201c{text}\u201d): tulis seperti 08:00-15:00, beberapa "
                               "rentang 08:00-12:00,13:00-15:00, atau tutup.") from exc


def _worded(err: ValidationFailed, text: str) -> ValidationFailed:
    err.text_id = text  # type: ignore[attr-defined]
    return err

