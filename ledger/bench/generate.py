"""Build a realistic national dataset through the real schema and write it as a journal.

Provinces → districts → communes (about 15 communes a district, 168 a province, as before
2025), campaigns and quotas at each level, donors, receipts spread over a year with Tết and
June peaks (posted by ``record_receipts``, the app's own write path), paid disbursements by
category and commune → district remittances.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import insert, select
from sqlmodel import Session

from ..bulk import reserve_ids
from ..models import (
    Account,
    Campaign,
    Category,
    ChainHead,
    Disbursement,
    Donor,
    Quota,
    Receipt,
    Unit,
)
from ..services.audit import seal_rows
from ..services.journal import Line, NewEntry, balance_from_postings, post_entries
from ..services.receipts import ReceiptInput, record_receipts
from ..services.transfers import receive_transfer, send_transfer
from ..services.units import FUND_ACCOUNTS
from ..services.vouchers import next_number

YEAR = 2018
MONTH_WEIGHTS = [9, 7, 3, 3, 5, 14, 4, 3, 5, 4, 3, 3]
NAMES = [
    "Nguyễn Văn An",
    "Trần Thị Bình",
    "Lê Văn Cường",
    "Phạm Thị Dung",
    "Hoàng Minh Đức",
    "Công ty TNHH Hưng Thịnh",
    "Trường THCS Kim Đồng",
    "Hội Phụ nữ xã",
    "Vũ Thị Hoa",
]


@dataclass
class Generated:
    """What the generator made."""

    nation_id: int
    provinces: int
    districts: int
    communes: int
    receipts: int
    disbursements: int
    transfers: int


def generate(
    session: Session,
    *,
    communes: int,
    receipts: int,
    seed: int = 1,
    commit_every: int = 200,
    progress=None,
    jobs: int = 1,
    url: str | None = None,
) -> Generated:
    """Create the tree, campaigns, receipts, payouts and transfers; commits as it goes.

    Each commune's receipts and payouts come from a generator seeded by the seed and the
    commune's place, so ``jobs`` processes (PostgreSQL, given ``url``) each writing a share of
    the communes through the same write path make the same dataset as one."""
    rng = random.Random(seed)
    tree = _units(session, communes)
    session.commit()
    _campaigns(session, tree, rng)
    session.commit()
    weights = [rng.uniform(0.3, 1.7) for _ in tree.communes]
    counts = _apportion(receipts, weights, receipts / sum(weights))
    work = [
        (index, commune, count)
        for index, (commune, count) in enumerate(zip(tree.communes, counts, strict=True))
    ]
    if jobs > 1:
        if url is None or url.startswith("sqlite"):
            raise ValueError("parallel generation needs PostgreSQL (SQLite has one writer)")
        made, paid = _in_parallel(url, work, seed, jobs, commit_every, progress)
    else:
        made, paid = _communes(session, work, seed, commit_every, progress)
    moved = _transfers(session, rng, tree)
    session.commit()
    return Generated(
        nation_id=tree.nation,
        provinces=len(tree.provinces),
        districts=len(tree.districts),
        communes=len(tree.communes),
        receipts=made,
        disbursements=paid,
        transfers=moved,
    )


def _communes(session: Session, work, seed: int, commit_every: int, progress) -> tuple[int, int]:
    """Receipts and payouts of each (index, commune, count); committed every few communes."""
    made = paid = 0
    for done, (index, commune_id, count) in enumerate(work, start=1):
        rng = random.Random(seed * 1_000_003 + index)
        made += _commune_receipts(session, rng, commune_id, count)
        paid += _commune_payouts(session, rng, commune_id)
        if done % commit_every == 0:
            session.commit()
            if progress:
                progress(done, made)
    session.commit()
    return made, paid


def _in_parallel(url: str, work, seed: int, jobs: int, commit_every: int, progress):
    """``jobs`` forked processes, each with its own connection, each a share of the communes."""
    import os
    import traceback

    from ..engine import make_engine, new_session

    children = []
    for job in range(jobs):
        read, write = os.pipe()
        pid = os.fork()
        if pid == 0:  # child: a fresh engine; the parent's pooled connections stay untouched
            os.close(read)
            code = 1
            try:
                own = new_session(make_engine(url), write=True)
                made, paid = _communes(own, work[job::jobs], seed, commit_every, progress)
                own.close()
                os.write(write, f"{made} {paid}".encode())
                code = 0
            except Exception:  # noqa: BLE001 (a child: the parent only sees the status, say why)
                os.write(2, traceback.format_exc().encode())  # fd 2: sys.stderr may be captured
            finally:
                os._exit(code)
        os.close(write)
        children.append((pid, read))
    made = paid = 0
    for pid, read in children:
        answer = os.read(read, 100).decode()
        os.close(read)
        _, status = os.waitpid(pid, 0)
        if status != 0 or not answer:
            raise RuntimeError(f"a generating process failed (status {status})")
        receipts, payouts = (int(x) for x in answer.split())
        made, paid = made + receipts, paid + payouts
    return made, paid


@dataclass
class _Tree:
    nation: int
    provinces: list[int]
    districts: list[int]
    communes: list[int]
    parent: dict[int, int]


def _units(session: Session, communes: int) -> _Tree:
    """Nation → provinces → districts → communes, with every fund's accounts and chain head."""
    n_districts = max(1, round(communes / 15))
    n_provinces = max(1, round(communes / 168))
    start = date(2008, 8, 1)
    nation = _insert_units(session, [("BV", "Toàn quốc", "nation", None)], start)[0]
    provinces = _insert_units(
        session,
        [(f"BV-P{p:02d}", f"Tỉnh {p:02d}", "province", nation) for p in range(1, n_provinces + 1)],
        start,
    )
    big = min(n_districts // 2, 47) if n_provinces > 1 else 0  # one province of ~700 communes
    province_of = [
        provinces[0]
        if d < big
        else provinces[1 + (d - big) % (n_provinces - 1)]
        if n_provinces > 1
        else provinces[0]
        for d in range(n_districts)
    ]
    districts = _insert_units(
        session,
        [
            (f"BV-D{d:04d}", f"Huyện {d:04d}", "district", province_of[d])
            for d in range(n_districts)
        ],
        start,
    )
    commune_ids = _insert_units(
        session,
        [
            (f"BV-C{c:05d}", f"Xã {c:05d}", "commune", districts[c % n_districts])
            for c in range(communes)
        ],
        start,
    )
    parent = {d: province_of[i] for i, d in enumerate(districts)}
    parent.update({c: districts[i % n_districts] for i, c in enumerate(commune_ids)})
    return _Tree(nation, provinces, districts, commune_ids, parent)


def _insert_units(session: Session, rows, valid_from: date) -> list[int]:
    ids = list(
        session.exec(
            insert(Unit).returning(Unit.id, sort_by_parameter_order=True),
            params=[
                {
                    "code": code,
                    "name": name,
                    "printed_name": None,
                    "level": level,
                    "parent_id": parent,
                    "valid_from": valid_from,
                    "valid_to": None,
                }
                for code, name, level, parent in rows
            ],
        ).scalars()
    )
    session.exec(
        insert(Account),
        params=[
            {"unit_id": u, "kind": k, "type": t, "balance": 0}
            for u in ids
            for k, t in FUND_ACCOUNTS.items()
        ],
    )
    session.exec(
        insert(ChainHead), params=[{"unit_id": u, "last_seq": 0, "last_hash": ""} for u in ids]
    )
    return ids


def _campaigns(session: Session, tree: _Tree, rng: random.Random) -> None:
    """A campaign at every level but the commune, with quotas for the level below."""
    children: dict[int, list[int]] = {}
    for child, parent in tree.parent.items():
        children.setdefault(parent, []).append(child)
    children[tree.nation] = tree.provinces
    quota_of = dict.fromkeys(tree.communes, 10000000)
    for level in (tree.districts, tree.provinces, [tree.nation]):
        for unit in level:
            quota_of[unit] = sum(quota_of[c] for c in children.get(unit, []))
    for unit in [tree.nation, *tree.provinces, *tree.districts]:
        target = max(1, round(quota_of[unit] * rng.uniform(0.65, 0.9) / 1_000_000) * 1_000_000)
        [campaign_id] = session.exec(
            insert(Campaign).returning(Campaign.id),
            params=[
                {
                    "unit_id": unit,
                    "year": YEAR,
                    "code": str(YEAR),
                    "name": f"Vận động Quỹ BTTE năm {YEAR}",
                    "target": target,
                    "starts_on": date(YEAR, 1, 1),
                    "ends_on": date(YEAR, 12, 31),
                }
            ],
        ).scalars()
        session.exec(
            insert(Quota),
            params=[
                {"campaign_id": campaign_id, "unit_id": c, "amount": quota_of[c]}
                for c in children.get(unit, [])
            ],
        )


def _apportion(total: int, weights: list[float], scale: float) -> list[int]:
    counts = [int(w * scale) for w in weights]
    for index in range(total - sum(counts)):
        counts[index % len(counts)] += 1
    return counts


def _commune_receipts(session: Session, rng: random.Random, commune_id: int, count: int) -> int:
    if not count:
        return 0
    donors = list(
        session.exec(
            insert(Donor).returning(Donor.id),
            params=[
                {
                    "unit_id": commune_id,
                    "name": n,
                    "search_key": n.lower(),
                    "kind": "individual",
                    "address": "",
                    "anonymous": False,
                }
                for n in rng.sample(NAMES, 3)
            ],
        ).scalars()
    )
    items = [
        ReceiptInput(
            receipt_date=_day(rng),
            amount=_amount(rng),
            donor_id=rng.choice(donors),
            method="bank" if rng.random() < 0.3 else "cash",
            reason="Ủng hộ Quỹ Bảo trợ trẻ em",
        )
        for _ in range(count)
    ]
    items.sort(key=lambda r: r.receipt_date)
    record_receipts(session, unit_id=commune_id, items=items)
    return count


def _day(rng: random.Random) -> date:
    month = rng.choices(range(1, 13), weights=MONTH_WEIGHTS)[0]
    first = date(YEAR, month, 1)
    days = ((date(YEAR + month // 12, month % 12 + 1, 1)) - first).days
    return first + timedelta(days=rng.randrange(days))


def _amount(rng: random.Random) -> int:
    return rng.choice(
        [
            50_000,
            100_000,
            100_000,
            200_000,
            200_000,
            500_000,
            500_000,
            1_000_000,
            2_000_000,
            5_000_000,
        ]
    )


def _commune_payouts(session: Session, rng: random.Random, commune_id: int) -> int:
    """Two paid disbursements (a gift and a scholarship) from the commune's cash, if it can."""
    plans = [("gift_mid_autumn", date(YEAR, 9, 20)), ("scholarship", date(YEAR, 9, 5))]
    # the cash held on the first payout's day (a cash book never closes a day below zero)
    cash = balance_from_postings(
        session, unit_id=commune_id, kinds=("cash",), through=min(day for _code, day in plans)
    )
    categories = dict(session.exec(select(Category.code, Category.id)).all())
    rows, entries = [], []
    for code, day in sorted(plans, key=lambda p: p[1]):
        amount = min(cash // 4, rng.choice([1_000_000, 1_500_000, 2_000_000]))
        if amount <= 0 or code not in categories:
            continue
        cash -= amount
        rows.append(
            {
                "unit_id": commune_id,
                "year": YEAR,
                "disbursement_date": day,
                "category_id": categories[code],
                "payee_name": "Đại diện gia đình",
                "payee_address": "",
                "reason": "Hỗ trợ trẻ em",
                "amount": amount,
                "method": "cash",
                "attachments": 0,
                "status": "paid",
                "book_no": "",
                "decision_comment": "",
                "void_reason": "",
            }
        )
        entries.append(
            NewEntry(
                entry_date=day,
                kind="disbursement",
                lines=(
                    Line(kind=f"expense:{code}", amount=amount),
                    Line(kind="cash", amount=-amount),
                ),
            )
        )
    if not rows:
        return 0
    entry_ids = post_entries(session, unit_id=commune_id, entries=entries)
    first = next_number(
        session, unit_id=commune_id, year=YEAR, kind="disbursement", count=len(rows)
    )
    for offset, (row, entry_id) in enumerate(zip(rows, entry_ids, strict=False)):
        row.update(number=first + offset, entry_id=entry_id)
    ids = reserve_ids(session, Disbursement.__table__, len(rows))
    for row, disbursement_id in zip(rows, ids, strict=False):
        row["id"] = disbursement_id
    session.exec(insert(Disbursement), params=rows)
    seal_rows(session, kind="disbursement", keys=ids, action="disbursement.pay", unit_id=commune_id)
    return len(rows)


def _transfers(session: Session, rng: random.Random, tree: _Tree) -> int:
    """One commune in ten remits part of its cash to its district; most are received."""
    made = 0
    for commune_id in tree.communes[::10]:
        # the cash held on the day it leaves (receipts dated later cannot cover it: a cash
        # book never closes a day below zero), not today's balance
        cash = balance_from_postings(
            session, unit_id=commune_id, kinds=("cash",), through=date(YEAR, 12, 10)
        )
        amount = (cash // 3) // 10_000 * 10_000
        if amount <= 0:
            continue
        transfer = send_transfer(
            session,
            from_unit_id=commune_id,
            to_unit_id=tree.parent[commune_id],
            amount=amount,
            on=date(YEAR, 12, 10),
            from_method="cash",
            to_method="bank",
        )
        if rng.random() < 0.8:
            receive_transfer(
                session,
                transfer_id=transfer.id,
                amount=amount,
                on=date(YEAR, 12, 12),
                reason="Tiền về tài khoản sau 2 ngày",
            )
        made += 1
    return made


def write_journal(session: Session, path: Path) -> int:
    """The receipts as a ledger-cli/hledger journal: one transaction per receipt, accounts
    named province:district:commune so ``bal`` rolls them up like the app does."""
    names = _account_paths(session)
    rows = session.exec(
        select(
            Receipt.receipt_date,
            Receipt.number,
            Receipt.amount,
            Receipt.credit_unit_id,
            Receipt.method,
        )
        .where(Receipt.voided_at.is_(None))
        .order_by(Receipt.receipt_date, Receipt.id)
        .execution_options(yield_per=50_000)
    )
    count = 0
    with path.open("w", encoding="utf-8") as out:
        for day, number, amount, unit_id, method in rows:
            account = names[unit_id]
            out.write(
                f"{day:%Y/%m/%d} * Phieu thu {number}\n"
                f"    Assets:{'Cash' if method == 'cash' else 'Bank'}:{account}    {amount} VND\n"
                f"    Income:Donations:{account}\n\n"
            )
            count += 1
    return count


def _account_paths(session: Session) -> dict[int, str]:
    units = session.exec(select(Unit.id, Unit.code, Unit.parent_id)).all()
    by_id = {u: (code, parent) for u, code, parent in units}

    def path(unit_id):
        parts = []
        while unit_id is not None:
            code, parent = by_id[unit_id]
            parts.append(code)
            unit_id = parent
        return ":".join(reversed(parts))

    return {u: path(u) for u in by_id}
