"""Reorganisations (sắp xếp đơn vị hành chính): mergers and splits with an effective date,
a legal basis and each old unit's share going to each new one.

Imported from a table ``Đơn vị cũ | Đơn vị mới | Tỷ lệ (%) | Ngày hiệu lực | Căn cứ`` (and an
optional ``Ghi chú``/``Nguồn`` column kept as the share's note). Applying it, all or nothing:
- the succession links are recorded with their shares (basis points, 10000 = whole);
- each old unit closes the day before the effective date;
- each old fund's asset balances (cash, bank, in kind) move to its successors in proportion to
  the shares, exact to the đồng by largest remainder: a ``reorg_out`` entry on the old fund
  dated the day before, a ``reorg_in`` entry on each successor dated the effective date, each
  balanced within its fund through its ``reorg_clearing`` account (``check_reorg`` proves the
  two sides agree);
- the old fund's books are locked through its last day (nothing can be backdated into it);
- active users of an old unit move to the successor with the largest share (audited); when two
  successors share the largest share the user stays and is told at sign-in.

Successors must exist before (``units import``); the table never creates units.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import or_
from sqlmodel import Session, col, select

from ..dates import parse_date
from ..errors import AmbiguousUnit, MoneyInTransit, UnitImportRejected, UnitNotFound, _l
from ..models import Account, Entry, Transfer, Unit, UnitSuccession, User
from ..models.org import WHOLE_SHARE
from ..text import clean
from .audit import record_event
from .journal import Line, post_entry
from .locks import lock_period, locked_through
from .unit_setup import RowError, cell, read_header
from .units import FUND_ACCOUNTS, find_unit

#: the fund's asset accounts whose balance moves to the successors (cash, bank, in kind)
ASSET_KINDS = tuple(kind for kind, type_ in FUND_ACCOUNTS.items() if type_ == "asset")
CLEARING = "reorg_clearing"

COLUMNS = {
    "old": ("đơn vị cũ", "don vi cu", "old unit", "predecessor"),
    "new": ("đơn vị mới", "don vi moi", "new unit", "successor"),
    "share": (
        "tỷ lệ (%)",
        "tỷ lệ",
        "ty le (%)",
        "ty le",
        "tỉ lệ (%)",
        "tỉ lệ",
        "share (%)",
        "share",
    ),
    "effective": ("ngày hiệu lực", "ngay hieu luc", "effective", "effective date"),
    "basis": ("căn cứ", "can cu", "legal basis"),
    "note": ("ghi chú", "ghi chu", "nguồn", "nguon", "nguồn / ghi chú", "note", "source"),
}
COLUMN_NAMES = {
    "old": "Đơn vị cũ",
    "new": "Đơn vị mới",
    "share": "Tỷ lệ (%)",
    "effective": "Ngày hiệu lực",
    "basis": "Căn cứ",
    "note": "Ghi chú",
}
_SHARE = re.compile(r"^\d{1,3}([.,]\d{1,2})?$")


def format_share(points: int) -> str:
    """Basis points as the percentage a user typed: 10000 → "100", 3333 → "33,33"."""
    whole, rest = divmod(points, 100)
    return f"{whole}" if not rest else f"{whole},{rest:02d}".rstrip("0")


def parse_share(text: str) -> int | None:
    """ "100", "60", "33,33", "12.5" (%) → basis points; None unless 0 < share ≤ 100 with at
    most two decimals."""
    value = clean(text).rstrip("%").strip()
    if not _SHARE.match(value):
        return None
    whole, _sep, decimals = value.replace(",", ".").partition(".")
    points = int(whole) * 100 + int((decimals + "00")[:2])
    return points if 0 < points <= WHOLE_SHARE else None


def allocate(total: int, shares: list[int]) -> list[int]:
    """Split ``total`` đồng by ``shares`` (basis points summing to 10000), exact to the đồng:
    each gets the floor of its share, the đồng left over go to the largest remainders (the
    earlier listed first on a tie)."""
    parts = [total * s // WHOLE_SHARE for s in shares]
    remainders = [total * s % WHOLE_SHARE for s in shares]
    left = total - sum(parts)
    for index in sorted(range(len(shares)), key=lambda i: (-remainders[i], i))[:left]:
        parts[index] += 1
    return parts


@dataclass
class Link:
    """One row: ``share_bp`` of ``old`` goes to ``new`` on ``effective``."""

    row: int
    old: Unit
    new: Unit
    share_bp: int
    effective: date
    basis: str
    note: str = ""


@dataclass
class Move:
    """What one old fund hands over: balances by kind, and each successor's part."""

    old: Unit
    effective: date
    links: list[Link]
    balances: dict[str, int]
    parts: dict[int, dict[str, int]]  # successor id → kind → đồng

    @property
    def total(self) -> int:
        return sum(self.balances.values())

    def part_total(self, successor_id: int) -> int:
        return sum(self.parts.get(successor_id, {}).values())


