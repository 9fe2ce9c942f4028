"""Health, login and logout, the hall's icon, and JSON errors for unknown API paths (the
landing page is mpp.public_web's)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import jsonify, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from sqlalchemy import text
from werkzeug.exceptions import HTTPException
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length

from ..api.answers import SessionInfo
from ..api.openapi import answers, api
from ..domain.errors import DomainError, Unauthorized
from ..extensions import login_limit
from ..hall import current_hall
from ..services import accounts
from . import bp
from .session import begin_session, end_session

HOME_BY_ROLE = {"staff": "/console", "manager": "/dashboard", "admin": "/admin"}


class LoginForm(FlaskForm):
    username = StringField("Nama pengguna", validators=[DataRequired(), Length(max=80)])
    password = PasswordField("Kata sandi", validators=[DataRequired(), Length(max=200)])


@bp.get("/healthz")
def healthz() -> Any:
    """Liveness and database check, for load balancers and monitoring."""
    try:
        with current_hall().db.read() as s:
            s.execute(text("SELECT 1"))
        return jsonify({"status": "ok", "database": "ok"})
    except Exception as exc:  # noqa: BLE001 - any failure means the database is unhealthy
        return jsonify({"status": "error", "database": str(exc.__class__.__name__)}), 503


@bp.get("/favicon.ico")
def favicon() -> Any:
    """The hall's icon where a client asks for it without reading a page's ``<link>``."""
    return redirect(url_for("static", filename="favicon.svg"), code=301)


def _safe_next(target: str | None) -> str | None:
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/"):
        return None
    return target


@bp.route("/login", methods=["GET", "POST"])
@login_limit
def login() -> Any:
    """Sign in staff, managers and admins (session cookie, CSRF-protected form)."""
    form = LoginForm()
    error = None
    if form.validate_on_submit():
        hall = current_hall()
        try:
            with hall.db.read() as s:
                user_id = accounts.check_password(s, form.username.data or "",
                                                  form.password.data or "").id
        except Unauthorized:
            error = "Nama pengguna atau kata sandi salah."
        else:
            session_user = begin_session(user_id)
            target = _safe_next(request.args.get("next")) or HOME_BY_ROLE.get(
                session_user.role, "/")
            return redirect(target)
    elif request.method == "POST":
        error = "Isi nama pengguna dan kata sandi."
    return render_template("login.html", form=form, error=error), (401 if error else 200)


@bp.route("/logout", methods=["POST"])
@login_required
def logout() -> Any:
    """End the browser session, on the server too (a copied cookie stops working)."""
    end_session(current_user._get_current_object())
    return redirect(url_for("web.login"))


@bp.get("/api/v1/session")
@api.validate(resp=answers(SessionInfo))
def session_info() -> Any:
    """For pages: who is signed in, and the CSRF token to send with writes."""
    from flask_wtf.csrf import generate_csrf

    user = current_user.info if current_user.is_authenticated else None
    return jsonify({"user": user, "csrf_token": generate_csrf()})


@bp.app_errorhandler(HTTPException)
def _http_error(exc: HTTPException) -> Any:
    if request.path.startswith("/api/"):
        code = (exc.name or "error").lower().replace(" ", "_")
        response = jsonify({"error": {"code": code, "message": exc.description}})
        response.status_code = exc.code or 500
        return response
    if exc.code == 429 and request.endpoint == "web.login":
        return render_template("login.html", form=LoginForm(), error=exc.description), 429
    return exc


@bp.app_errorhandler(Exception)
def _unexpected(exc: Exception) -> Any:
    if isinstance(exc, HTTPException):
        return _http_error(exc)
    if isinstance(exc, DomainError):
        if request.path.startswith("/api/"):
            response = jsonify({"error": {"code": exc.code, "message": exc.message}})
            response.status_code = exc.status
            return response
        return render_template("error.html", message=exc.message), exc.status
    from flask import current_app

    current_app.logger.exception("unexpected error")
    if request.path.startswith("/api/"):
        response = jsonify({"error": {"code": "internal_error",
                                      "message": "An unexpected error occurred; it is logged."}})
        response.status_code = 500
        return response
    return "Terjadi kesalahan tak terduga / An unexpected error occurred.", 500
