"""What the status page says, in Indonesian and English (the page's script gets the same
strings, so the first server-rendered view and the live updates read alike)."""

from __future__ import annotations

TEXTS: dict[str, dict[str, str]] = {
    "id": {
        "page_title": "Nomor antrian {number}",
        "your_number": "Nomor antrian Anda",
        "service": "Layanan",
        "status_waiting": "Menunggu",
        "status_called": "Dipanggil",
        "status_serving": "Sedang dilayani",
        "status_done": "Selesai",
        "status_no_show": "Tidak hadir",
        "status_cancelled": "Dibatalkan",
        "status_expired": "Tidak berlaku",
        "people_ahead": "Orang di depan Anda",
        "estimated_wait": "Perkiraan waktu tunggu",
        "minutes": "± {n} menit",
        "next_up": "Anda berikutnya",
        "no_counter_open": "Belum ada loket yang melayani layanan ini saat ini. "
                           "Tanyakan kepada petugas informasi.",
        "unknown_wait": "—",
        "go_to": "Silakan menuju",
        "called_hint": "Nomor Anda dipanggil. Tunjukkan nomor ini kepada petugas loket.",
        "recalled": "Dipanggil ulang",
        "serving_at": "Anda sedang dilayani di",
        "msg_waiting": "Halaman ini diperbarui otomatis. Tetaplah di sekitar ruang tunggu.",
        "msg_done": "Layanan Anda telah selesai. Terima kasih telah berkunjung.",
        "msg_no_show": "Nomor Anda sudah dipanggil, tetapi Anda tidak hadir di loket. "
                       "Silakan hubungi petugas informasi atau ambil nomor baru di kiosk.",
        "msg_cancelled": "Nomor antrian ini dibatalkan. Hubungi petugas informasi bila "
                         "ini keliru.",
        "msg_expired": "Nomor antrian ini sudah tidak berlaku karena hari layanan telah "
                       "berakhir. Silakan ambil nomor baru.",
        "priority": "Prioritas",
        "issued_at": "Diambil pukul",
        "live_on": "Diperbarui langsung",
        "live_off": "Menyambung ulang…",
        "live_ended": "Pembaruan langsung selesai",
        "live_paused": "Dijeda selama halaman tidak dibuka",
        "no_script": "Muat ulang halaman ini untuk melihat keadaan terbaru.",
        "vibrate_enable": "Aktifkan getar saat dipanggil",
        "vibrate_on": "Getar aktif: ponsel akan bergetar saat Anda dipanggil.",
        "switch_lang": "English",
        "switch_lang_label": "Read this page in English",
        "not_found_title": "Nomor antrian tidak ditemukan",
        "not_found_body": "Kode pada tautan ini tidak dikenal. Periksa kembali tautan atau "
                          "pindai ulang kode QR pada tiket Anda.",
    },
    "en": {
        "page_title": "Queue number {number}",
        "your_number": "Your queue number",
        "service": "Service",
        "status_waiting": "Waiting",
        "status_called": "Called",
        "status_serving": "Being served",
        "status_done": "Completed",
        "status_no_show": "Missed",
        "status_cancelled": "Cancelled",
        "status_expired": "Expired",
        "people_ahead": "People ahead of you",
        "estimated_wait": "Estimated wait",
        "minutes": "about {n} min",
        "next_up": "You are next",
        "no_counter_open": "No counter is serving this service at the moment. "
                           "Please ask the information desk.",
        "unknown_wait": "—",
        "go_to": "Please go to",
        "called_hint": "Your number has been called. Show this number to the counter staff.",
        "recalled": "Called again",
        "serving_at": "You are being served at",
        "msg_waiting": "This page updates by itself. Please stay near the waiting area.",
        "msg_done": "Your service is complete. Thank you for your visit.",
        "msg_no_show": "Your number was called but you did not come to the counter. "
                       "Please ask the information desk or take a new number at the kiosk.",
        "msg_cancelled": "This ticket was cancelled. Ask the information desk if this is "
                         "a mistake.",
        "msg_expired": "This ticket is no longer valid because the service day has ended. "
                       "Please take a new number.",
        "priority": "Priority",
        "issued_at": "Taken at",
        "live_on": "Live",
        "live_off": "Reconnecting…",
        "live_ended": "Live updates ended",
        "live_paused": "Paused while the page is not open",
        "no_script": "Reload this page to see the latest state.",
        "vibrate_enable": "Vibrate when I am called",
        "vibrate_on": "Vibration on: your phone will vibrate when you are called.",
        "switch_lang": "Bahasa Indonesia",
        "switch_lang_label": "Baca halaman ini dalam Bahasa Indonesia",
        "not_found_title": "Ticket not found",
        "not_found_body": "The code in this link is unknown. Check the link or scan the QR "
                          "code on your ticket again.",
    },
}

#: statuses after which the ticket never changes again
FINAL = ("done", "no_show", "cancelled", "expired")