@dataclass
class Reorganisation:
    """A checked table: its links, the moves it would post, and every error by row."""

    links: list[Link] = field(default_factory=list)
    moves: list[Move] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    #: old units whose identical links are already stored (re-import adds nothing)
    already: list[str] = field(default_factory=list)


def preview_reorganisation(
    session: Session, *, table: list[list[object]], scope_ids: set[int] | None = None
) -> Reorganisation:
    """Check the table and work out every move; nothing is written. With ``scope_ids`` (a
    browser upload) every unit named must be in that scope."""
    result = Reorganisation()
    columns = read_header(table, COLUMNS, COLUMN_NAMES, ("note",), result.errors)
    if columns is None:
        return result
    for number, raw in enumerate(table[1:], start=2):
        if any(cell(raw, i) for i in range(len(raw))):
            link = _read_link(session, number, raw, columns, result.errors, scope_ids)
            if link is not None:
                result.links.append(link)
    groups: dict[int, list[Link]] = defaultdict(list)
    for link in result.links:
        groups[link.old.id].append(link)
    for links in groups.values():
        if _check_group(session, links, result):
            result.moves.append(_plan_move(session, links))
    return result


def _read_link(
    session: Session, number: int, raw, columns, errors, scope_ids: set[int] | None
) -> Link | None:
    values = {key: cell(raw, columns.get(key)) for key in COLUMN_NAMES}
    before = len(errors)
    units: dict[str, Unit | None] = {}
    for key in ("old", "new"):
        try:
            unit = units[key] = find_unit(session, values[key]) if values[key] else None
        except (UnitNotFound, AmbiguousUnit) as error:
            errors.append(RowError(number, COLUMN_NAMES[key], error.message, error.params))
            continue
        if unit is None:
            errors.append(RowError(number, COLUMN_NAMES[key], _l("chưa ghi đơn vị.")))
        elif scope_ids is not None and unit.id not in scope_ids:
            errors.append(
                RowError(
                    number,
                    COLUMN_NAMES[key],
                    _l("Không tìm thấy đơn vị “%(name)s”."),
                    {"name": values[key]},
                )
            )
    share = parse_share(values["share"])
    if share is None:
        errors.append(
            RowError(
                number,
                "Tỷ lệ (%)",
                _l("tỷ lệ “%(share)s” không hợp lệ: từ 0,01 đến 100, tối đa hai chữ số thập phân."),
                {"share": values["share"]},
            )
        )
    effective = parse_date(values["effective"]) if values["effective"] else None
    if effective is None:
        errors.append(
            RowError(
                number,
                "Ngày hiệu lực",
                _l("ngày “%(date)s” không hợp lệ; nhập dd/mm/yyyy."),
                {"date": values["effective"]},
            )
        )
    if not values["basis"]:
        errors.append(RowError(number, "Căn cứ", _l("chưa ghi căn cứ (văn bản quyết định).")))
    old, new = units.get("old"), units.get("new")
    # each missing value has its error above
    if len(errors) > before or old is None or new is None or share is None or effective is None:
        return None
    if old.id == new.id:
        errors.append(RowError(number, "Đơn vị mới", _l("đơn vị mới trùng đơn vị cũ.")))
        return None
    return Link(
        number,
        old,
        new,
        share,
        effective,
        values["basis"][:300],
        values["note"][:300],
    )


