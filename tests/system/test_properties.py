"""Property tests: the ledger against an independent model, and hostile form input."""

import itertools
from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import func, select

from ledger.engine import get_engine, new_session
from ledger.errors import (
    BalanceWouldGoNegative,
    DifferenceNeedsReviewer,
    InsufficientFunds,
    LedgerError,
    PeriodLocked,
    VoidInLockedPeriod,
    VoidWouldOverdraw,
)
from ledger.models import Account, Posting, Receipt
from ledger.services.check import check_books
from ledger.services.disbursements import (
    DisbursementInput,
    approve_disbursement,
    draft_disbursement,
    pay_disbursement,
    void_disbursement,
)
from ledger.services.locks import lock_period
from ledger.services.receipts import ReceiptInput, record_receipt, void_receipt
from ledger.services.transfers import receive_transfer, send_transfer
from ledger.services.units import create_unit, find_unit
from ledger.services.users import create_user

START = date(2018, 1, 1)
ASSETS = ("cash", "bank")
#: the default ``transfer_difference_max``: a larger shortfall needs a reviewer above
DIFFERENCE_MAX = 50_000
_codes = itertools.count()
#: how often each rule succeeded or was refused (and with what), printed by the test
OUTCOMES: dict[str, int] = {}


class Money:
    """The independent model: each fund's cash and bank as dated amounts, and its lock."""

    def __init__(self, funds):
        self.days = {(f, k): {} for f in funds for k in ASSETS}
        self.locks = dict.fromkeys(funds)

    def total(self, fund, kind):
        return sum(self.days[(fund, kind)].values())

    def covered(self, changes) -> bool:
        """Whether ``changes`` ({(fund, kind): {date: amount}}) leave every day ≥ 0."""
        for key, moves in changes.items():
            days = dict(self.days[key])
            for day, amount in moves.items():
                days[day] = days.get(day, 0) + amount
            running = 0
            for day in sorted(days):
                running += days[day]
                if running < 0:
                    return False
        return True

    def apply(self, changes) -> None:
        for key, moves in changes.items():
            for day, amount in moves.items():
                self.days[key][day] = self.days[key].get(day, 0) + amount
                if not self.days[key][day]:
                    del self.days[key][day]

    def locked(self, fund, day) -> bool:
        return self.locks[fund] is not None and day <= self.locks[fund]


