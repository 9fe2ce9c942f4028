"""mpp: the queue and service-counter system for a Mal Pelayanan Publik."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask, Request
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface

from .clock import Clock, clock_from_environment
from .config import Config, persistent_secret
from .day_close import init_day_close
from .db import Database
from .events import SocketIOPublisher
from .extensions import csrf, limiter, login_manager, socketio
from .hall import Hall
from .hours_watch import init_hours_watch
from .i18n import init_i18n
from .inputs import init_inputs
from .notifier import init_notifier
from .ops import init_ops
from .origins import same_site_origins
from .queue_feed import QueueFeed
from .remote_expiry import init_remote_expiry
from .security_headers import init_security_headers
from .services.printing import PrintingService
from .services.queue import QueueService
from .socket_guard import Limits, SendTimeout, SocketGuard, SocketIOOnItsPath
from .ticket_privacy import TicketSecretGuard

__version__ = "0.1.0"


def async_mode() -> str:
    """``gevent`` inside a gevent-patched process (the server's worker), else ``threading``
    (tests and commands that build the app in an ordinary process)."""
    try:
        from gevent import monkey
    except ImportError:  # pragma: no cover - gevent is a dependency
        return "threading"
    return "gevent" if monkey.is_module_patched("socket") else "threading"


class CookieSessions(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, with a request that carries no session cookie (every
    kiosk, board and counter request with a bearer token) given an empty session without
    building the cookie's signer first."""

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        if app.secret_key and not request.cookies.get(self.get_cookie_name(app)):
            return self.session_class()
        return super().open_session(app, request)


def create_app(config: Config | None = None, clock: Clock | None = None) -> Flask:
    """Build the app. Touches no network, printer or migration: `mpp run` migrates first."""
    config = config or Config()
    app = Flask(__name__, static_folder="static", static_url_path="/static")
    app.config.from_object(config)
    if not app.config["SECRET_KEY"]:
        app.config["SECRET_KEY"] = persistent_secret(config.DATA_DIR)
    app.config["PERMANENT_SESSION_LIFETIME"] = timedelta(hours=config.SESSION_HOURS)
    app.config["SESSION_COOKIE_SAMESITE"] = "Lax"
    # The cookie is written when the session changes (sign-in, a flash message, sign-out),
    # not again on every request: a page's icon, style sheets and API reads, sent alongside
    # a form's POST with the cookie as it was, would write that older session back over the
    # one the POST left, and its "saved" message was lost (seen in CI). The server's token
    # ends the session MPP_SESSION_HOURS after sign-in whatever the cookie says.
    app.config["SESSION_REFRESH_EACH_REQUEST"] = False
    # Served over HTTPS, the session cookie never travels in clear text.
    app.config["SESSION_COOKIE_SECURE"] = config.PUBLIC_URL.startswith("https://")
    app.session_interface = CookieSessions()
    app.config["RATELIMIT_ENABLED"] = True
    app.config["RATELIMIT_STORAGE_URI"] = config.RATELIMIT_STORAGE_URL
    db = Database(config.DATABASE_URL)
    # Import the Socket.IO handlers before init_app: a handler defined while a server exists
    # is bound to that server only, and tests build many apps in one process.
    from . import print_sockets, sockets  # noqa: F401
    # The SocketIO object keeps the options of its last init_app: an app without Redis must
    # not inherit the Redis manager of an app built before it in the same process.
    socketio.server_options.pop("client_manager", None)
    socketio.init_app(app, async_mode=async_mode(), message_queue=config.REDIS_URL,
                      channel=config.REDIS_CHANNEL,
                      cors_allowed_origins=same_site_origins(
                          config.PUBLIC_URL, config.ALLOWED_ORIGINS, config.TRUSTED_PROXIES > 0),
                      # boards notice a dead link within ~20 s and reconnect
                      ping_interval=10, ping_timeout=10,
                      logger=False, engineio_logger=False)
    app.wsgi_app = SocketIOOnItsPath(app.wsgi_app)  # type: ignore[method-assign]
    clock = clock or clock_from_environment()  # the system clock unless a test moved it
    # no ticket token goes to /hall but a survey offer to its counter's tablet
    publisher = TicketSecretGuard(SocketIOPublisher(socketio))
    queue = QueueService(db, clock, publisher, config.PUBLIC_URL)
    # waiting counts and call orders go out in coalesced rounds (see mpp.queue_feed); they
    # go through queue.publisher as it is when sent (tests wrap it to record events)
    queue.feed = QueueFeed(lambda events: queue.publisher.publish(events), queue.feed_round,
                           spawn=socketio.start_background_task, sleep=socketio.sleep)
    app.extensions["mpp_sockets"] = SocketGuard(Limits(
        per_address=config.SOCKETS_PER_ADDRESS, per_ticket=config.SOCKETS_PER_TICKET,
        backlog=config.SOCKET_BACKLOG, send_timeout=config.SOCKET_SEND_TIMEOUT))
    # outermost, so that Socket.IO connections see them too: the client's address behind
    # nginx (socket limits, login rate limit) and a stalled WebSocket's write timeout
    if config.TRUSTED_PROXIES:
        from werkzeug.middleware.proxy_fix import ProxyFix

        n = config.TRUSTED_PROXIES
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n,  # type: ignore[method-assign]
                                x_host=n)
    app.wsgi_app = SendTimeout(app.wsgi_app,  # type: ignore[method-assign]
                               config.SOCKET_SEND_TIMEOUT)
    app.extensions["mpp"] = Hall(db=db, clock=clock, publisher=publisher, queue=queue)
    printing = PrintingService(db, clock, queue, config.PUBLIC_URL)
    queue.issue_hooks.append(printing.issue_hook)
    queue.issue_preparers.append(printing.prepare_issue)
    app.extensions["mpp_printing"] = printing

    init_ops(app)  # first: every later hook and log line has the request id
    init_inputs(app)
    init_security_headers(app)
    init_day_close(app)
    init_hours_watch(app)  # boards see a service open or close by its hours
    init_remote_expiry(app)  # remote tickets not checked in in time (mpp.remote_expiry)
    init_notifier(app)  # the webhook outbox's worker (mpp.notifier)
    init_i18n(app)  # Flask-Babel for the server pages, /i18n/<lang>.json for the apps
    login_manager.init_app(app)
    csrf.init_app(app)
    limiter.init_app(app)

    from display import bp as display_bp
    from kiosk import bp as kiosk_bp

    from .admin import bp as admin_bp
    from .api import bp as api_bp
    from .booking_web import bp as booking_bp
    from .console import bp as console_bp
    from .dashboard import bp as dashboard_bp
    from .public_web import bp as public_bp
    from .status import bp as status_bp
    from .web import bp as web_bp

    # API writes with a bearer token need no CSRF token; session-cookie writes are checked
    # in mpp.api.auth.current_actor.
    csrf.exempt(api_bp)
    app.register_blueprint(api_bp)
    app.register_blueprint(web_bp)
    app.register_blueprint(display_bp)
    app.register_blueprint(console_bp)
    app.register_blueprint(status_bp)
    app.register_blueprint(booking_bp)
    app.register_blueprint(admin_bp)
    app.register_blueprint(kiosk_bp)
    app.register_blueprint(dashboard_bp)
    app.register_blueprint(public_bp)
    return app
