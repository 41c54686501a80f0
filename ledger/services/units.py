"""The tree of units: create, find by code or printed name, walk subtrees, validity in time."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from fractions import Fraction
from functools import cache
from typing import Any

from sqlalchemy import BindParameter, bindparam, func, literal_column, or_
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from ..errors import AmbiguousUnit, NotFound, UnitNotFound, UnitNotValid
from ..memo import read_once, remembers
from ..models import Account, ChainHead, Unit, UnitSuccession, select_rows, table_of
from ..models.org import WHOLE_SHARE
from ..text import clean, unit_key
from ..vocab import UnitLevel
from .unit_order import official_order

#: the accounts every fund opens with: kind → type
FUND_ACCOUNTS = {
    "cash": "asset",
    "bank": "asset",
    "in_kind": "asset",
    "in_transit": "clearing",
    "donations": "income",
    "income:budget": "income",
    "income:interest": "income",
    "income:other": "income",
    "income:in_kind": "income",
    "transfer_in": "clearing",
    "transfer_out": "clearing",
}


#: the administrative type assumed when none is given
DEFAULT_TYPES = {"nation": "quoc_gia", "province": "tinh", "district": "huyen", "commune": "xa"}


def create_unit(
    session: Session,
    *,
    code: str,
    name: str,
    level: str,
    valid_from: date,
    parent_id: int | None = None,
    printed_name: str | None = None,
    valid_to: date | None = None,
    unit_type: str | None = None,
) -> Unit:
    """Create a unit with its fund's accounts and an empty hash chain."""
    unit = Unit(
        code=clean(code),
        name=clean(name),
        printed_name=clean(printed_name) or None,
        level=level,
        parent_id=parent_id,
        valid_from=valid_from,
        valid_to=valid_to,
        unit_type=unit_type or DEFAULT_TYPES.get(level),
    )
    session.add(unit)
    session.flush()
    session.add_all(Account(unit_id=unit.id, kind=k, type=t) for k, t in FUND_ACCOUNTS.items())
    session.add(ChainHead(unit_id=unit.id))
    session.flush()
    return unit


def record_succession(
    session: Session,
    *,
    predecessor_id: int,
    successor_id: int,
    effective_on: date,
    share_bp: int = 10000,
    legal_basis: str = "",
    share_note: str = "",
) -> None:
    """Record that ``share_bp`` (10000 = whole) of ``predecessor`` went to ``successor``."""
    session.add(
        UnitSuccession(
            predecessor_id=predecessor_id,
            successor_id=successor_id,
            effective_on=effective_on,
            share_bp=share_bp,
            legal_basis=clean(legal_basis),
            share_note=clean(share_note),
        )
    )
    session.flush()


def get_unit(session: Session, unit_id: int) -> Unit:
    """The unit with this id, or NotFound."""
    unit = session.get(Unit, unit_id)
    if unit is None:
        raise NotFound()
    return unit


def find_unit(session: Session, name_or_code: str) -> Unit:
    """Find a unit by code, by its name or printed name, or by that name without its prefix."""
    wanted = clean(name_or_code)
    unit = session.exec(select(Unit).where(Unit.code == wanted)).first()
    if unit:
        return unit
    units = session.exec(select(Unit)).all()
    for match in (_exact_name, _key_name):
        found = [u for u in units if match(u, wanted)]
        if len(found) == 1:
            return found[0]
        if len(found) > 1:
            raise AmbiguousUnit(name=wanted)
    raise UnitNotFound(name=wanted)


def _exact_name(unit: Unit, wanted: str) -> bool:
    folded = wanted.casefold()
    return folded in {unit.name.casefold(), (unit.printed_name or "").casefold()}


def _key_name(unit: Unit, wanted: str) -> bool:
    return unit_key(wanted) in {unit_key(unit.name), unit_key(unit.printed_name or "")}


