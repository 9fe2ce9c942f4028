"""An admin form's refusal as the admin reads it: in the reader's language (Indonesian
first), at the field it is about.

The admin service raises errors with a stable code and an English message (the API's);
for the pages, each error is worded again from its code and, when it is about one value,
from the English label of that value (``what``, set by the service's checks), which also
names the form field to mark. The wordings are gettext messages (msgids in Indonesian,
translated in mpp/i18n/gettext); the service's own message stays beside them as a detail
when it says more than the wording (which prefix clashes with which service, the line of
a site file).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as N_

from ..domain import hours
from ..domain.errors import DomainError, ValidationFailed

#: the English label a check names -> (form field, label as the form shows it)
FIELDS: dict[str, tuple[str, Any]] = {
    "Code": ("code", N_("Kode")),
    "Name": ("name", N_("Nama")),
    "Short name": ("short_name", N_("Nama singkat")),
    "Sort order": ("sort_order", N_("Urutan")),
    "English name": ("name_en", N_("Nama dalam bahasa Inggris")),
    "Description": ("description", N_("Keterangan")),
    "Legal basis": ("legal_basis", N_("Dasar hukum")),
    "Product": ("product", N_("Produk layanan")),
    "Complaint handling": ("complaints", N_("Penanganan pengaduan")),
    "Product (English)": ("product_en", N_("Produk layanan (Inggris)")),
    "Complaint handling (English)": ("complaints_en", N_("Penanganan pengaduan (Inggris)")),
    "Service time (SLA minutes)": ("sla_minutes", N_("Waktu penyelesaian (menit)")),
    "Fee": ("fee", N_("Biaya")),
    "Fee note": ("fee_note", N_("Catatan biaya")),
    "Daily quota": ("daily_quota", N_("Kuota per hari")),
    "Issuing cut-off": ("issue_cutoff_minutes", N_("Batas ambil nomor")),
    "Regular calls per priority call": ("regular_per_priority",
                                        N_("Panggilan reguler di antara dua panggilan "
                                           "prioritas")),
    "Agency": ("agency_id", N_("Instansi")),
    "Spoken name": ("spoken_name", N_("Nama yang diucapkan")),
    "Full name": ("full_name", N_("Nama lengkap")),
    "Username": ("username", N_("Nama pengguna")),
    "Printer": ("printer_id", N_("Printer")),
    "Board title": ("title", N_("Judul papan")),
    "Counter": ("counter_id", N_("Loket")),
    "Site name": ("name", N_("Nama situs")),
    "Friday break": ("friday_break", N_("Istirahat salat Jumat")),
    "Address": ("address", N_("Alamat")),
    "Ticket footer": ("ticket_footer", N_("Catatan kaki tiket")),
    "Service pledge": ("pledge", N_("Maklumat pelayanan")),
    "Service pledge (English)": ("pledge_en", N_("Maklumat pelayanan dalam bahasa Inggris")),
    "Running text": ("running_text", N_("Teks berjalan")),
    "English running text": ("running_text_en", N_("Teks berjalan dalam bahasa Inggris")),
    "Booking slot_minutes": ("booking_slot_minutes", N_("Panjang slot (menit)")),
    "Booking per_slot": ("booking_per_slot", N_("Tempat per slot")),
    "Booking days_ahead": ("booking_days_ahead", N_("Hari ke depan")),
    "Booking grace_minutes": ("booking_grace_minutes", N_("Toleransi terlambat (menit)")),
    "Webhook URL": ("notify_webhook_url", N_("URL webhook gateway")),
    "Secret": ("notify_secret", N_("Rahasia bersama")),
    "Notify when this many are ahead": ("notify_ahead", N_("Beri tahu saat tersisa (orang)")),
    "Remote check-in minutes": ("remote_check_in_minutes",
                                N_("Batas check-in (menit setelah mengambil)")),
    "Remote tickets per phone a day": ("remote_per_phone",
                                       N_("Nomor dari rumah per HP per hari")),
}

#: refusals not about one value: code -> (form field or None, wording)
BY_CODE: dict[str, tuple[str | None, Any]] = {
    "invalid_prefix": ("prefix", N_("Awalan nomor harus 1–3 huruf A–Z, misalnya A atau KTP.")),
    "duplicate_prefix": ("prefix", N_("Awalan nomor ini sudah dipakai layanan lain: pilih "
                                      "awalan lain.")),
    "prefix_in_use": ("prefix", N_("Hari ini sudah ada nomor dengan awalan lama; ubah awalan "
                                   "setelah hari ditutup.")),
    "service_exists": ("code", N_("Instansi ini sudah punya layanan dengan kode ini.")),
    "service_in_use": ("agency_id", N_("Layanan yang sudah punya tiket atau loket tidak dapat "
                                       "pindah instansi; buat layanan baru.")),
    "agency_exists": ("code", N_("Kode instansi ini sudah dipakai.")),
    "agency_not_found": ("agency_id", N_("Pilih instansi yang ada.")),
    "agency_required": ("agency_id", N_("Petugas loket bekerja untuk satu instansi: pilih "
                                        "instansinya.")),
    "admin_agency": ("agency_id", N_("Admin tidak terikat pada satu instansi: pilih \"semua "
                                     "instansi\".")),
    "no_services": ("service_ids", N_("Pilih sedikitnya satu layanan yang dilayani loket "
                                      "ini.")),
    "invalid_service": ("service_ids", N_("Pilih layanan dari daftar.")),
    "service_not_found": ("service_ids", N_("Pilih layanan dari daftar.")),
    "other_agency_service": ("service_ids", N_("Loket hanya melayani layanan instansinya "
                                               "sendiri.")),
    "counter_exists": ("name", N_("Instansi ini sudah punya loket dengan nama ini.")),
    "counter_in_use": ("agency_id", N_("Loket yang sudah melayani tiket tidak dapat pindah "
                                       "instansi; buat loket baru.")),
    "counter_open": (None, N_("Loket sedang dibuka petugas; petugas harus menutupnya "
                              "dahulu.")),
    "counter_busy": (None, N_("Loket masih memegang tiket; selesaikan tiketnya dahulu.")),
    "invalid_role": ("role", N_("Pilih peran dari daftar.")),
    "self_lockout": (None, N_("Anda tidak dapat menurunkan peran atau menonaktifkan akun "
                              "sendiri; minta admin lain.")),
    "last_admin": (None, N_("Ini admin aktif terakhir; buat admin lain dahulu.")),
    "user_exists": ("username", N_("Nama pengguna ini sudah dipakai.")),
    "weak_password": ("password", N_("Kata sandi terlalu pendek: minimal 8 karakter.")),
    "password_mismatch": ("password", N_("Kedua kata sandi berbeda; ketik ulang.")),
    "wrong_password": ("current_password", N_("Kata sandi sekarang salah.")),
    "same_password": ("new_password", N_("Pilih kata sandi yang berbeda dari yang "
                                         "sekarang.")),
    "device_exists": ("name", N_("Sudah ada perangkat dengan nama ini.")),
    "invalid_printer": ("printer_id", N_("Pilih printer yang terdaftar dan berlaku.")),
    "invalid_timezone": ("timezone", N_("Zona waktu tidak dikenal; tulis seperti "
                                        "Asia/Makassar, Asia/Jakarta atau Asia/Jayapura.")),
    "invalid_hours": (None, N_("Jam layanan tidak dapat dibaca: tulis seperti 08:00-15:00, "
                               "beberapa rentang 08:00-12:00,13:00-15:00, atau tutup.")),
    "invalid_date": ("day", N_("Tulis tanggal sebagai TTTT-BB-HH, misalnya 2026-12-25.")),
    "logo_too_large": ("logo", N_("Logo harus lebih kecil dari 300 KB.")),
    "invalid_logo": ("logo", N_("Logo harus berupa gambar (PNG, JPEG atau SVG).")),
    "too_large": (None, N_("Berkas tata letak harus lebih kecil dari 2 MB.")),
    "missing_file": (None, N_("Pilih berkas tata letak (.toml) atau tempel isinya.")),
    "invalid_toml": (None, N_("Berkas tata letak tidak dapat dibaca sebagai TOML (UTF-8).")),
    "invalid_site_file": (None, N_("Berkas tata letak tidak dimuat: ada isian yang salah.")),
    "invalid_settings": (None, N_("Pengaturan tidak tersimpan: ada isian yang salah.")),
    "invalid_remote_join": (None, N_("Antrean dari rumah: batas check-in 5–240 menit, nomor "
                                     "per HP 1–20 sehari.")),
    "stale_edit": (None, N_("Data ini telah diubah orang lain sejak Anda membukanya; muat "
                            "ulang halaman untuk melihat perubahannya (menyimpan lagi "
                            "menimpanya).")),
}

#: codes whose wording is general: the service's message (which names the clash, the line)
#: is shown beside it
DETAILED = {"duplicate_prefix", "invalid_site_file", "invalid_settings", "invalid_toml",
            "invalid_hours", "counter_busy", "counter_open", "invalid_timezone",
            "other_agency_service", "service_not_found"}

DAY_NAMES = {"mon": N_("Senin"), "tue": N_("Selasa"), "wed": N_("Rabu"), "thu": N_("Kamis"),
             "fri": N_("Jumat"), "sat": N_("Sabtu"), "sun": N_("Minggu")}


@dataclass(frozen=True)
class FormError:
    """What the page shows: the reader's wording, the field to mark (None: the form), and
    the service's own message when it says more."""

    text: str
    field: str | None
    code: str
    detail: str | None = None