def _check_group(session: Session, links: list[Link], result: Reorganisation) -> bool:
    """The rules for one old unit; each broken rule named on its first row."""
    old, first = links[0].old, links[0].row
    errors = result.errors

    def refuse(column: str, reason: str, **params) -> bool:
        errors.append(RowError(first, column, reason, params))
        return False

    total = sum(link.share_bp for link in links)
    if total != WHOLE_SHARE:
        return refuse(
            "Tỷ lệ (%)",
            _l("tỷ lệ của “%(unit)s” cộng lại %(total)s%%, phải bằng 100%%."),
            unit=old.name,
            total=format_share(total),
        )
    if len({link.new.id for link in links}) < len(links):
        return refuse("Đơn vị mới", _l("“%(unit)s” có một đơn vị mới ghi hai lần."), unit=old.name)
    effective = links[0].effective
    if any(link.effective != effective for link in links):
        return refuse(
            "Ngày hiệu lực",
            _l("các dòng của “%(unit)s” ghi ngày hiệu lực khác nhau."),
            unit=old.name,
        )
    stored = session.exec(
        select(UnitSuccession).where(UnitSuccession.predecessor_id == old.id)
    ).all()
    if stored:
        same = {(s.successor_id, s.share_bp, s.effective_on) for s in stored} == {
            (link.new.id, link.share_bp, effective) for link in links
        }
        if same:
            result.already.append(old.name)
            return False
        return refuse(
            "Đơn vị cũ",
            _l("“%(unit)s” đã được sắp xếp từ ngày %(date)s."),
            unit=old.name,
            date=stored[0].effective_on.strftime("%d/%m/%Y"),
        )
    return _check_dates(session, links, refuse)


def _check_dates(session: Session, links: list[Link], refuse) -> bool:
    old, effective = links[0].old, links[0].effective
    last_day = effective - timedelta(days=1)
    day = effective.strftime("%d/%m/%Y")
    if old.valid_from >= effective or (old.valid_to is not None and old.valid_to < last_day):
        return refuse(
            "Ngày hiệu lực",
            _l("“%(unit)s” không còn hiệu lực ngay trước ngày %(date)s."),
            unit=old.name,
            date=day,
        )
    for link in links:
        new = link.new
        if new.valid_from > effective or (new.valid_to is not None and new.valid_to < effective):
            return refuse(
                "Đơn vị mới",
                _l("đơn vị mới “%(unit)s” chưa có hiệu lực vào ngày %(date)s."),
                unit=new.name,
                date=day,
            )
    later = session.exec(
        select(col(Entry.entry_date))
        .where(Entry.unit_id == old.id, Entry.entry_date > last_day)
        .limit(1)
    ).first()
    if later is not None:
        return refuse(
            "Đơn vị cũ",
            _l("quỹ “%(unit)s” có chứng từ ngày %(later)s, sau ngày %(date)s."),
            unit=old.name,
            later=later.strftime("%d/%m/%Y"),
            date=last_day.strftime("%d/%m/%Y"),
        )
    open_child = session.exec(
        select(Unit.name).where(
            Unit.parent_id == old.id,
            or_(col(Unit.valid_to).is_(None), col(Unit.valid_to) > last_day),
        )
    ).first()
    if open_child:
        return refuse(
            "Đơn vị cũ",
            _l("“%(unit)s” còn đơn vị trực thuộc “%(child)s” hoạt động."),
            unit=old.name,
            child=open_child,
        )
    pending = in_transit(session, old.id)
    if pending is not None:
        error = MoneyInTransit(unit=old.name, transfer=str(pending.id), amount=pending.amount_sent)
        return refuse("Đơn vị cũ", error.message, **error.params)
    return True


def in_transit(session: Session, unit_id: int) -> Transfer | None:
    """A transfer from or to the fund that is sent but not yet received."""
    return session.exec(
        select(Transfer)
        .where(
            Transfer.status == "sent",
            or_(col(Transfer.from_unit_id) == unit_id, col(Transfer.to_unit_id) == unit_id),
        )
        .order_by(col(Transfer.id))
        .limit(1)
    ).first()


def _plan_move(session: Session, links: list[Link]) -> Move:
    old = links[0].old
    ordered = sorted(links, key=lambda link: link.new.id)
    rows = session.exec(
        select(Account.kind, Account.balance).where(
            Account.unit_id == old.id, col(Account.kind).in_(ASSET_KINDS)
        )
    ).all()
    balances = {kind: int(balance) for kind, balance in rows if balance}
    parts: dict[int, dict[str, int]] = {link.new.id: {} for link in ordered}
    for kind, amount in balances.items():
        for link, part in zip(
            ordered, allocate(amount, [ln.share_bp for ln in ordered]), strict=False
        ):
            if part:
                parts[link.new.id][kind] = part
    return Move(
        old=old, effective=links[0].effective, links=ordered, balances=balances, parts=parts
    )


def reorganise(
    session: Session,
    *,
    table: list[list[object]],
    actor_id: int | None = None,
    move_users: bool = True,
    scope_ids: set[int] | None = None,
) -> Reorganisation:
    """Apply the table, all or nothing (``UnitImportRejected`` when any row is refused)."""
    result = preview_reorganisation(session, table=table, scope_ids=scope_ids)
    if result.errors:
        raise UnitImportRejected(count=str(len(result.errors)))
    for move in result.moves:
        _apply(session, move, actor_id=actor_id, move_users=move_users)
    return result