def subtree_query(root_id: int):
    """A recursive CTE of ``root_id`` and every unit under it (columns: id)."""
    tree = select(col(Unit.id)).where(Unit.id == root_id).cte("subtree", recursive=True)
    return tree.union_all(select(col(Unit.id)).where(col(Unit.parent_id) == tree.c.id))


#: subtrees up to this many units are named by their ids in SQL, so the planner sees how few
#: they are (on PostgreSQL a district's page otherwise scanned every account of the nation)
MAX_LISTED_UNITS = 2000


def members(ids, root_id: int, *, outside=None):
    """What ``column.in_(…)`` takes for a subtree whose ids are known: the ids themselves; for
    a subtree as large as a nation, the unit table less the few units ``outside`` it when
    they are known and few (no recursion, no huge parameter list), else the recursive CTE."""
    if len(ids) <= MAX_LISTED_UNITS:
        return sorted(ids)
    if outside is not None and len(outside) <= MAX_LISTED_UNITS:
        every = select(col(Unit.id))
        return every.where(col(Unit.id).not_in(sorted(outside))) if outside else every
    return select(subtree_query(root_id).c.id)


def subtree_members(session: Session, root_id: int):
    """``members`` of ``root_id``'s subtree."""
    version = tree_version(session)
    ids = _subtree(session, root_id, version)
    if len(ids) <= MAX_LISTED_UNITS:
        return sorted(ids)
    return members(ids, root_id, outside=_subtree(session, None, version) - ids)


@dataclass(frozen=True)
class Scope:
    """A subtree as a condition on a unit column that the planner can use well: the ids when
    they are few; for a subtree as large as a nation, "not one of the few units outside it"
    (no recursion, no list of 11,000 parameters, and the list can be read in its own order);
    else the recursive CTE."""

    root_id: int
    ids: frozenset[int] | None = None
    outside: frozenset[int] | None = None
    #: the ids go to PostgreSQL as one array written into the statement (``= ANY('{…}')``),
    #: not one parameter each: a province's 750 funds cost 3.5 ms a query as a list, 0.6 ms
    #: as an array. Written in, not bound: the planner sees how many ids there are (a bound
    #: array is guessed at 10 in a prepared statement's generic plan, then reused for 750)
    as_array: bool = False

    @property
    def listed(self) -> bool:
        """Whether the ids say who is in (else only SQL knows: the recursive CTE)."""
        return self.ids is not None or self.outside is not None

    def holds(self, unit_id: int) -> bool:
        """``unit_id`` lies in the subtree (for a ``listed`` scope)."""
        if self.ids is not None:
            return unit_id in self.ids
        if self.outside is not None:
            return unit_id not in self.outside
        raise ValueError("this subtree is known to SQL only")

    def where(self, column: Any) -> Any:
        """``column`` (a unit id) lies in the subtree."""
        if self.ids is not None and self.as_array:
            return column == func.any(literal_column(_int_array(self.ids)))
        if self.ids is not None:
            return column.in_(sorted(self.ids))
        if self.outside is not None:
            return column.not_in(sorted(self.outside)) if self.outside else column.is_not(None)
        return column.in_(select(subtree_query(self.root_id).c.id))


def _int_array(ids: Iterable[int]) -> str:
    """A PostgreSQL integer array literal of ``ids`` (integers only: nothing else is written)."""
    return "'{" + ",".join(str(int(i)) for i in sorted(ids)) + "}'::integer[]"


def subtree_scope(session: Session, root_id: int, *, version: tuple | None = None) -> Scope:
    """``root_id``'s subtree as a ``Scope`` (``version``: the ``tree_version`` when already
    read in this transaction)."""
    ids = _members(session, root_id, version)
    if len(ids) <= MAX_LISTED_UNITS:
        return Scope(root_id, ids=ids, as_array=session.get_bind().dialect.name == "postgresql")
    version = version or tree_version(session)
    outside = _subtree(session, None, version) - ids
    return Scope(root_id, outside=outside) if len(outside) <= MAX_LISTED_UNITS else Scope(root_id)


