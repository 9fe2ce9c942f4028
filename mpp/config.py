"""Settings from the environment (see the README's Configuration section)."""

from __future__ import annotations

import os
import secrets
from pathlib import Path


def default_data_dir() -> Path:
    return Path(os.environ.get("MPP_DATA_DIR", Path.cwd() / "instance"))


class Config:
    """Production and demo settings, read from ``MPP_*`` environment variables."""

    def __init__(self) -> None:
        data = default_data_dir()
        self.DATABASE_URL: str = os.environ.get(
            "MPP_DATABASE_URL", f"sqlite:///{data / 'mpp.sqlite3'}")
        #: when unset, a key is made once and kept in the data folder (see secret_key())
        self.SECRET_KEY: str | None = os.environ.get("MPP_SECRET_KEY") or None
        self.REDIS_URL: str | None = os.environ.get("MPP_REDIS_URL") or None
        #: the Redis pub/sub channel; give each site its own when they share one Redis server
        self.REDIS_CHANNEL: str = os.environ.get("MPP_REDIS_CHANNEL", "mpp")
        #: the address citizens' phones reach the server at (QR codes point here)
        self.PUBLIC_URL: str = os.environ.get("MPP_PUBLIC_URL", "http://localhost:8080")
        self.LOGIN_RATE_LIMIT: str = os.environ.get("MPP_LOGIN_RATE_LIMIT", "10 per minute")
        #: bookings made per client address (``POST /api/v1/bookings``)
        self.BOOKING_RATE_LIMIT: str = os.environ.get("MPP_BOOKING_RATE_LIMIT",
                                                      "20 per hour")
        self.SESSION_HOURS: int = int(os.environ.get("MPP_SESSION_HOURS", "10"))
        #: deliver the webhook notifications from this process (mpp.notifier)
        self.NOTIFICATIONS: bool = os.environ.get(
            "MPP_NOTIFICATIONS", "1") not in ("0", "false", "no", "")
        #: how many reverse proxies (nginx) stand in front: their X-Forwarded-For then gives
        #: the client's address (for the login rate limit); 0 trusts no such header
        self.TRUSTED_PROXIES: int = int(os.environ.get("MPP_TRUSTED_PROXIES", "0"))
        #: where login attempts are counted; with several workers, a Redis URL so that they
        #: share the count (e.g. redis://127.0.0.1:6379/1)
        self.RATELIMIT_STORAGE_URL: str = os.environ.get("MPP_RATELIMIT_STORAGE_URL",
                                                         "memory://")
        self.DATA_DIR: Path = data
        self.AUDIO_DIR: Path = Path(os.environ.get("MPP_AUDIO_DIR", data / "audio"))
        #: the most the announcement audio cache may hold (MB); the least recently played
        #: phrases are deleted beyond it
        self.AUDIO_CACHE_MB: int = int(os.environ.get("MPP_AUDIO_CACHE_MB", "200"))
        #: the speech synthesiser for announcements (Indonesian voice); empty: chime only
        self.VOICE_COMMAND: str = os.environ.get("MPP_VOICE_COMMAND", "espeak-ng")
        #: how often (seconds) each process re-checks its device sockets against the
        #: database, cutting revoked devices and replaced print agents; 0 turns it off
        self.DEVICE_RECHECK_SECONDS: float = float(
            os.environ.get("MPP_DEVICE_RECHECK_SECONDS", "5"))
        #: web origins besides the site's own allowed to open Socket.IO connections
        #: (comma-separated, e.g. https://mpp.example.go.id); the site's own need no entry
        self.ALLOWED_ORIGINS: list[str] = [
            o.strip() for o in os.environ.get("MPP_ALLOWED_ORIGINS", "").split(",")
            if o.strip()]
        #: the largest request body accepted (bytes); larger ones get 413 before being read
        self.MAX_CONTENT_LENGTH: int = int(os.environ.get("MPP_MAX_REQUEST_BYTES", "1000000"))
        #: live-socket limits (see mpp.socket_guard)
        self.SOCKETS_PER_ADDRESS: int = int(os.environ.get("MPP_SOCKETS_PER_ADDRESS", "1000"))
        self.SOCKETS_PER_TICKET: int = int(os.environ.get("MPP_SOCKETS_PER_TICKET", "5"))
        self.SOCKET_BACKLOG: int = int(os.environ.get("MPP_SOCKET_BACKLOG", "200"))
        self.SOCKET_SEND_TIMEOUT: float = float(os.environ.get("MPP_SOCKET_SEND_TIMEOUT", "30"))
        #: close each business day (expire its waiting tickets) at the site's local
        #: midnight inside the server (mpp.day_close); 0 leaves it to `mpp close-day`
        self.CLOSE_DAY_AT_MIDNIGHT: bool = os.environ.get(
            "MPP_CLOSE_DAY_AT_MIDNIGHT", "1") not in ("0", "false", "no", "")
        #: send the hall's counts when a service opens or closes by its hours (mpp.hours_watch)
        self.HOURS_WATCH: bool = True
        #: how often (seconds) each server process cancels remote tickets not checked in in
        #: time (mpp.remote_expiry); 0 turns it off (a late check-in still expires its own)
        self.REMOTE_EXPIRY_SECONDS: float = float(os.environ.get("MPP_REMOTE_EXPIRY_SECONDS",
                                                                 "15"))
        #: check every /api/v1 JSON answer against its model in the OpenAPI document (a 500
        #: when it breaks it); the tests turn it on, production leaves it off (mpp.api.openapi)
        self.API_VALIDATE_RESPONSES: bool = os.environ.get(
            "MPP_API_VALIDATE_RESPONSES", "0") not in ("0", "false", "no", "")
        self.TESTING = False
        self.WTF_CSRF_ENABLED = True


class TestConfig(Config):
    """An in-process configuration for tests: the database URL is given explicitly."""

    def __init__(self, database_url: str, **overrides: object) -> None:
        super().__init__()
        self.DATABASE_URL = database_url
        self.SECRET_KEY = "test-secret"
        self.PUBLIC_URL = "http://mpp.test"
        self.REDIS_URL = None
        self.TESTING = True
        self.LOGIN_RATE_LIMIT = "1000 per minute"
        self.BOOKING_RATE_LIMIT = "1000 per minute"
        self.NOTIFICATIONS = False  # a test that wants the worker turns it on
        self.CLOSE_DAY_AT_MIDNIGHT = False  # a test that wants it turns it on
        self.HOURS_WATCH = False  # likewise
        self.REMOTE_EXPIRY_SECONDS = 0.0  # likewise (tests call expire_overdue themselves)
        self.API_VALIDATE_RESPONSES = True  # every API answer checked against the document
        for key, value in overrides.items():
            setattr(self, key, value)


def persistent_secret(data: Path) -> str:
    """A secret kept in the data folder, so sessions survive a restart of the demo."""
    path = data / "secret_key"
    if path.exists():
        return path.read_text().strip()
    data.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    path.write_text(key)
    path.chmod(0o600)
    return key