def _apply(session: Session, move: Move, *, actor_id: int | None, move_users: bool) -> None:
    old, effective = move.old, move.effective
    last_day = effective - timedelta(days=1)
    for link in move.links:
        session.add(
            UnitSuccession(
                predecessor_id=old.id,
                successor_id=link.new.id,
                effective_on=effective,
                share_bp=link.share_bp,
                legal_basis=link.basis,
                share_note=link.note,
            )
        )
    before = {"valid_to": old.valid_to}
    old.valid_to = last_day
    session.flush()
    record_event(
        session,
        action="unit.reorganise",
        user_id=actor_id,
        unit_id=old.id,
        object_type="unit",
        object_id=old.id,
        before=before,
        after={
            "valid_to": last_day,
            "basis": move.links[0].basis,
            "balances": move.balances,
            "successors": {ln.new.code: ln.share_bp for ln in move.links},
        },
    )
    _move_money(session, move, last_day, actor_id)
    current = locked_through(session, old.id)
    if current is None or current < last_day:
        # nothing may be backdated into a fund whose money has moved on
        lock_period(session, unit_id=old.id, through=last_day, user_id=actor_id)
    if move_users:
        _move_users(session, move, actor_id)


def _move_money(session: Session, move: Move, last_day: date, actor_id: int | None) -> None:
    if not move.total:
        return
    names = ", ".join(ln.new.name for ln in move.links)
    basis = move.links[0].basis
    post_entry(
        session,
        unit_id=move.old.id,
        entry_date=last_day,
        kind="reorg_out",
        document_id=move.old.id,
        user_id=actor_id,
        memo=f"Chuyển số dư sang {names} theo {basis}",
        lines=[
            *(Line(kind, -amount) for kind, amount in move.balances.items()),
            Line(CLEARING, move.total),
        ],
    )
    for link in move.links:
        parts = move.parts[link.new.id]
        if not parts:
            continue
        post_entry(
            session,
            unit_id=link.new.id,
            entry_date=move.effective,
            kind="reorg_in",
            document_id=move.old.id,
            user_id=actor_id,
            memo=f"Nhận số dư của {move.old.name} ({format_share(link.share_bp)}%) theo {basis}",
            lines=[
                *(Line(kind, amount) for kind, amount in parts.items()),
                Line(CLEARING, -sum(parts.values())),
            ],
        )


def _move_users(session: Session, move: Move, actor_id: int | None) -> None:
    best = max(ln.share_bp for ln in move.links)
    winners = [ln.new for ln in move.links if ln.share_bp == best]
    if len(winners) != 1:
        return
    target = winners[0]
    for user in session.exec(
        select(User).where(User.unit_id == move.old.id, col(User.active).is_(True))
    ).all():
        user.unit_id = target.id
        user.session_version += 1
        record_event(
            session,
            action="user.move",
            user_id=actor_id,
            unit_id=target.id,
            object_type="user",
            object_id=user.id,
            before={"unit_id": move.old.id},
            after={"unit_id": target.id, "reason": "reorganisation"},
        )
    session.flush()


def successor_units(session: Session, unit_id: int) -> list[Unit]:
    """The units a closed unit went to, the largest share first (donors are sent there)."""
    return list(
        session.exec(
            select(Unit)
            .join(UnitSuccession, col(UnitSuccession.successor_id) == Unit.id)
            .where(UnitSuccession.predecessor_id == unit_id)
            .order_by(col(UnitSuccession.share_bp).desc(), col(Unit.name))
        ).all()
    )


def successor_notice(session: Session, *, unit_id: int, today: date) -> dict | None:
    """For a user of a unit that has closed: the unit, when, and where it went; else None."""
    unit = session.get(Unit, unit_id)
    if unit is None or unit.valid_to is None or unit.valid_to >= today:
        return None
    rows = session.exec(
        select(Unit.name, UnitSuccession.share_bp)
        .join(UnitSuccession, col(UnitSuccession.successor_id) == Unit.id)
        .where(UnitSuccession.predecessor_id == unit_id)
        .order_by(col(UnitSuccession.share_bp).desc(), col(Unit.name))
    ).all()
    return {
        "unit": unit.name,
        "date": unit.valid_to.strftime("%d/%m/%Y"),
        "successors": "; ".join(f"{name} ({format_share(share)}%)" for name, share in rows),
    }