def in_units(column: Any, unit_ids: Any) -> Any:
    """``column`` lies in ``unit_ids``: a ``Scope``, or ids (or a select of them)."""
    return unit_ids.where(column) if isinstance(unit_ids, Scope) else column.in_(unit_ids)


def subtree_ids(session: Session, root_id: int, *, version: tuple | None = None) -> set[int]:
    """Ids of ``root_id`` and every unit under it (remembered per process while the tree is
    unchanged: a nation's 11,000 units took 30–40 ms to walk on every request; ``version``:
    the ``tree_version`` when already read in this transaction)."""
    return set(_members(session, root_id, version))


def _members(session: Session, root_id: int, version: tuple | None) -> frozenset[int]:
    """``root_id``'s subtree: a unit with nothing under it by its probe (``_leaf``), any other
    remembered by the tree's ``version`` (read when not given)."""
    leaf = _leaf(session, root_id) if version is None else None
    if leaf is not None:
        return leaf
    return _subtree(session, root_id, version or tree_version(session))


def _leaf(session: Session, root_id: int) -> frozenset[int] | None:
    """The subtree of a unit with no unit under it (a commune: most users' unit, and every
    treasurer's), read with one probe of the parent index; None for any other unit, whose
    subtree is remembered by the tree's version (which costs a pass over the units: 1 ms of
    each of a treasurer's requests). Not asked once the version is read: the remembered
    subtree is cheaper still."""
    if remembers(session, TREE_VERSION):
        return None
    return read_once(session, f"leaf:{root_id}", lambda: _probe_leaf(session, root_id))


def _probe_leaf(session: Session, root_id: int) -> frozenset[int] | None:
    found = session.exec(_probe(), params={"root": root_id}).all()
    if len(found) > 1:
        tree_version(session)  # needed next: read now, so no later call probes again
        return None
    return frozenset(found)


@cache  # built once (every request of a commune's user probes): see ``journal._chain_head``
def _probe():
    root: BindParameter[int] = bindparam("root")
    return (
        select(col(Unit.id)).where(or_(col(Unit.id) == root, col(Unit.parent_id) == root)).limit(2)
    )


def _subtree(session: Session, root_id: int | None, version: tuple) -> frozenset[int]:
    """The ids under ``root_id`` (every unit for None) in the tree of this ``version``."""
    key = (str(session.connection().engine.url), root_id, version)
    with _SUBTREES_LOCK:
        found = _SUBTREES.get(key)
        if found is not None:
            _SUBTREES.move_to_end(key)
            return found
    if root_id is None:
        query = sa_select(col(Unit.id))
    else:
        tree = subtree_query(root_id)
        query = sa_select(tree.c.id)
    ids = frozenset(session.connection().execute(query).scalars())
    with _SUBTREES_LOCK:
        _SUBTREES[key] = ids
        while len(_SUBTREES) > 256:
            _SUBTREES.popitem(last=False)
    return ids


_SUBTREES: OrderedDict[tuple, frozenset[int]] = OrderedDict()
_SUBTREES_LOCK = threading.Lock()
_TREE_VERSION = sa_select(
    func.count(),
    func.max(col(Unit.id)),
    func.sum(col(Unit.parent_id)),
    func.sum(col(Unit.id) * col(Unit.parent_id)),
)


def tree_version(session: Session) -> tuple:
    """What changes when a unit is added, removed or moved: the count, the largest id and
    two sums over the parent links (a move changes Σ parent; a swap of two parents changes
    Σ id × parent). One pass over the parent index: about 1 ms for 11,000 units, read once a
    transaction (``memo``: a national dashboard asked twice)."""
    if session.new or session.dirty or session.deleted:
        session.flush()  # a raw read does not autoflush: count what this session changed
    return read_once(
        session, TREE_VERSION, lambda: tuple(session.connection().execute(_TREE_VERSION).one())
    )


#: the memo's name for the tree's version
TREE_VERSION = "tree_version"


