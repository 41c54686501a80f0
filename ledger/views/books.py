"""Cash book and bank book of a fund, on screen and as .xlsx."""
from __future__ import annotations

import io
from datetime import date

from flask import Blueprint, abort, render_template, request, send_file
from flask_login import login_required

from ..auth import require_scope
from ..db import get_session
from ..exports.books import book_workbook
from ..fields import parse_date
from ..services.books import read_book
from ..services.units import get_unit

bp = Blueprint("books", __name__, url_prefix="/books")


def _book(unit_id: int, kind: str):
    if kind not in ("cash", "bank"):
        abort(404)
    require_scope(unit_id)
    today = date.today()
    date_from = parse_date(request.args.get("from", "")) or date(today.year, 1, 1)
    date_to = parse_date(request.args.get("to", "")) or date(today.year, 12, 31)
    if date_to < date_from:
        date_from, date_to = date_to, date_from
    session = get_session()
    return get_unit(session, unit_id), read_book(session, unit_id=unit_id, kind=kind,
                                                 date_from=date_from, date_to=date_to)


@bp.route("/<int:unit_id>/<kind>")
@login_required
def show(unit_id: int, kind: str):
    """Opening balance, lines with running balance and daily totals, closing balance."""
    unit, book = _book(unit_id, kind)
    return render_template("books/show.html", unit=unit, book=book)


@bp.route("/<int:unit_id>/<kind>.xlsx")
@login_required
def download(unit_id: int, kind: str):
    """The same book as a workbook."""
    unit, book = _book(unit_id, kind)
    name = "so-quy-tien-mat" if kind == "cash" else "so-tien-gui"
    return send_file(io.BytesIO(book_workbook(book, unit_name=unit.name)), as_attachment=True,
                     download_name=f"{name}-{unit.code}-{book.date_from:%Y%m%d}-{book.date_to:%Y%m%d}.xlsx",
                     mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
