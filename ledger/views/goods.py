"""Sổ hàng hiện vật: a fund's goods received in kind, by item, reconciled to its in-kind account."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import login_required

from ..auth import require_scope
from ..db import get_session
from ..money import format_quantity
from ..services.goods import goods_book
from ..services.units import get_unit
from .common import arg_int

bp = Blueprint("goods", __name__, url_prefix="/goods")

#: goods items shown per page (the totals cover them all)
ITEMS_PER_PAGE = 100


@bp.app_template_filter("quantity")
def _quantity(milli: int | None) -> str:
    """A quantity kept in thousandths, written the Vietnamese way: ``2,5``; ``1.200``."""
    return format_quantity(milli)


@bp.route("/<int:unit_id>")
@login_required
def show(unit_id: int):
    """Per goods item (name and unit of measure): received, handed out, on hand, in quantity
    and value; the total on hand beside the in-kind account's balance in the journal."""
    require_scope(unit_id)
    session = get_session()
    book = goods_book(session, unit_id)
    pages = max(1, -(-len(book.lines) // ITEMS_PER_PAGE))
    page = min(max(arg_int("page", 1), 1), pages)
    start = (page - 1) * ITEMS_PER_PAGE
    return render_template(
        "goods/show.html",
        unit=get_unit(session, unit_id),
        book=book,
        lines=book.lines[start : start + ITEMS_PER_PAGE],
        page=page,
        pages=pages,
    )