def is_within(session: Session, *, unit_id: int, scope_id: int) -> bool:
    """Whether ``unit_id`` is ``scope_id`` or under it (walks up the parents)."""
    current = session.get(Unit, unit_id)
    while current is not None:
        if current.id == scope_id:
            return True
        current = session.get(Unit, current.parent_id) if current.parent_id else None
    return False


def children(session: Session, *, parent_id: int, on: date | None = None) -> list[Unit]:
    """The units directly under ``parent_id``, valid on ``on`` when given, in official order."""
    query = select(Unit).where(Unit.parent_id == parent_id)
    if on is not None:
        query = query.where(
            col(Unit.valid_from) <= on, or_(col(Unit.valid_to).is_(None), col(Unit.valid_to) >= on)
        )
    return list(session.exec(query.order_by(*official_order())).all())


def ensure_valid(unit: Unit, on: date) -> None:
    """Refuse a document dated outside the unit's validity (e.g. a merged commune)."""
    if unit.valid_from > on or (unit.valid_to is not None and unit.valid_to < on):
        raise UnitNotValid(unit=unit.name, date=on.strftime("%d/%m/%Y"))


def predecessors(session: Session, unit_id: int) -> list[int]:
    """Every unit merged (directly or through earlier mergers) into ``unit_id``."""
    found: list[int] = []
    frontier = [unit_id]
    while frontier:
        rows = session.exec(
            select(UnitSuccession.predecessor_id).where(
                col(UnitSuccession.successor_id).in_(frontier)
            )
        ).all()
        frontier = [r for r in rows if r not in found]
        found.extend(frontier)
    return found


def predecessor_shares(session: Session, unit_id: int, on: date) -> list[tuple[int, Fraction]]:
    """The units whose figures since ``on`` make up ``unit_id``'s: the unit itself (share 1)
    and, when it came into being after ``on``, its predecessors, each with the share of it
    that went (through every later merger or split) into ``unit_id`` — the product of the
    links' shares along a path, summed over paths. Their documents never overlap in time (a
    predecessor closes the day before its successor opens), so the figures add up."""
    found: dict[int, Fraction] = {}
    frontier = [(unit_id, Fraction(1))]
    steps = 0
    while frontier and steps < 10_000:
        current, share = frontier.pop()
        steps += 1
        found[current] = found.get(current, Fraction(0)) + share
        if session.get_one(Unit, current).valid_from <= on:
            continue
        links = session.exec(
            select(UnitSuccession.predecessor_id, UnitSuccession.share_bp).where(
                UnitSuccession.successor_id == current
            )
        ).all()
        frontier.extend((pred, share * Fraction(bp, WHOLE_SHARE)) for pred, bp in links)
    return [(unit_id, found.pop(unit_id)), *sorted(found.items())]


def account_id(session: Session, *, unit_id: int, kind: str) -> int:
    """The id of the fund's ``kind`` account, opened on first use (expense:<category>)."""
    return account_ids(session, unit_id=unit_id, kinds=[kind])[kind]


def account_ids(session: Session, *, unit_id: int, kinds: Iterable[str]) -> dict[str, int]:
    """Kind → id of the fund's accounts of these ``kinds`` (one query); those not yet used
    (expense:<category>…) are opened, in the order given."""
    wanted = list(dict.fromkeys(kinds))
    found = dict(session.exec(_accounts(), params={"unit": unit_id, "kinds": wanted}).all())
    missing = [
        Account(unit_id=unit_id, kind=k, type=account_type(k)) for k in wanted if k not in found
    ]
    if missing:
        session.add_all(missing)
        session.flush()
        found.update((account.kind, account.id) for account in missing)
    return found


@cache  # built once (every posting reads its accounts): see ``journal._chain_head``
def _accounts():
    return select(Account.kind, Account.id).where(
        Account.unit_id == bindparam("unit"),
        col(Account.kind).in_(bindparam("kinds", expanding=True)),
    )


