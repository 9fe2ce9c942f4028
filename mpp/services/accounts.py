"""Users, login tokens and devices. Passwords are hashed with scrypt; tokens are stored as
SHA-256 digests, so a database leak gives no usable credential."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta
from time import monotonic
from typing import Any

from sqlalchemy import bindparam, event, inspect, literal, null, select, union_all
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from ..domain.actor import Actor
from ..domain.errors import Conflict, NotFound, Unauthorized, ValidationFailed
from ..models import Agency, AuditLog, AuthToken, Device, User
from .presenter import site_of

ROLES = ("admin", "manager", "staff")
DEVICE_KINDS = ("kiosk", "display", "printer")
TOKEN_LIFETIME = timedelta(hours=12)
MIN_PASSWORD = 8
#: werkzeug's hash method; tests lower the cost, production keeps scrypt
HASH_METHOD = "scrypt"


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def audit(s: Session, actor: Actor | str, action: str, entity: str, entity_id: Any = "",
          now: datetime | None = None, **detail: Any) -> None:
    """Record an administrative change."""
    from datetime import UTC

    name = actor if isinstance(actor, str) else (actor.name or actor.role)
    s.add(AuditLog(at=now or datetime.now(UTC), action=action, entity=entity,
                   entity_id=str(entity_id), actor=name,
                   user_id=None if isinstance(actor, str) else actor.user_id, detail=detail))


def user_dict(user: User) -> dict[str, Any]:
    return {"id": user.id, "username": user.username, "role": user.role,
            "full_name": user.full_name, "agency_id": user.agency_id,
            "agency_code": user.agency.code if user.agency else None, "active": user.active}


def actor_for_user(user: User) -> Actor:
    return Actor(role=user.role, user_id=user.id, agency_id=user.agency_id, name=user.username)


def actor_for_device(device: Device) -> Actor:
    return Actor(role=device.kind, device_id=device.id, name=device.name)


def create_user(s: Session, now: datetime, username: str, password: str, role: str,
                agency_code: str | None = None, full_name: str = "",
                actor: Actor | str = "cli") -> User:
    """Create a user; staff and managers may be tied to one agency."""
    username = username.strip()
    if not username or len(username) > 80 or any(c.isspace() for c in username):
        raise ValidationFailed("Username must be 1-80 characters without spaces.",
                               "invalid_username")
    if role not in ROLES:
        raise ValidationFailed(f"Role must be one of {', '.join(ROLES)}.", "invalid_role")
    if len(password) < MIN_PASSWORD:
        raise ValidationFailed(f"Password must have at least {MIN_PASSWORD} characters.",
                               "weak_password")
    if s.scalars(select(User).where(User.username == username)).first() is not None:
        raise Conflict(f"User {username!r} already exists.", "user_exists")
    agency_id = None
    if agency_code:
        agency = s.scalars(select(Agency).where(Agency.code == agency_code)).first()
        if agency is None:
            raise NotFound(f"No agency has code {agency_code!r}.", "agency_not_found")
        agency_id = agency.id
    if role == "admin" and agency_id is not None:
        raise ValidationFailed("Admins are not tied to an agency.", "admin_agency")
    user = User(username=username, password_hash=generate_password_hash(password, HASH_METHOD),
                role=role, agency_id=agency_id, full_name=full_name, created_at=now)
    s.add(user)
    s.flush()
    audit(s, actor, "create", "user", user.id, now, username=username, role=role,
          agency=agency_code)
    return user


#: a hash to check wrong usernames against (made on first use, with HASH_METHOD as set)
_decoy: dict[str, str] = {}


def _checked_user(s: Session, username: str, password: str) -> User:
    """The active user with this username and password; Unauthorized otherwise. An unknown
    or inactive username costs the same hash check as a known one, so that the answer's
    time does not tell which usernames exist."""
    user = s.scalars(select(User).where(User.username == username)).first()
    if user is None or not user.active:
        decoy = _decoy.get(HASH_METHOD)
        if decoy is None:
            decoy = _decoy[HASH_METHOD] = generate_password_hash(secrets.token_hex(8),
                                                                 HASH_METHOD)
        check_password_hash(decoy, password)
        raise Unauthorized("Wrong username or password.", "bad_credentials")
    if not check_password_hash(user.password_hash, password):
        raise Unauthorized("Wrong username or password.", "bad_credentials")
    return user


def login(s: Session, now: datetime, username: str, password: str) -> tuple[str, User]:
    """Check the password and give a new bearer token; Unauthorized on bad credentials."""
    user = _checked_user(s, username, password)
    token = secrets.token_urlsafe(32)
    s.add(AuthToken(user_id=user.id, token_hash=token_digest(token), created_at=now,
                    expires_at=now + TOKEN_LIFETIME))
    return token, user


def start_session(s: Session, now: datetime, user: User, lifetime: timedelta) -> str:
    """A browser session's server-side key: an auth token kept in the signed session cookie.
    Logging out, deactivating the user or resetting the password revokes it, so a cookie
    captured before then stops working (mpp.web.session checks it on every request)."""
    token = secrets.token_urlsafe(32)
    s.add(AuthToken(user_id=user.id, token_hash=token_digest(token), created_at=now,
                    expires_at=now + lifetime))
    return token


def session_user(s: Session, now: datetime, user_id: int, token: str) -> User | None:
    """The active user of a live browser session, or None once it has ended."""
    row = s.scalars(select(AuthToken).where(AuthToken.token_hash == token_digest(token))
                    ).first()
    if (row is None or row.user_id != user_id or row.revoked_at is not None
            or row.expires_at <= now):
        return None
    user = s.get(User, user_id)
    return user if user is not None and user.active else None


def check_password(s: Session, username: str, password: str) -> User:
    """The active user with this username and password (the login page); Unauthorized."""
    return _checked_user(s, username, password)


def revoke_token(s: Session, now: datetime, token: str) -> None:
    row = s.scalars(select(AuthToken).where(AuthToken.token_hash == token_digest(token))).first()
    if row is not None and row.revoked_at is None:
        row.revoked_at = now


def actor_for_token(s: Session | Connection, now: datetime, token: str) -> Actor | None:
    """The user or device a bearer token belongs to, or None when it is unknown or expired
    (in a session, or on a connection: see Database.lookup)."""
    found = _actor_and_expiry(s, now, token_digest(token))
    return None if found is None else found[0]


def _actor_and_expiry(s: Session | Connection, now: datetime, digest: str
                      ) -> tuple[Actor, datetime | None] | None:
    """The actor of a valid token by its digest, and when the token expires (None: a
    device's token, which does not)."""
    # Every API request asks this: one statement (a SHA-256 digest looked up by its unique
    # index, in the login tokens and the device tokens at once), plain rows, no objects.
    rows = {r.kind: r for r in s.execute(_TOKEN_LOOKUP, {"digest": digest})}
    row = rows.get("user")
    if row is not None:
        if row.revoked_at is not None or row.expires_at <= now or not row.active:
            return None
        return (Actor(role=row.role, user_id=row.id, agency_id=row.agency_id, name=row.name),
                row.expires_at)
    row = rows.get("device")
    if row is not None and row.revoked_at is None:
        return Actor(role=row.role, device_id=row.id, name=row.name), None
    return None


class TokenCache:
    """The bearer tokens this process has recently found valid, so that a kiosk or counter
    sending request after request is not looked up in the database every time.

    Keyed by (database URL, token digest): the actor and until when (monotonic time) the
    entry may be used, at most ``ttl`` seconds after it was read; a login token's own expiry
    is checked on every use. Unknown, revoked or expired tokens are never kept. A commit in
    this process that revokes a token or a device, rotates a device's token, or changes a
    user's role, agency, name or active flag empties the cache at once (see
    :func:`_note_account_changes`); a change made by another process (another server, the
    CLI) is seen here within ``ttl`` (``MPP_DEVICE_RECHECK_SECONDS``, docs/security.md).
    """

    #: the most tokens kept (each a few hundred bytes); past it the cache starts afresh
    MAX_ENTRIES = 10_000

    def __init__(self) -> None:
        self._entries: dict[tuple[str, str], tuple[Actor, float, datetime | None]] = {}

    def get(self, db_url: str, digest: str, now: datetime) -> Actor | None:
        entry = self._entries.get((db_url, digest))
        if entry is None:
            return None
        actor, until, expires_at = entry
        if monotonic() >= until or (expires_at is not None and expires_at <= now):
            self._entries.pop((db_url, digest), None)
            return None
        return actor

    def put(self, db_url: str, digest: str, actor: Actor, expires_at: datetime | None,
            ttl: float) -> None:
        if len(self._entries) >= self.MAX_ENTRIES:
            self._entries.clear()
        self._entries[(db_url, digest)] = (actor, monotonic() + ttl, expires_at)

    def clear(self) -> None:
        self._entries.clear()


#: this process's cache of valid bearer tokens (see TokenCache)
token_cache = TokenCache()

#: what, changed on these rows, can end a token's validity or change its actor
_ACCOUNT_FIELDS = {AuthToken: ("revoked_at", "expires_at", "token_hash", "user_id"),
                   Device: ("revoked_at", "token_hash", "kind", "name"),
                   User: ("active", "role", "agency_id", "username")}


@event.listens_for(Session, "after_flush")
def _note_account_changes(session: Session, _context: Any) -> None:
    """Mark a session that changed what a cached token stands for (emptied on its commit)."""
    for obj in session.deleted:
        if type(obj) in _ACCOUNT_FIELDS:
            session.info["tokens_changed"] = True
            return
    for obj in session.dirty:
        fields = _ACCOUNT_FIELDS.get(type(obj))
        if fields is not None:
            attrs = inspect(obj).attrs
            if any(attrs[f].history.has_changes() for f in fields):
                session.info["tokens_changed"] = True
                return


@event.listens_for(Session, "after_commit")
def _forget_changed_tokens(session: Session) -> None:
    if session.info.pop("tokens_changed", False):
        token_cache.clear()


@event.listens_for(Session, "after_rollback")
def _forget_mark(session: Session) -> None:
    session.info.pop("tokens_changed", None)


def cached_actor_for_token(db: Any, now: datetime, token: str, ttl: float) -> Actor | None:
    """:func:`actor_for_token` through :data:`token_cache` (``ttl`` seconds; 0: no cache),
    on a connection of its own (Database.lookup)."""
    digest = token_digest(token)
    if ttl > 0:
        actor = token_cache.get(db.url, digest, now)
        if actor is not None:
            return actor
    with db.lookup() as connection:
        found = _actor_and_expiry(connection, now, digest)
    if found is None:
        return None
    actor, expires_at = found
    if ttl > 0:
        token_cache.put(db.url, digest, actor, expires_at, ttl)
    return actor


_TOKEN_LOOKUP = union_all(
    select(literal("user").label("kind"), User.id, User.role, User.agency_id,
           User.username.label("name"), User.active, AuthToken.revoked_at, AuthToken.expires_at)
    .join(User, User.id == AuthToken.user_id)
    .where(AuthToken.token_hash == bindparam("digest")),
    select(literal("device"), Device.id, Device.kind, null(), Device.name, literal(True),
           Device.revoked_at, null())
    .where(Device.token_hash == bindparam("digest")))


#: when this process last recorded each device as seen ((database URL, device id) -> time)
_seen_written: dict[tuple[str, int], datetime] = {}
SEEN_EVERY = timedelta(minutes=1)


def note_device_seen(db: Any, device_id: int, now: datetime) -> None:
    """Record that a device called in (``Device.last_seen_at``), at most once a minute per
    device and process, so the admin sees which kiosks and boards are alive."""
    key = (db.url, device_id)
    last = _seen_written.get(key)
    if last is not None and last <= now < last + SEEN_EVERY:
        return
    _seen_written[key] = now
    with db.write() as s:
        device = s.get(Device, device_id)
        if device is not None and (device.last_seen_at is None or device.last_seen_at < now):
            device.last_seen_at = now


def create_device(s: Session, now: datetime, name: str, kind: str,
                  settings: dict[str, Any] | None = None,
                  actor: Actor | str = "cli") -> tuple[Device, str]:
    """Register a device; returns it with its token, which is shown only this once."""
    name = name.strip()
    if not name or len(name) > 100:
        raise ValidationFailed("Device name must be 1-100 characters.", "invalid_name")
    if kind not in DEVICE_KINDS:
        raise ValidationFailed(f"Kind must be one of {', '.join(DEVICE_KINDS)}.",
                               "invalid_kind")
    if s.scalars(select(Device).where(Device.name == name)).first() is not None:
        raise Conflict(f"Device {name!r} already exists.", "device_exists")
    token = secrets.token_urlsafe(32)
    device = Device(site_id=site_of(s).id, name=name, kind=kind, token_hash=token_digest(token),
                    created_at=now, settings=settings or {}, state={})
    s.add(device)
    s.flush()
    audit(s, actor, "create", "device", device.id, now, name=name, kind=kind)
    return device, token