def machine_for(db_url):
    """A state machine whose every run gets a fresh district fund with one commune fund."""

    class LedgerMachine(RuleBasedStateMachine):
        def __init__(self):
            super().__init__()
            self.session = new_session(get_engine(db_url), write=True)
            number = next(_codes)
            city = find_unit(self.session, "HN")
            self.district = create_unit(
                self.session,
                code=f"SMD-{number}",
                name=f"Huyện Máy {number}",
                level="district",
                parent_id=city.id,
                valid_from=START,
            ).id
            self.fund = create_unit(
                self.session,
                code=f"SM-{number}",
                name=f"Xã Máy {number}",
                level="commune",
                parent_id=self.district,
                valid_from=START,
            ).id
            self.reviewer = create_user(
                self.session,
                username=f"sm.reviewer.{number}",
                password="x" * 12,
                role="reviewer",
                unit_id=city.id,
            )
            self.money = Money((self.fund, self.district))
            self.receipts: list[tuple[int, int, str, int, date]] = []
            self.payouts: list[tuple[int, str, int, date]] = []
            self.pending: list[tuple[int, str, int]] = []
            self.day = START

        def _next_day(self, step):
            self.day = min(self.day + timedelta(days=step), date(2018, 12, 31))
            return self.day

        def _back(self, back):
            return max(self.day - timedelta(days=back), START)

        def _attempt(self, action, expected):
            """Run ``action`` in a savepoint: it succeeds when ``expected`` is None, otherwise
            it raises that refusal and leaves nothing behind."""
            savepoint = self.session.begin_nested()
            try:
                result = action()
            except LedgerError as error:
                savepoint.rollback()
                assert expected is not None and isinstance(error, expected), repr(error)
                OUTCOMES[type(error).__name__] = OUTCOMES.get(type(error).__name__, 0) + 1
                return None
            savepoint.commit()
            OUTCOMES["done"] = OUTCOMES.get("done", 0) + 1
            assert expected is None, f"{expected.__name__} expected"
            return result

        @initialize(cash=st.integers(1, 5_000_000), bank=st.integers(1, 5_000_000))
        def opening_receipts(self, cash, bank):
            self.receive(cash, "cash", False, 0)
            self.receive(bank, "bank", False, 1)
            self.send(50, False, "cash", 0)  # one remittance in transit from the start

        @rule(
            amount=st.integers(1, 5_000_000),
            method=st.sampled_from(ASSETS),
            district=st.booleans(),
            step=st.integers(0, 10),
        )
        def receive(self, amount, method, district, step):
            fund, on = (self.district if district else self.fund), self._next_day(step)
            receipt = self._attempt(
                lambda: record_receipt(
                    self.session,
                    unit_id=fund,
                    data=ReceiptInput(receipt_date=on, amount=amount, method=method),
                ),
                PeriodLocked if self.money.locked(fund, on) else None,
            )
            if receipt is not None:
                self.money.apply({(fund, method): {on: amount}})
                self.receipts.append((receipt.id, fund, method, amount, on))

        @precondition(lambda self: self.receipts)
        @rule(index=st.integers(0, 10_000), step=st.integers(0, 5))
        def void(self, index, step):
            receipt_id, fund, method, amount, on = self.receipts[index % len(self.receipts)]
            change = {(fund, method): {on: -amount}}
            expected = (
                VoidInLockedPeriod
                if self.money.locked(fund, on)
                else None
                if self.money.covered(change)
                else VoidWouldOverdraw
            )
            done = self._attempt(
                lambda: void_receipt(
                    self.session, receipt_id=receipt_id, reason="hủy thử", on=self._next_day(step)
                ),
                expected,
            )
            if done is not None:
                self.money.apply(change)
                self.receipts.remove((receipt_id, fund, method, amount, on))

        @precondition(
            lambda self: self.money.total(self.fund, "cash") or self.money.total(self.fund, "bank")
        )
        @rule(share=st.integers(1, 120), method=st.sampled_from(ASSETS), back=st.integers(0, 12))
        def pay(self, share, method, back):
            """Pay ``share`` % of what the account holds (over 100: more than it holds)."""
            on = self._back(back)
            amount = max(1, self.money.total(self.fund, method) * share // 100)
            change = {(self.fund, method): {on: -amount}}
            expected = (
                InsufficientFunds
                if amount > self.money.total(self.fund, method)
                else PeriodLocked
                if self.money.locked(self.fund, on)
                else None
                if self.money.covered(change)
                else BalanceWouldGoNegative
            )

            def pay_out():
                item = draft_disbursement(
                    self.session,
                    unit_id=self.fund,
                    data=DisbursementInput(
                        disbursement_date=on,
                        category_id=1,
                        payee_name="Gia đình",
                        amount=amount,
                        method=method,
                    ),
                )
                approve_disbursement(
                    self.session,
                    disbursement_id=item.id,
                    user_id=self.reviewer.id,
                    role="reviewer",
                    user_unit_id=self.reviewer.unit_id,
                )
                return pay_disbursement(self.session, disbursement_id=item.id, on=on)

            item = self._attempt(pay_out, expected)
            if item is not None:
                self.money.apply(change)
                self.payouts.append((item.id, method, amount, on))

        @precondition(lambda self: self.payouts)
        @rule(index=st.integers(0, 10_000))
        def void_payout(self, index):
            item_id, method, amount, on = self.payouts[index % len(self.payouts)]
            done = self._attempt(
                lambda: void_disbursement(
                    self.session, disbursement_id=item_id, reason="trả lại", on=self.day
                ),
                VoidInLockedPeriod if self.money.locked(self.fund, on) else None,
            )
            if done is not None:
                self.money.apply({(self.fund, method): {on: amount}})
                self.payouts.remove((item_id, method, amount, on))

        @precondition(
            lambda self: self.money.total(self.fund, "cash") or self.money.total(self.fund, "bank")
        )
        @rule(
            share=st.integers(1, 120),
            internal=st.booleans(),
            method=st.sampled_from(ASSETS),
            back=st.integers(0, 8),
        )
        def send(self, share, internal, method, back):
            on = self._back(back)
            source = "cash" if internal else method
            amount = max(1, self.money.total(self.fund, source) * share // 100)
            change = {(self.fund, source): {on: -amount}}
            if internal:
                change[(self.fund, "bank")] = {on: amount}
            expected = (
                InsufficientFunds
                if amount > self.money.total(self.fund, source)
                else PeriodLocked
                if self.money.locked(self.fund, on)
                else None
                if self.money.covered(change)
                else BalanceWouldGoNegative
            )
            transfer = self._attempt(
                lambda: send_transfer(
                    self.session,
                    from_unit_id=self.fund,
                    to_unit_id=self.fund if internal else self.district,
                    amount=amount,
                    on=on,
                    from_method=source,
                    to_method="bank" if internal else method,
                ),
                expected,
            )
            if transfer is not None:
                self.money.apply(change)
                if not internal:
                    self.pending.append((transfer.id, method, amount))

        @precondition(lambda self: self.pending)
        @rule(
            index=st.integers(0, 10_000),
            short=st.sampled_from([0, 0, 10_000, 60_000]),
            step=st.integers(0, 5),
        )
        def confirm(self, index, short, step):
            transfer_id, method, amount = self.pending[index % len(self.pending)]
            received, on = max(amount - short, 1), self._next_day(step)
            expected = (
                DifferenceNeedsReviewer
                if amount - received > DIFFERENCE_MAX
                else PeriodLocked
                if self.money.locked(self.district, on) or self.money.locked(self.fund, on)
                else None
            )
            done = self._attempt(
                lambda: receive_transfer(
                    self.session,
                    transfer_id=transfer_id,
                    amount=received,
                    on=on,
                    reason="phí ngân hàng",
                ),
                expected,
            )
            if done is not None:
                self.money.apply({(self.district, method): {on: received}})
                self.pending.remove((transfer_id, method, amount))

        @rule(district=st.booleans(), step=st.integers(0, 20))
        def lock_books(self, district, step):
            fund, through = (self.district if district else self.fund), self._next_day(step)
            if self.money.locks[fund] is not None and through < self.money.locks[fund]:
                return
            lock_period(self.session, unit_id=fund, through=through, user_id=None)
            self.money.locks[fund] = through
            self.day = max(self.day, through + timedelta(days=1))

        @precondition(lambda self: self.money.locks[self.fund] is not None)
        @rule(back=st.integers(0, 30))
        def post_in_locked_period(self, back):
            self._attempt(
                lambda: record_receipt(
                    self.session,
                    unit_id=self.fund,
                    data=ReceiptInput(
                        receipt_date=max(self.money.locks[self.fund] - timedelta(days=back), START),
                        amount=1_000,
                    ),
                ),
                PeriodLocked,
            )

        @invariant()
        def books_agree_with_the_model(self):
            for fund in (self.fund, self.district):
                for kind in ASSETS:
                    account, stored = self.session.exec(
                        select(Account.id, Account.balance).where(
                            Account.unit_id == fund, Account.kind == kind
                        )
                    ).one()
                    daily = {
                        d: int(a)
                        for d, a in self.session.exec(
                            select(Posting.entry_date, func.sum(Posting.amount))
                            .where(Posting.account_id == account)
                            .group_by(Posting.entry_date)
                        ).all()
                        if a
                    }
                    assert daily == self.money.days[(fund, kind)]
                    assert stored == self.money.total(fund, kind) >= 0
                    assert self.money.covered({(fund, kind): {}})
            assert check_books(self.session, unit_ids={self.fund, self.district}) == []

        def teardown(self):
            self.session.rollback()
            self.session.close()

    return LedgerMachine


def test_ledger_state_machine(db_url):
    examples = 25
    run_state_machine_as_test(
        machine_for(db_url),
        settings=settings(
            max_examples=examples,
            stateful_step_count=25,
            deadline=None,
            suppress_health_check=list(HealthCheck),
        ),
    )
    print(
        f"ledger state machine: {examples} runs × up to 25 steps of receipts, voids, payouts "
        f"and their voids, transfers (received short too), locks: all invariants held; "
        f"outcomes {dict(sorted(OUTCOMES.items()))}"
    )


HOSTILE_TEXT = st.one_of(
    st.text(max_size=60),
    st.just("Nguye\u0302\u0303n Va\u0306n A"),
    st.just("Nguyễn\u200b Văn\u200d A"),
    st.just("\x00\x07\x1b[31m"),
    st.just("x" * 10_000),
    st.just('=HYPERLINK("http://x")'),
    st.just(""),
    st.just("ＡＢＣ"),
)
HOSTILE_AMOUNT = st.one_of(
    st.sampled_from(
        [
            "1.000.000",
            "1e9",
            "-0",
            str(2**63),
            "",
            "0",
            "10,5",
            "1.000.000.000.001",
            "١٢٣",
            "１２３",
            "NaN",
            " 5 ",
            "5đ",
            "10.000.000 VND",
            "9" * 40,
        ]
    ),
    st.text(max_size=20),
    st.integers(-(10**15), 10**15).map(str),
)


@pytest.fixture
def signed_in_treasurer(client, make_user, login, unit):
    make_user("thuquy.a", "treasurer", "TT-CHUONGDUONG")
    login("thuquy.a")
    return unit("TT-CHUONGDUONG")


def test_hostile_form_values_never_break_the_server_or_the_data(
    client, signed_in_treasurer, session
):
    from tests.conftest import form_tokens

    tokens = form_tokens(client.get("/receipts/new").text)
    seen = {"examples": 0, "stored": 0}

    @settings(max_examples=80, deadline=None, suppress_health_check=list(HealthCheck))
    @st.composite
    def forms(draw):
        return {
            "receipt_date": draw(st.sampled_from(["15/05/2018"] * 3 + ["31/02/2018", "x"])),
            "amount": draw(st.one_of(HOSTILE_AMOUNT, st.integers(1, 10**12).map(str))),
            "payer_name": draw(HOSTILE_TEXT),
            "payer_address": draw(HOSTILE_TEXT),
            "reason": draw(HOSTILE_TEXT),
            "note": draw(HOSTILE_TEXT),
            "method": draw(st.sampled_from(["cash"] * 4 + ["x", ""])),
            "source": "donation",
            "donor_kind": "individual",
            "anonymous": "y",
            "credit_unit_id": draw(
                st.sampled_from([str(signed_in_treasurer.id)] * 4 + ["-1", "x"])
            ),
            "attachments": draw(st.sampled_from(["0"] * 4 + ["-3", "1e3", "99999999999"])),
        }

    from hypothesis import given

    @given(forms())
    @settings(max_examples=80, deadline=None, suppress_health_check=list(HealthCheck))
    def check(form):
        import uuid

        response = client.post(
            "/receipts/new", data={**tokens, "idempotency_key": uuid.uuid4().hex, **form}
        )
        seen["examples"] += 1
        assert response.status_code < 500, form
        seen["stored"] += response.status_code == 302

    check()
    session.rollback()
    amounts = session.exec(select(Receipt.amount)).scalars().all()
    print(
        f"hostile forms: {seen['examples']} hypothesis examples, 0 server errors, "
        f"{len(amounts)} stored, every amount in [1, 10^12]"
    )
    assert all(isinstance(a, int) and 1 <= a <= 10**12 for a in amounts)
    assert session.exec(select(func.count(Receipt.id))).scalar_one() == seen["stored"]
