"""Reading the audit log: events filtered and paged, and the names an event's ids stand for.

Only reads: ``services.audit`` writes the events and their chain; nothing here touches a hash.
What an event says is put into words by ``ledger.audit_text`` (it needs the user's language).
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import or_
from sqlmodel import Session, col, select

from ..dates import VIETNAM
from ..models import (
    ApiToken,
    AuditEvent,
    Beneficiary,
    Campaign,
    CashCount,
    Category,
    Disbursement,
    Donor,
    Pledge,
    Quota,
    Receipt,
    ReportPeriod,
    Transfer,
    Unit,
    User,
    VoucherRegime,
)
from .beneficiaries import mask_name
from .donors import ANONYMOUS_NAME, anonymous_donor_ids, hidden_payers
from .paging import COUNT_LIMIT, Cursor, Page, bounded_count, numbered_or_keyset, where_all
from .units import in_units

#: a download lists at most this many events, the newest first, and says so when more matched
#: (made in the request: ~10,000 rows take a few seconds; narrower dates list the rest)
EXPORT_LIMIT = 10_000
#: ids per ``IN (...)`` when names are looked up (SQLite binds at most 32,766 parameters)
_CHUNK = 900

#: keys in an event's values that hold a unit's id, a user's id, a unit's code
UNIT_ID_KEYS = frozenset({"unit_id", "parent_id", "to"})
USER_ID_KEYS = frozenset({"user_id"})
UNIT_CODE_KEYS = frozenset({"unit"})


@dataclass
class AuditFilter:
    """What the auditor narrowed the log to (empty: everything in scope)."""

    user_id: int | None = None
    unit_id: int | None = None
    action: str = ""
    date_from: date | None = None
    date_to: date | None = None


@dataclass
class Names:
    """What the ids of a page of events stand for: ``Names.of(kind, id)`` gives a document's
    number, a unit's or a user's name (``None`` when the row is gone)."""

    units: dict[int, Unit] = field(default_factory=dict)
    units_by_code: dict[str, Unit] = field(default_factory=dict)
    users: dict[int, User] = field(default_factory=dict)
    objects: dict[tuple[str, int], dict[str, Any]] = field(default_factory=dict)
    #: the reader's unit: an anonymous donor is named only to the fund that recorded the gift
    viewer_unit_id: int | None = None

    def of(self, kind: str, key: int | None) -> dict[str, Any] | None:
        return None if key is None else self.objects.get((kind, key))

    def private(self, event: AuditEvent) -> bool:
        """Whether the event's document is one whose personal details this reader may not see
        (a child's payout; an anonymous donor's gift, pledge or record read outside its fund):
        its file names, contact details and donor's name are then hidden. A pledge event of
        before pledges carried their id is hidden from anyone outside its fund."""
        found = self.of(event.object_type, event.object_id)
        if found is not None:
            return bool(found.get("private"))
        legacy_pledge = event.action.startswith("pledge.") and event.object_id is None
        return legacy_pledge and event.unit_id != self.viewer_unit_id


def _utc_start(day: date) -> datetime:
    """The UTC time (naive, as stored) a Vietnamese day starts at."""
    return datetime.combine(day, time.min, tzinfo=VIETNAM).astimezone(UTC).replace(tzinfo=None)


def _conditions(unit_ids, flt: AuditFilter) -> list:
    """The WHERE of the scope (the units' events and the unit-less ones) and the filter."""
    found = [or_(in_units(col(AuditEvent.unit_id), unit_ids), col(AuditEvent.unit_id).is_(None))]
    if flt.unit_id is not None:
        found.append(col(AuditEvent.unit_id) == flt.unit_id)
    if flt.user_id is not None:
        found.append(col(AuditEvent.user_id) == flt.user_id)
    if flt.action:
        found.append(col(AuditEvent.action) == flt.action)
    if flt.date_from is not None:
        found.append(col(AuditEvent.at) >= _utc_start(flt.date_from))
    if flt.date_to is not None:
        found.append(col(AuditEvent.at) < _utc_start(flt.date_to + timedelta(days=1)))
    return found


def audit_events(
    session: Session,
    *,
    unit_ids,
    flt: AuditFilter,
    page: int,
    per_page: int,
    cursor: Cursor | None = None,
) -> Page[AuditEvent]:
    """One page of the events in scope that pass ``flt``, newest first (``paging``)."""
    where = _conditions(unit_ids, flt)
    count = bounded_count(session, where_all(select(col(AuditEvent.id)), where))
    return numbered_or_keyset(
        session,
        where_all(select(AuditEvent), where),
        order=(col(AuditEvent.id),),
        key_of=lambda event: (event.id,),
        cursor=cursor,
        page=page,
        per_page=per_page,
        count=count,
    )


def events_for_export(
    session: Session, *, unit_ids, flt: AuditFilter, limit: int = EXPORT_LIMIT
) -> tuple[list[AuditEvent], bool]:
    """The events of a download, newest first: at most ``limit``, and whether more were left."""
    query = where_all(select(AuditEvent), _conditions(unit_ids, flt))
    rows = list(session.exec(query.order_by(col(AuditEvent.id).desc()).limit(limit + 1)))
    return rows[:limit], len(rows) > limit


def values_of(text: str) -> dict[str, Any]:
    """An event's stored before/after JSON as a dict (``{}`` when empty or not an object)."""
    if not text:
        return {}
    try:
        found = json.loads(text)
    except ValueError:
        return {"": text}
    return found if isinstance(found, dict) else {"": found}


def load_names(
    session: Session, events: list[AuditEvent], *, viewer_unit_id: int | None = None
) -> Names:
    """Every name the events refer to, a few queries per page whatever its length. An anonymous
    donor is named only to the staff of the fund that recorded the gift (``viewer_unit_id``)."""
    names = Names(viewer_unit_id=viewer_unit_id)
    wanted: dict[str, set[int]] = defaultdict(set)
    unit_ids, user_ids, unit_codes = set(), set(), set()
    for event in events:
        if event.object_id is not None:
            wanted[event.object_type].add(event.object_id)
        unit_ids.add(event.unit_id)
        user_ids.add(event.user_id)
        for values in (values_of(event.before), values_of(event.after)):
            for key, value in values.items():
                if key in UNIT_ID_KEYS and isinstance(value, int):
                    unit_ids.add(value)
                elif key in USER_ID_KEYS and isinstance(value, int):
                    user_ids.add(value)
                elif key in UNIT_CODE_KEYS and isinstance(value, str):
                    unit_codes.add(value)
                elif key == "successors" and isinstance(value, dict):
                    unit_codes.update(value)
    unit_ids |= wanted["unit"] | wanted["periodlock"]
    user_ids |= wanted["user"]
    _load_documents(session, names, wanted, unit_ids, user_ids)
    _load_receipts(session, names, wanted["receipt"], viewer_unit_id)
    _load_donors(session, names, wanted["donor"], wanted["pledge"], viewer_unit_id)
    _load_cash_counts(session, names, wanted["cash_count"], unit_ids)
    _load_people(session, names, unit_ids, user_ids, unit_codes)
    return names


def _load_documents(session, names: Names, wanted, unit_ids: set, user_ids: set) -> None:
    """Numbers and names of the receipts, payouts, transfers… the events are about."""
    put = names.objects.__setitem__
    for d in _rows(session, Disbursement, wanted["disbursement"]):
        put(
            ("disbursement", d.id),
            {
                "number": d.number,
                "year": d.year,
                "payee": d.payee_name,
                # a child's payout: its files' names may name the child (never shown here)
                "private": d.beneficiary_id is not None,
            },
        )
    for t in _rows(session, Transfer, wanted["transfer"]):
        unit_ids.update((t.from_unit_id, t.to_unit_id))
        put(("transfer", t.id), {"from": t.from_unit_id, "to": t.to_unit_id, "on": t.sent_on})
    for c in _rows(session, Campaign, wanted["campaign"]):
        put(("campaign", c.id), {"name": c.name, "code": c.code})
    for q in _rows(session, Quota, wanted["quota"]):
        unit_ids.add(q.unit_id)
        put(("quota", q.id), {"unit": q.unit_id})
    for p in _rows(session, ReportPeriod, wanted["report_period"]):
        put(("report_period", p.id), {"name": p.name})
    for c in _rows(session, Category, wanted["category"]):
        put(("category", c.id), {"category": c})
    for b in _rows(session, Beneficiary, wanted["beneficiary"]):
        put(("beneficiary", b.id), {"name": mask_name(b.full_name)})
    for t in _rows(session, ApiToken, wanted["api_token"]):
        user_ids.add(t.user_id)
        put(("api_token", t.id), {"user": t.user_id, "name": t.name})
    for v in _rows(session, VoucherRegime, wanted["voucher_regime"]):
        put(("voucher_regime", v.id), {"valid_from": v.valid_from})


def _load_receipts(session, names: Names, ids: set[int], viewer_unit_id: int | None) -> None:
    """The number and what each receipt says, the payer as the viewer may read it."""
    rows = _rows(session, Receipt, ids)
    hidden = hidden_payers(session, rows, viewer_unit_id=viewer_unit_id)
    for r in rows:
        names.objects[("receipt", r.id)] = {
            "number": r.number,
            "year": r.year,
            "content": {
                "amount": r.amount,
                "date": r.receipt_date,
                "payer": ANONYMOUS_NAME if r.id in hidden else r.payer_name,
            },
            # an anonymous gift read outside its fund: its files' names may name the donor
            "private": r.id in hidden,
        }


def _load_donors(
    session, names: Names, donor_ids: set[int], pledge_ids: set[int], viewer: int | None
) -> None:
    """Whether each donor (and each pledge's donor) is anonymous to this reader: an anonymous
    donor's phone, e-mail, address and name stay with the fund that recorded it."""
    pledges = _rows(session, Pledge, pledge_ids)
    donors = _rows(session, Donor, donor_ids | {p.donor_id for p in pledges})
    anonymous = anonymous_donor_ids(session, {d.id for d in donors})
    hidden = {d.id for d in donors if d.id in anonymous and d.unit_id != viewer}
    for d in donors:
        names.objects[("donor", d.id)] = {"private": d.id in hidden}
    for p in pledges:
        names.objects[("pledge", p.id)] = {"private": p.donor_id in hidden}


def _load_cash_counts(session, names: Names, ids: set[int], unit_ids: set) -> None:
    """The date and fund of the cash counts the events are about."""
    for c in _rows(session, CashCount, ids):
        unit_ids.add(c.unit_id)
        names.objects[("cash_count", c.id)] = {"date": c.count_date, "unit": c.unit_id}


def _load_people(session, names: Names, unit_ids: set, user_ids: set, codes: set) -> None:
    names.units = {u.id: u for u in _rows(session, Unit, unit_ids)}
    names.users = {u.id: u for u in _rows(session, User, user_ids)}
    if codes:
        found = session.exec(select(Unit).where(col(Unit.code).in_(sorted(codes))))
        names.units_by_code = {u.code: u for u in found}


def _rows(session: Session, model, ids: set) -> list:
    ordered = sorted(i for i in ids if isinstance(i, int))
    found: list = []
    for start in range(0, len(ordered), _CHUNK):
        chunk = ordered[start : start + _CHUNK]
        found += session.exec(select(model).where(col(model.id).in_(chunk)))
    return found


__all__ = [
    "COUNT_LIMIT",
    "EXPORT_LIMIT",
    "AuditFilter",
    "Names",
    "audit_events",
    "events_for_export",
    "load_names",
    "values_of",
]
