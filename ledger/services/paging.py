"""Lists as pages that cost the same at any depth and any scope.

A page is found from the key of the row it starts after (keyset paging: ``WHERE (date, id) <
(d, i) ORDER BY date DESC, id DESC LIMIT n``), never by skipping rows (``OFFSET`` reads every
row it skips: page 20,000 of a nation's receipts read a million). Counting is bounded too: a
list counts its rows up to ``COUNT_LIMIT`` and past that says "more than"; the page numbers of
a short list (``?page=``) are kept.

A cursor travels in the URL as text, ``2018-06-30.12345`` (a date and an id) or ``12345``
(an id); one that does not parse is ignored (the first page is shown).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Generic, TypeVar

from sqlalchemy import ColumnElement, func, tuple_
from sqlmodel import Session, select

#: rows counted before a list says "more than" (and leaves its total to a narrower filter):
#: counting stops there, so a count reads at most this many index entries
COUNT_LIMIT = 2_000

Row = TypeVar("Row")
Key = tuple[Any, ...]


@dataclass(frozen=True)
class Cursor:
    """Where a page starts: after ``key`` going to older rows, or before it going back."""

    key: Key
    backwards: bool = False


@dataclass
class Page(Generic[Row]):
    """One page of a list, the keys to the pages on either side, and how many rows there are
    (None past ``COUNT_LIMIT``)."""

    rows: list[Row]
    newer: Key | None  # the previous page starts before this key
    older: Key | None  # the next page starts after this key
    count: int | None
    number: int | None = None  # the page's number, when asked for by number
    per_page: int = 50

    @property
    def more_than(self) -> int:
        return COUNT_LIMIT

    @property
    def pages(self) -> int | None:
        """How many pages the list has, when it was counted."""
        return None if self.count is None else max(1, -(-self.count // self.per_page))

    @property
    def newer_text(self) -> str | None:
        return key_text(self.newer)

    @property
    def older_text(self) -> str | None:
        return key_text(self.older)


def key_text(key: Key | None) -> str | None:
    """A cursor's key as it goes in a URL."""
    if key is None:
        return None
    return ".".join(k.isoformat() if isinstance(k, date) else str(k) for k in key)


def parse_cursor(after: str, before: str, *, with_date: bool) -> Cursor | None:
    """The cursor ``?after=`` / ``?before=`` name, or None when neither parses."""
    for text, backwards in ((after, False), (before, True)):
        key = _parse_key(text or "", with_date=with_date)
        if key is not None:
            return Cursor(key, backwards)
    return None


def _parse_key(text: str, *, with_date: bool) -> Key | None:
    parts = text.strip().split(".")
    if len(parts) != (2 if with_date else 1) or not parts[-1].isascii():
        return None
    if not parts[-1].isdigit() or len(parts[-1]) > 18:
        return None
    ident = int(parts[-1])
    if not with_date:
        return (ident,)
    if len(parts[0]) != 10 or not parts[0].isascii():
        return None
    try:
        return (date.fromisoformat(parts[0]), ident)
    except ValueError:
        return None


def keyset_page(
    session: Session,
    query: Any,
    *,
    order: Sequence[Any],
    key_of: Any,
    cursor: Cursor | None,
    per_page: int,
) -> tuple[list[Any], Key | None, Key | None]:
    """One page of ``query`` (newest first by the ``order`` columns, each descending) from
    ``cursor``: the rows and the keys of the pages before and after it (None at either end).
    ``key_of(row)`` gives a row's key (the values of ``order``)."""
    columns = tuple_(*order) if len(order) > 1 else order[0]

    def bound(key: Key) -> Any:
        return tuple_(*key) if len(order) > 1 else key[0]

    if cursor is None:
        rows = list(session.exec(query.order_by(*[c.desc() for c in order]).limit(per_page + 1)))
        more_older, more_newer = len(rows) > per_page, False
        rows = rows[:per_page]
    elif not cursor.backwards:
        found = session.exec(
            query.where(columns < bound(cursor.key))
            .order_by(*[c.desc() for c in order])
            .limit(per_page + 1)
        )
        rows = list(found)
        more_older, more_newer = len(rows) > per_page, True
        rows = rows[:per_page]
    else:
        found = session.exec(
            query.where(columns > bound(cursor.key))
            .order_by(*[c.asc() for c in order])
            .limit(per_page + 1)
        )
        rows = list(found)
        more_newer, more_older = len(rows) > per_page, True
        rows = rows[:per_page][::-1]
    if not rows:
        return [], None, None
    return (
        rows,
        key_of(rows[0]) if more_newer else None,
        key_of(rows[-1]) if more_older else None,
    )


def numbered_or_keyset(
    session: Session,
    query: Any,
    *,
    order: Sequence[Any],
    key_of: Any,
    cursor: Cursor | None,
    page: int,
    per_page: int,
    count: int | None,
) -> Page[Any]:
    """The page a list's URL asks for: from its cursor (``?after=`` / ``?before=``), else by
    number (``?page=``) while that lies within the first ``COUNT_LIMIT`` rows, else the first."""
    if (
        cursor is None
        and page > 1
        and (page - 1) * per_page < min(count or COUNT_LIMIT, COUNT_LIMIT)
    ):
        rows = list(
            session.exec(
                query.order_by(*[c.desc() for c in order])
                .offset((page - 1) * per_page)
                .limit(per_page + 1)
            )
        )
        more = len(rows) > per_page
        rows = rows[:per_page]
        older = key_of(rows[-1]) if rows and more else None
        return Page(rows, key_of(rows[0]) if rows else None, older, count, page, per_page)
    rows, newer, older = keyset_page(
        session, query, order=order, key_of=key_of, cursor=cursor, per_page=per_page
    )
    return Page(rows, newer, older, count, 1 if cursor is None else None, per_page)


def bounded_count(session: Session, query: Any) -> int | None:
    """How many rows ``query`` (a select of one column) yields, None past ``COUNT_LIMIT``."""
    inner = query.limit(COUNT_LIMIT + 1).subquery()
    count = int(session.exec(select(func.count()).select_from(inner)).one())
    return None if count > COUNT_LIMIT else count


def where_all(query: Any, conditions: Sequence[ColumnElement[bool]]) -> Any:
    """``query`` narrowed by every condition."""
    for condition in conditions:
        query = query.where(condition)
    return query
