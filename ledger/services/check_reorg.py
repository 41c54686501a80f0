"""Verify reorganisations: nothing a closed fund held was lost or made up on the way to its
successors (``check_reorganisations``; ``check_books`` runs it with the other checks)."""

from __future__ import annotations

from collections import defaultdict

from sqlmodel import Session, col, select

from ..models import Account, Entry, Posting, Unit, UnitSuccession, select_rows
from . import check as _check  # module, not name: check_books may import this module
from .reorganisation import ASSET_KINDS, allocate


def check_reorganisations(session: Session, funds=None) -> list:
    """For each predecessor: Σ reorg_out == Σ reorg_in of its successors, per asset kind; each
    successor got exactly its largest-remainder share; the closed fund keeps no asset balance."""
    links: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for old, new, share in session.exec(
        select(
            UnitSuccession.predecessor_id, UnitSuccession.successor_id, UnitSuccession.share_bp
        ).order_by(col(UnitSuccession.predecessor_id), col(UnitSuccession.successor_id))
    ).all():
        links[old].append((new, share))
    if funds is not None:
        wanted = set(funds)
        links = {
            old: succ
            for old, succ in links.items()
            if old in wanted or any(new in wanted for new, _ in succ)
        }
    if not links:
        return []
    sent, received = _moved(session)
    problems: list = []
    for old, successors in links.items():
        problems.extend(_check_one(old, successors, sent, received))
    problems.extend(_left_behind(session, list(links)))
    return problems


def _moved(session: Session):
    """Amounts moved out of each old fund and into each successor, by asset kind."""
    rows = session.exec(
        select_rows(Entry.kind, Entry.unit_id, Entry.document_id, Account.kind, Posting.amount)
        .join(Posting, col(Posting.entry_id) == Entry.id)
        .join(Account, col(Account.id) == Posting.account_id)
        .where(col(Entry.kind).in_(("reorg_out", "reorg_in")), col(Account.kind).in_(ASSET_KINDS))
    ).all()
    sent: dict[tuple[int, str], int] = defaultdict(int)
    received: dict[tuple[int, int, str], int] = defaultdict(int)
    for entry_kind, unit_id, old_id, account_kind, amount in rows:
        if entry_kind == "reorg_out":
            sent[(unit_id, account_kind)] -= amount
        else:
            received[(old_id, unit_id, account_kind)] += amount
    return sent, received


def _check_one(old: int, successors, sent, received) -> list:
    problems = []
    for kind in ASSET_KINDS:
        out = sent.get((old, kind), 0)
        got = [received.get((old, new, kind), 0) for new, _ in successors]
        expected = allocate(out, [share for _, share in successors])
        if sum(got) != out:
            problems.append(
                _check.Problem(
                    "reorg_total",
                    f"fund {old} ({kind})",
                    f"moved out {out} but successors received {sum(got)}",
                )
            )
        for (new, share), amount, due in zip(successors, got, expected, strict=False):
            if amount != due:
                problems.append(
                    _check.Problem(
                        "reorg_share",
                        f"fund {old} → fund {new} ({kind})",
                        f"received {amount}, its {share / 100:g}% share is {due}",
                    )
                )
        stray = {new for (o, new, k) in received if o == old and k == kind} - {
            new for new, _ in successors
        }
        for new in sorted(stray):
            problems.append(
                _check.Problem(
                    "reorg_stray",
                    f"fund {old} → fund {new} ({kind})",
                    "received money from a fund it does not succeed",
                )
            )
    return problems


def _left_behind(session: Session, old_ids: list[int]) -> list:
    """Closed predecessors whose asset accounts still hold money."""
    rows = session.exec(
        select(col(Unit.id), Unit.code, Account.kind, Account.balance)
        .join(Account, col(Account.unit_id) == Unit.id)
        .where(
            col(Unit.id).in_(sorted(old_ids)),
            col(Account.kind).in_(ASSET_KINDS),
            col(Account.balance) != 0,
        )
    ).all()
    return [
        _check.Problem(
            "reorg_left",
            f"fund {uid} ({code} {kind})",
            f"closed by a reorganisation but still holds {balance}",
        )
        for uid, code, kind, balance in rows
    ]