#: accounts a fund opens only when first used: kind → type
OPENED_ON_USE = {
    #: what a receiver confirmed short of what was sent (bank fee, counting error), with its
    #: reason: the fund's loss, not a payout (``expense:<category>`` are the payouts)
    "transfer_difference": "expense",
    #: clears the balance a closed fund hands to its successors
    "reorg_clearing": "clearing",
    #: a cash count's shortage / surplus awaiting a decision (TK 1388 / TK 3388)
    "cash_shortage": "clearing",
    "cash_surplus": "clearing",
}


def account_type(kind: str) -> str:
    """The type an account of ``kind`` is opened with (its only type: types never change)."""
    if kind in FUND_ACCOUNTS:
        return FUND_ACCOUNTS[kind]
    if kind in OPENED_ON_USE:
        return OPENED_ON_USE[kind]
    return "expense" if kind.startswith("expense:") else "income"


def unit_rows(session: Session, unit_ids) -> list:
    """The units with these ids as plain rows (no ORM objects: a fund's whole subtree may be
    thousands), the higher tiers first, each in official order."""
    if isinstance(unit_ids, (set, frozenset, list, tuple)):  # ids: one statement built once
        return list(session.exec(_rows_of(), params={"ids": list(unit_ids)}).all())
    return list(session.exec(_ordered_rows().where(col(Unit.id).in_(unit_ids))).all())


def _ordered_rows():
    return select_rows(*table_of(Unit).c).order_by(*official_order(by_level=True))


@cache  # a receipt's form lists its fund's units (one, for a commune) every time
def _rows_of():
    return _ordered_rows().where(col(Unit.id).in_(bindparam("ids", expanding=True)))


def unit_names(session: Session, unit_ids) -> dict[int, str]:
    """Unit id → name for these ids."""
    return dict(session.exec(select(Unit.id, Unit.name).where(col(Unit.id).in_(unit_ids))).all())


def units_among(session: Session, unit_ids, *, order: str = "id") -> list[Unit]:
    """The units with these ids, by ``order``: ``id``, or ``official`` (the higher tiers first,
    each in the official list order)."""
    terms = official_order(by_level=True) if order == "official" else (col(Unit.id),)
    query = select(Unit).where(col(Unit.id).in_(sorted(unit_ids))).order_by(*terms)
    return list(session.exec(query).all())


def top_levels(session: Session, scope: Scope, *, limit: int) -> list[Unit]:
    """The units of ``scope``'s highest tiers, whole tiers at a time while they fit in
    ``limit`` (at least the first), each tier in official order: what a filter can offer at a
    province's or the nation's scope without reading 11,000 units."""
    counts = dict(
        session.exec(
            select(Unit.level, func.count()).where(scope.where(col(Unit.id))).group_by(Unit.level)
        ).all()
    )
    levels: list[str] = []
    for level in UnitLevel:
        if levels and sum(counts[lv] for lv in levels) + counts.get(level, 0) > limit:
            break
        if counts.get(level):
            levels.append(level)
    query = (
        select(Unit)
        .where(scope.where(col(Unit.id)), col(Unit.level).in_(levels))
        .order_by(*official_order(by_level=True))
    )
    return list(session.exec(query).all())


def communes_among(session: Session, unit_ids) -> list[Unit]:
    """The communes among these units, in official order."""
    query = (
        select(Unit)
        .where(col(Unit.id).in_(unit_ids), Unit.level == UnitLevel.COMMUNE.value)
        .order_by(*official_order())
    )
    return list(session.exec(query).all())


def existing_first(session: Session, unit_ids, *, limit: int = 5000) -> list[Unit]:
    """These units, those still in existence first, then the higher tiers first, each in
    official order (at most ``limit``)."""
    query = (
        select(Unit)
        .where(col(Unit.id).in_(sorted(unit_ids)))
        .order_by(col(Unit.valid_to).is_not(None), *official_order(by_level=True))
        .limit(limit)
    )
    return list(session.exec(query).all())