#: a booking or notification value the domain names in its message ('booking.per_slot',
#: "'webhook_url'") -> the form field and its label
NAMED_VALUES: dict[str, tuple[str, Any]] = {
    "booking.slot_minutes": ("booking_slot_minutes", N_("Panjang slot (menit)")),
    "booking.per_slot": ("booking_per_slot", N_("Tempat per slot")),
    "booking.days_ahead": ("booking_days_ahead", N_("Hari ke depan")),
    "booking.grace_minutes": ("booking_grace_minutes", N_("Toleransi terlambat (menit)")),
    "webhook_url": ("notify_webhook_url", N_("URL webhook gateway")),
    "secret": ("notify_secret", N_("Rahasia bersama")),
    "ahead": ("notify_ahead", N_("Beri tahu saat tersisa (orang)")),
}


def _named_value(error: DomainError) -> FormError | None:
    """A booking rule or a notification setting refused by the domain, worded at its field
    (the domain's message names the value in the site file's terms)."""
    found = re.search(r"'([a-z_.]+)'", error.message)
    if error.code not in ("invalid_booking", "invalid_notifications") or not found \
            or found.group(1) not in NAMED_VALUES:
        return None
    name, label = NAMED_VALUES[found.group(1)]
    limits = re.search(r"from (\d+) to (\d+)", error.message)
    if limits:
        text = _("%(label)s harus bilangan bulat dari %(low)s sampai %(high)s.", label=label,
                 low=limits.group(1), high=limits.group(2))
    elif name == "notify_webhook_url":
        text = _("%(label)s harus alamat http(s), misalnya https://gateway.example/hook.",
                 label=label)
    else:
        text = _("%(label)s wajib diisi.", label=label)
    return FormError(text, name, error.code)


