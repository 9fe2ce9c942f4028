"""The database rows, as typed SQLAlchemy 2 models. No behaviour beyond column defaults."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}



class UTCDateTime(TypeDecorator[datetime]):
    """Aware datetimes stored as UTC; read back aware on SQLite and PostgreSQL alike."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


UTC_TS = UTCDateTime()


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {dict[str, Any]: JSON, list[Any]: JSON}


class Site(Base):
    """One Mal Pelayanan Publik."""

    __tablename__ = "site"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    timezone: Mapped[str] = mapped_column(String(64), default="Asia/Makassar")
    #: name_en, address, logo (data URL or path), ticket_footer, running_text, running_text_en,
    #: friday_break ("11:30-13:00"), issue_cutoff_minutes, base_url
    settings: Mapped[dict[str, Any]] = mapped_column(default=dict)

    agencies: Mapped[list[Agency]] = relationship(back_populates="site",
                                                  order_by="Agency.sort_order")


class Holiday(Base):
    """A day the whole site is closed (hari libur nasional, cuti bersama)."""

    __tablename__ = "holiday"
    __table_args__ = (UniqueConstraint("site_id", "day"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id"))
    day: Mapped[date] = mapped_column(Date)
    name: Mapped[str] = mapped_column(String(200), default="")


class Agency(Base):
    """An instansi with counters in the hall."""

    __tablename__ = "agency"
    __table_args__ = (UniqueConstraint("site_id", "code"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id"))
    code: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(200))
    short_name: Mapped[str] = mapped_column(String(60), default="")
    sort_order: Mapped[int] = mapped_column(default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    site: Mapped[Site] = relationship(back_populates="agencies")
    services: Mapped[list[Service]] = relationship(back_populates="agency", order_by="Service.id")
    counters: Mapped[list[Counter]] = relationship(back_populates="agency", order_by="Counter.id")


class Service(Base):
    """A layanan with its published service standard (standar pelayanan)."""

    __tablename__ = "service"
    __table_args__ = (UniqueConstraint("agency_id", "code"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agency.id"))
    code: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200), default="")
    prefix: Mapped[str] = mapped_column(String(3))
    description: Mapped[str] = mapped_column(Text, default="")
    requirements: Mapped[list[Any]] = mapped_column(default=list)
    procedure: Mapped[list[Any]] = mapped_column(default=list)
    legal_basis: Mapped[str] = mapped_column(Text, default="")
    #: what the citizen receives (produk pelayanan)
    product: Mapped[str] = mapped_column(Text, default="", server_default="")
    #: how complaints are handled (penanganan pengaduan, saran dan masukan)
    complaints: Mapped[str] = mapped_column(Text, default="", server_default="")
    #: the standard's texts in English: requirements, procedure (lists), product, complaints
    texts_en: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict,
                                                     server_default=text("'{}'"))
    sla_minutes: Mapped[int | None] = mapped_column(Integer, nullable=True)
    fee: Mapped[int] = mapped_column(default=0)
    fee_note: Mapped[str] = mapped_column(String(300), default="")
    daily_quota: Mapped[int | None] = mapped_column(Integer, nullable=True)
    #: the hours specification as written (see mpp.domain.hours)
    hours: Mapped[Any] = mapped_column(JSON, default="00:00-24:00")
    issue_cutoff_minutes: Mapped[int | None] = mapped_column(Integer, nullable=True)
    priority_enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    #: regular calls owed between two priority calls; 0 = priority always first
    regular_per_priority: Mapped[int] = mapped_column(default=2)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    #: the site file's ``booking`` table (see mpp.domain.booking); None: no bookings
    booking: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    #: the site file's ``remote_join``: tickets taken from a phone (see mpp.domain.remote_join)
    remote_join: Mapped[bool] = mapped_column(Boolean, default=False,
                                              server_default=text("false"))

    agency: Mapped[Agency] = relationship(back_populates="services")


class Counter(Base):
    """A loket of one agency, serving one or more of its services."""

    __tablename__ = "counter"
    __table_args__ = (UniqueConstraint("agency_id", "name"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agency.id"))
    name: Mapped[str] = mapped_column(String(100))
    #: what the voice says, e.g. "loket tiga"; derived from the name when empty
    spoken_name: Mapped[str] = mapped_column(String(100), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    staff_user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), nullable=True)
    opened_at: Mapped[datetime | None] = mapped_column(UTC_TS, nullable=True)

    agency: Mapped[Agency] = relationship(back_populates="counters")
    services: Mapped[list[Service]] = relationship(secondary="counter_service",
                                                   order_by="Service.id")
    staff: Mapped[User | None] = relationship(foreign_keys=[staff_user_id])


class CounterService(Base):
    __tablename__ = "counter_service"
    counter_id: Mapped[int] = mapped_column(ForeignKey("counter.id"), primary_key=True)
    service_id: Mapped[int] = mapped_column(ForeignKey("service.id"), primary_key=True)


class CounterSession(Base):
    """A stretch of time one staff member held a counter open."""

    __tablename__ = "counter_session"
    id: Mapped[int] = mapped_column(primary_key=True)
    counter_id: Mapped[int] = mapped_column(ForeignKey("counter.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    opened_at: Mapped[datetime] = mapped_column(UTC_TS)
    closed_at: Mapped[datetime | None] = mapped_column(UTC_TS, nullable=True)


class User(Base):
    """A staff member, manager or admin."""

    __tablename__ = "user_account"
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    full_name: Mapped[str] = mapped_column(String(200), default="")
    password_hash: Mapped[str] = mapped_column(String(300))
    role: Mapped[str] = mapped_column(String(20))  # admin | manager | staff
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agency.id"), nullable=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTC_TS)

    agency: Mapped[Agency | None] = relationship()


class AuthToken(Base):
    """A bearer token given at login; only its SHA-256 is stored."""

    __tablename__ = "auth_token"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTC_TS)
    expires_at: Mapped[datetime] = mapped_column(UTC_TS)
    revoked_at: Mapped[datetime | None] = mapped_column(UTC_TS, nullable=True)


class Device(Base):
    """A kiosk, display board or printer agent; only its token's SHA-256 is stored."""

    __tablename__ = "device"
    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id"))
    name: Mapped[str] = mapped_column(String(100), unique=True)
    kind: Mapped[str] = mapped_column(String(20))  # kiosk | display | printer
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTC_TS)
    revoked_at: Mapped[datetime | None] = mapped_column(UTC_TS, nullable=True)
    last_seen_at: Mapped[datetime | None] = mapped_column(UTC_TS, nullable=True)
    #: display: {"agencies": [codes]}; kiosk: {"printer_device_id": id, "agencies": [...]}
    settings: Mapped[dict[str, Any]] = mapped_column(default=dict)
    #: last reported state, e.g. printer {"online": true, "paper": "ok", "error": null}
    state: Mapped[dict[str, Any]] = mapped_column(default=dict)


class ServiceDay(Base):
    """Per service and business day: the last sequence issued and the priority-rule state.

    The row is the lock that makes numbering and calling exact under concurrency.
    """

    __tablename__ = "service_day"
    service_id: Mapped[int] = mapped_column(ForeignKey("service.id"), primary_key=True)
    business_date: Mapped[date] = mapped_column(Date, primary_key=True)
    last_sequence: Mapped[int] = mapped_column(default=0)
    regular_since_priority: Mapped[int] = mapped_column(default=1000)


class Ticket(Base):
    """A nomor antrian."""

    __tablename__ = "ticket"
    __table_args__ = (
        UniqueConstraint("origin_service_id", "business_date", "sequence"),
        Index("ix_ticket_day", "business_date", "status"),
        # a service's tickets of a day by status, in issue order, with each one's kind: the
        # queue's counts and order read from the index alone (migration 0010)
        Index("ix_ticket_service_day", "service_id", "business_date", "status", "issued_at",
              "priority"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id"))
    #: the service the ticket is now in (changes on transfer)
    service_id: Mapped[int] = mapped_column(ForeignKey("service.id"))
    #: the service that gave the number
    origin_service_id: Mapped[int] = mapped_column(ForeignKey("service.id"))
    business_date: Mapped[date] = mapped_column(Date)
    sequence: Mapped[int] = mapped_column()
    number: Mapped[str] = mapped_column(String(12))
    priority: Mapped[bool] = mapped_column(Boolean, default=False)
    #: elderly | disabled | pregnant | child, when priority
    priority_category: Mapped[str | None] = mapped_column(String(20), nullable=True)
    status: Mapped[str] = mapped_column(String(12), default="waiting")
    token: Mapped[str] = mapped_column(String(64), unique=True)
    issued_at: Mapped[datetime] = mapped_column(UTC_TS)
    #: when the citizen was there: the ticket taken, or the booking checked in (a booked
    #: ticket's issued_at is its slot's start); waits are measured from it (migration 0007)
    arrived_at: Mapped[datetime | None] = mapped_column(UTC_TS, nullable=True)
    called_at: Mapped[datetime | None] = mapped_column(UTC_TS, nullable=True)
    last_called_at: Mapped[datetime | None] = mapped_column(UTC_TS, nullable=True)
    started_at: Mapped[datetime | None] = mapped_column(UTC_TS, nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(UTC_TS, nullable=True)
    counter_id: Mapped[int | None] = mapped_column(ForeignKey("counter.id"), nullable=True)
    #: the staff member who last held it (the one who finished it, for done tickets)
    staff_user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"),
                                                      nullable=True)
    issued_by_device_id: Mapped[int | None] = mapped_column(ForeignKey("device.id"),
                                                            nullable=True)
    issued_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"),
                                                          nullable=True)
    call_count: Mapped[int] = mapped_column(default=0)
    transfer_count: Mapped[int] = mapped_column(default=0)
    #: issued at a booking's check-in on time: queued as if issued at the slot's start
    booked: Mapped[bool] = mapped_column(Boolean, default=False, server_default=text("false"))
    #: the citizen's phone for notifications (given at the kiosk, or the booking's), as written
    phone: Mapped[str | None] = mapped_column(String(40), nullable=True)
    #: a remote ticket not checked in yet: the deadline; call-next passes over it until its
    #: check-in clears this (mpp.domain.remote_join)
    check_in_by: Mapped[datetime | None] = mapped_column(UTC_TS, nullable=True)
    #: taken from a phone (remote join), checked in or not
    remote: Mapped[bool] = mapped_column(Boolean, default=False, server_default=text("false"))
    #: the language the citizen used at the kiosk (its printed ticket's); None: the site's
    #: default language (migration 0009)
    lang: Mapped[str | None] = mapped_column(String(16), nullable=True)

    service: Mapped[Service] = relationship(foreign_keys=[service_id])
    counter: Mapped[Counter | None] = relationship()


class Booking(Base):
    """A citizen's place in one slot of a service (see mpp.domain.booking)."""

    __tablename__ = "booking"
    __table_args__ = (
        Index("ix_booking_slot", "service_id", "business_date", "status"),
        Index("ix_booking_phone", "phone_key", "business_date"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id"))
    service_id: Mapped[int] = mapped_column(ForeignKey("service.id"))
    #: the slot's day in the site's time zone
    business_date: Mapped[date] = mapped_column(Date)
    slot_start: Mapped[datetime] = mapped_column(UTC_TS)
    slot_end: Mapped[datetime] = mapped_column(UTC_TS)
    #: typed at the kiosk: 6 characters without 0/O or 1/I
    code: Mapped[str] = mapped_column(String(12), unique=True)
    #: the holder's key to the booking's page
    token: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    #: as the citizen wrote it (shown masked anywhere public)
    phone: Mapped[str] = mapped_column(String(40))
    #: the number in one form per line, for the per-phone limit
    phone_key: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(12), default="booked")
    created_at: Mapped[datetime] = mapped_column(UTC_TS)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTC_TS, nullable=True)
    checked_in_at: Mapped[datetime | None] = mapped_column(UTC_TS, nullable=True)
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("ticket.id"), nullable=True)
    moved_count: Mapped[int] = mapped_column(default=0)

    service: Mapped[Service] = relationship()
    ticket: Mapped[Ticket | None] = relationship()


class RemoteJoin(Base):
    """A ticket taken from a phone for today, and its check-in (see mpp.domain.remote_join)."""

    __tablename__ = "remote_join"
    __table_args__ = (Index("ix_remote_join_phone", "phone_key", "business_date"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id"), unique=True)
    service_id: Mapped[int] = mapped_column(ForeignKey("service.id"))
    business_date: Mapped[date] = mapped_column(Date)
    #: typed at the kiosk (the booking codes' alphabet); its QR carries it
    code: Mapped[str] = mapped_column(String(12), unique=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    #: as the citizen wrote it (shown masked anywhere public)
    phone: Mapped[str] = mapped_column(String(40))
    #: the number in one form per line, for the per-phone limit
    phone_key: Mapped[str] = mapped_column(String(20))
    #: awaiting_check_in | checked_in | expired | cancelled
    status: Mapped[str] = mapped_column(String(20), default="awaiting_check_in")
    created_at: Mapped[datetime] = mapped_column(UTC_TS)
    check_in_by: Mapped[datetime] = mapped_column(UTC_TS)
    checked_in_at: Mapped[datetime | None] = mapped_column(UTC_TS, nullable=True)

    ticket: Mapped[Ticket] = relationship()


class Notification(Base):
    """A message for a citizen waiting in the outbox for the site's webhook (see
    mpp.domain.notifications); the row is written in the transaction of what it tells."""

    __tablename__ = "notification"
    __table_args__ = (Index("ix_notification_due", "status", "next_try_at"),)
    #: the payload's ``id``, the same on every try
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    #: one notification per event: "ticket.called:<event id>", "booking.created:<id>" ...
    event_key: Mapped[str] = mapped_column(String(120), unique=True)
    event: Mapped[str] = mapped_column(String(40))
    phone: Mapped[str] = mapped_column(String(40))
    #: the exact JSON body sent on every try
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(12), default="pending")  # pending|sent|failed
    tries: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTC_TS, index=True)
    next_try_at: Mapped[datetime | None] = mapped_column(UTC_TS, nullable=True)
    #: a process delivering it holds it until then (others skip it)
    locked_until: Mapped[datetime | None] = mapped_column(UTC_TS, nullable=True)
    sent_at: Mapped[datetime | None] = mapped_column(UTC_TS, nullable=True)


class NotificationTry(Base):
    """One delivery try of a notification and the gateway's answer."""

    __tablename__ = "notification_try"
    id: Mapped[int] = mapped_column(primary_key=True)
    notification_id: Mapped[str] = mapped_column(ForeignKey("notification.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTC_TS)
    duration_ms: Mapped[int] = mapped_column(default=0)
    status_code: Mapped[int | None] = mapped_column(Integer, nullable=True)
    #: the start of the gateway's answer, or why there was none
    answer: Mapped[str] = mapped_column(Text, default="")
    error: Mapped[str] = mapped_column(Text, default="")


class TicketEvent(Base):
    """Every change of a ticket: what, who, where and when."""

    __tablename__ = "ticket_event"
    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # issued, called, recalled, started, ...
    from_status: Mapped[str | None] = mapped_column(String(12), nullable=True)
    to_status: Mapped[str] = mapped_column(String(12))
    at: Mapped[datetime] = mapped_column(UTC_TS, index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), nullable=True)
    device_id: Mapped[int | None] = mapped_column(ForeignKey("device.id"), nullable=True)
    counter_id: Mapped[int | None] = mapped_column(ForeignKey("counter.id"), nullable=True)
    service_id: Mapped[int] = mapped_column(ForeignKey("service.id"))
    detail: Mapped[dict[str, Any]] = mapped_column(default=dict)


class PrintJob(Base):
    """A ticket to print; kept until the printer agent answers."""

    __tablename__ = "print_job"
    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id"), index=True)
    device_id: Mapped[int | None] = mapped_column(ForeignKey("device.id"), nullable=True,
                                                  index=True)
    reason: Mapped[str] = mapped_column(String(20), default="issue")  # issue | reprint
    requested_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"),
                                                             nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTC_TS)
    sent_at: Mapped[datetime | None] = mapped_column(UTC_TS, nullable=True)
    attempts: Mapped[int] = mapped_column(default=0)
    answered_at: Mapped[datetime | None] = mapped_column(UTC_TS, nullable=True)
    ok: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)


class SurveyResponse(Base):
    """One Survei Kepuasan Masyarakat answer (PermenPANRB 14/2017), at most one per ticket."""

    __tablename__ = "survey_response"
    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id"), unique=True)
    service_id: Mapped[int] = mapped_column(ForeignKey("service.id"), index=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agency.id"))
    #: the nine elements U1..U9, each 1-4
    scores: Mapped[list[Any]] = mapped_column()
    comment: Mapped[str] = mapped_column(Text, default="")
    submitted_at: Mapped[datetime] = mapped_column(UTC_TS, index=True)
    source: Mapped[str] = mapped_column(String(20), default="status_page")
    #: the respondent's profile, each field optional (see mpp.domain.ikm.PROFILE)
    respondent: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict,
                                                       server_default=text("'{}'"))


class Complaint(Base):
    """A pengaduan from a citizen, with its follow-up."""

    __tablename__ = "complaint"
    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id"))
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agency.id"), nullable=True)
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("ticket.id"), nullable=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    contact: Mapped[str] = mapped_column(String(200), default="")
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default="open")  # open | in_progress | closed
    created_at: Mapped[datetime] = mapped_column(UTC_TS, index=True)
    response: Mapped[str] = mapped_column(Text, default="")
    responded_at: Mapped[datetime | None] = mapped_column(UTC_TS, nullable=True)
    responded_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"),
                                                             nullable=True)


class AuditLog(Base):
    """Every administrative change: who, when, what."""

    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTC_TS, index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), nullable=True)
    actor: Mapped[str] = mapped_column(String(100), default="")  # "cli", a username
    action: Mapped[str] = mapped_column(String(40))  # create | update | delete | load | revoke
    entity: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[str] = mapped_column(String(40), default="")
    detail: Mapped[dict[str, Any]] = mapped_column(default=dict)
