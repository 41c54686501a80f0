"""Response headers, CSRF, session timeouts and errors that fail closed."""

from __future__ import annotations

import logging
import time

from flask import Request, current_app, g, render_template, request, session
from flask_wtf.csrf import CSRFError, CSRFProtect
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.utils import cached_property

from .errors import LedgerError
from .i18n import error_message

csrf = CSRFProtect()
log = logging.getLogger("ledger")

CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)


_ARG_CONTROLS = dict.fromkeys([*range(32), 127])


class CleanRequest(Request):
    """A request whose query values hold no control characters and whose form values hold no
    NUL (PostgreSQL refuses NUL in text; no filter or name means one)."""

    @cached_property
    def args(self):
        return _cleaned(super().args, _ARG_CONTROLS)

    def _load_form_data(self) -> None:
        super()._load_form_data()
        if "form" in self.__dict__:
            self.__dict__["form"] = _cleaned(self.__dict__["form"], {0: None})


def _cleaned(values, table) -> ImmutableMultiDict:
    return ImmutableMultiDict(
        [(key.translate(table), value.translate(table)) for key, value in values.items(multi=True)]
    )


def set_headers(response):
    """Security headers on every response, errors included; no caching of signed-in pages
    (an answer that carries its own ETag, a chart or a public page, keeps the
    "private, no-cache" it set: the browser keeps it and asks again, 304 while unchanged)."""
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "same-origin"
    response.headers["X-Frame-Options"] = "DENY"
    revalidated = "ETag" in response.headers and "Cache-Control" in response.headers
    if request.endpoint != "static" and not revalidated:
        response.headers["Cache-Control"] = "no-store"
    if request.is_secure:
        response.headers["Strict-Transport-Security"] = "max-age=31536000"
    return response


def log_action(response):
    """One line per submission: user, unit, action, status (UTC time); never form values."""
    if request.method == "POST" and request.endpoint:
        from flask_login import current_user

        user = getattr(current_user, "id", None) if current_user else None
        unit = getattr(current_user, "unit_id", None) if current_user else None
        log.info(
            "action=%s status=%s user=%s unit=%s",
            request.endpoint,
            response.status_code,
            user,
            unit,
        )
    return response


def enforce_timeouts():
    """End a signed-in session after the idle or absolute timeout."""
    if "_user_id" not in session:
        return
    now = int(time.time())
    cfg = current_app.config
    started, seen = session.get("started", now), session.get("seen", now)
    if (
        now - seen > cfg["IDLE_TIMEOUT_MINUTES"] * 60
        or now - started > cfg["ABSOLUTE_TIMEOUT_HOURS"] * 3600
    ):
        session.clear()
        g.session_expired = True
        return
    session["seen"] = now
    return


def handle_ledger_error(error: LedgerError):
    """A business rule refused the request: say why, in the user's language."""
    return render_template(
        "error.html", message=error_message(error), code=error.status
    ), error.status


def handle_csrf(error: CSRFError):
    return render_template("error.html", code=400, message=_csrf_message()), 400


def _csrf_message() -> str:
    from flask_babel import gettext

    return gettext("Biểu mẫu đã hết hạn hoặc không hợp lệ. Hãy tải lại trang và thử lại.")


def handle_http(error):
    """404, 403, 405… as a page in the user's language."""
    return render_template("error.html", code=error.code, message=None), error.code


def handle_unexpected(error):
    """Anything else: a generic page, no trace, nothing committed (teardown rolls back)."""
    log.exception("unhandled error on %s %s", request.method, request.path)
    return render_template("error.html", code=500, message=None), 500


def init_app(app) -> None:
    """CSRF on every form, headers on every response, timeouts, error pages."""
    from werkzeug.exceptions import HTTPException

    app.request_class = CleanRequest
    csrf.init_app(app)
    app.after_request(set_headers)
    app.after_request(log_action)
    app.before_request(enforce_timeouts)
    app.register_error_handler(LedgerError, handle_ledger_error)
    app.register_error_handler(CSRFError, handle_csrf)
    app.register_error_handler(HTTPException, handle_http)
    app.register_error_handler(Exception, handle_unexpected)
    _configure_logging()


def _configure_logging() -> None:
    """The app's log lines: UTC time, level, user and unit ids; never passwords or names."""
    if log.handlers:
        return
    handler = logging.StreamHandler()
    formatter = logging.Formatter(
        "%(asctime)sZ %(levelname)s %(name)s %(message)s", "%Y-%m-%dT%H:%M:%S"
    )
    formatter.converter = time.gmtime
    handler.setFormatter(formatter)
    log.addHandler(handler)
    log.setLevel(logging.INFO)
    log.propagate = False