def explain(error: DomainError) -> FormError:
    """The wording of ``error`` in the reader's language and the field it is about."""
    named = _named_value(error)
    if named is not None:
        return named
    field = getattr(error, "field", None)
    detail = error.message if error.code in DETAILED else None
    worded = getattr(error, "text_id", None)
    if worded:  # worded with the day and the text already: no detail needed
        return FormError(str(worded), field, error.code)
    what = getattr(error, "what", None)
    facts: dict[str, Any] = getattr(error, "facts", {}) or {}
    if what in FIELDS:
        name, label = FIELDS[what]
        text = {
            "missing_field": lambda: _("%(label)s wajib diisi.", label=label),
            "too_long": lambda: _("%(label)s paling banyak %(limit)s karakter.", label=label,
                                  limit=facts.get("limit")),
            "invalid_number": lambda: _("%(label)s harus bilangan bulat dari 0 sampai "
                                        "%(max)s.", label=label,
                                        max=f"{facts.get('max', 0):,}".replace(",", ".")),
            "invalid_code": lambda: _("%(label)s hanya boleh 1–40 karakter: huruf A–Z, angka "
                                      "0–9, '-' atau '_'.", label=label),
        }.get(error.code)
        if text is not None:
            return FormError(text(), field or name, error.code)
    if error.code in BY_CODE:
        name, wording = BY_CODE[error.code]
        return FormError(str(wording), field or name, error.code, detail)
    # a refusal not yet worded here: the service's own message
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
            raise _worded(err, _("Jam hari %(day)s tidak dapat dibaca (\u201c%(text)s\u201d): "
                                 "tulis seperti 08:00-15:00, beberapa rentang "
                                 "08:00-12:00,13:00-15:00, atau tutup.",
                                 day=DAY_NAMES[day], text=text)) from exc


def _worded(err: ValidationFailed, text: str) -> ValidationFailed:
    err.text_id = text  # type: ignore[attr-defined]
    return err
