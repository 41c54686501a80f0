"""A fund's public pages for donors (no sign-in): look up one's own gift, the yearly public
disclosure (công khai thu chi) as a page, a workbook and CSV, and the honour roll.

Nothing here names a child, and a donor is named only where they agreed (``public_consent``).
A look-up shows the gift only when reference and amount both match; every miss gets the same
answer, and look-ups are counted per fund and client in the database (429 past the limit)."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, Response, abort, render_template, request

from ..db import get_session, get_write_session
from ..errors import TooManyLookups
from ..exports.disclosure import disclosure_csv, disclosure_workbook
from ..forms_public import GiftLookupForm
from ..i18n import error_message
from ..models import Unit, utcnow
from ..services.disclosure import Disclosure, yearly_disclosure
from ..services.donation_codes import fund_place
from ..services.gift_lookup import admit_lookup, find_gift
from ..services.honour_roll import honour_roll, honour_roll_size
from ..services.paging import Page
from .common import arg_int

bp = Blueprint("gifts", __name__, url_prefix="/public/units/<int:unit_id>")

#: names per page of the honour roll
PER_PAGE = 50
#: named donors listed on the disclosure page (the rest: one line linking the honour roll)
SHOWN = 100
#: the first year a disclosure may be asked for
FIRST_YEAR = 2000
_LOOPBACK = ("127.0.0.1", "::1")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@bp.route("/lookup", methods=["GET", "POST"])
def lookup(unit_id: int):
    """Tra cứu khoản ủng hộ: the donor's voucher number or bank reference, and the amount."""
    unit = _unit(unit_id)
    form = GiftLookupForm()
    page = {"unit": unit, "place": fund_place(unit), "form": form}
    if not form.validate_on_submit():
        status = 400 if form.is_submitted() else 200
        return render_template("gifts/lookup.html", **page), status
    session = get_write_session()
    try:
        admit_lookup(session, unit_id=unit.id, client=_client(), now=utcnow())
    except TooManyLookups as error:
        session.commit()  # the pruning of old attempts
        return render_template("gifts/lookup.html", wait=error_message(error), **page), 429
    session.commit()
    gift = find_gift(
        get_session(), unit_id=unit.id, query=form.reference.data, amount=form.amount.data
    )
    return render_template("gifts/lookup.html", searched=True, gift=gift, **page)


@bp.route("/disclosure/<int:year>")
def disclosure(unit_id: int, year: int):
    """The yearly public disclosure of the fund's receipts and their use."""
    figures = _disclosure(unit_id, year)
    unit = _unit(unit_id)
    return render_template(
        "gifts/disclosure.html",
        d=figures,
        unit=unit,
        place=fund_place(unit),
        year=year,
        shown=SHOWN,
    )


@bp.route("/disclosure/<int:year>.xlsx")
def disclosure_xlsx(unit_id: int, year: int):
    """The disclosure as a workbook."""
    return _download(disclosure_workbook(_disclosure(unit_id, year)), XLSX, unit_id, year, "xlsx")


@bp.route("/disclosure/<int:year>.csv")
def disclosure_csv_file(unit_id: int, year: int):
    """The disclosure as CSV (UTF-8 with BOM)."""
    body = disclosure_csv(_disclosure(unit_id, year))
    return _download(body, "text/csv; charset=utf-8", unit_id, year, "csv")


@bp.route("/honour/<int:year>")
def honour(unit_id: int, year: int):
    """Bảng vàng ghi nhận: every donor who agreed to be named, the largest gift first."""
    unit = _unit(unit_id)
    _check_year(year)
    session = get_session()
    count, total = honour_roll_size(session, unit_id=unit.id, year=year)
    number = max(arg_int("page", 1), 1)
    rows = honour_roll(
        session, unit_id=unit.id, year=year, offset=(number - 1) * PER_PAGE, limit=PER_PAGE
    )
    page = Page(rows=rows, newer=None, older=None, count=count, number=number, per_page=PER_PAGE)
    return render_template(
        "gifts/honour.html",
        unit=unit,
        place=fund_place(unit),
        year=year,
        p=page,
        total=total,
        first=(number - 1) * PER_PAGE,
    )


def _unit(unit_id: int) -> Unit:
    unit = get_session().get(Unit, unit_id)
    if unit is None:
        abort(404)
    return unit


def _check_year(year: int) -> None:
    if not FIRST_YEAR <= year <= date.today().year:
        abort(404)


def _disclosure(unit_id: int, year: int) -> Disclosure:
    _check_year(year)
    figures = yearly_disclosure(get_session(), unit_id=unit_id, year=year)
    if figures is None:
        abort(404)
    return figures


def _download(body: bytes, mimetype: str, unit_id: int, year: int, ext: str) -> Response:
    name = f"cong-khai-{unit_id}-{year}.{ext}"
    return Response(
        body, mimetype=mimetype, headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )


def _client() -> str:
    """The client's address; behind the local reverse proxy (deploy/nginx.conf) the one nginx
    appended to X-Forwarded-For, which a client cannot forge."""
    address = request.remote_addr or ""
    forwarded = request.headers.get("X-Forwarded-For", "")
    if address in _LOOPBACK and forwarded:
        return forwarded.rsplit(",", 1)[-1].strip()
    return address
