"""Scope matrix: every route × every role × another unit's objects with canaries: 0 leaks.

Every endpoint of ``app.url_map`` must be listed in ROUTES; a new route that is not fails here.
"""

from datetime import date
from hashlib import sha256

import pytest
from sqlalchemy import func, select

from ledger.models import (
    ApiToken,
    Attachment,
    AuditEvent,
    BankReconciliation,
    CashCount,
    Disbursement,
    Entry,
    FiledReport,
    Job,
    MobilisationNorm,
    NormCount,
    OutboxMessage,
    PeriodLock,
    Pledge,
    PledgeSettlement,
    Receipt,
    StatementLine,
    Transfer,
    User,
)
from ledger.services.batches import BatchHeader, BatchLine, post_batch
from ledger.services.beneficiaries import BeneficiaryInput, create_beneficiary
from ledger.services.campaigns import create_campaign, set_report_period
from ledger.services.cash_counts import CountInput, record_count
from ledger.services.disbursements import DisbursementInput, draft_disbursement
from ledger.services.donors import create_donor
from ledger.services.jobs import start_job
from ledger.services.pledges import PledgeInput, create_pledge
from ledger.services.receipts import ReceiptInput, record_receipt
from ledger.services.tokens import issue_token
from ledger.services.transfers import send_transfer
from ledger.services.units import find_unit
from ledger.services.users import create_user
from tests.conftest import PASSWORD, form_tokens

#: endpoint → (method, query string template); {unit}, {receipt}, {user} are another unit's
ROUTES = {
    "static": ("GET", ""),
    "auth.login": ("GET", ""),
    "auth.logout": ("POST", ""),
    "main.home": ("GET", ""),
    "main.set_language": ("GET", ""),
    "receipts.index": ("GET", "?unit={unit}"),
    "receipts.new": ("POST", "?unit={unit}"),
    "receipts.show": ("GET", ""),
    "receipts.voucher_pdf": ("GET", ""),
    "receipts.void": ("POST", ""),
    "receipts.correct": ("POST", ""),
    "receipts.reissue": ("POST", ""),
    "receipts.donors": ("GET", "?q=CANARY"),
    "receipts.words": ("GET", "?amount=1.050.000&date=15/05/2018"),
    "batches.index": ("GET", "?unit={unit}"),
    "batches.new": ("POST", "?unit={unit}"),
    "batches.show": ("GET", ""),
    "batches.print_all": ("GET", ""),
    "books.index": ("GET", ""),
    "books.show": ("GET", ""),
    "books.download": ("GET", ""),
    "books.download_csv": ("GET", ""),
    "books.pdf": ("GET", ""),
    "printing.receipts": ("GET", "?unit={unit}&day=01/06/2018"),
    "printing.disbursements": ("GET", "?unit={unit}&year=2018&from_no=1&to_no=9"),
    "imports.upload": ("POST", "?unit={unit}"),
    "imports.commit": ("POST", "?unit={unit}"),
    "imports.cancel": ("POST", "?unit={unit}"),
    "imports.template": ("GET", "?unit={unit}"),
    "imports.template_csv": ("GET", "?unit={unit}"),
    "admin.users": ("GET", ""),
    "admin.new_user": ("POST", ""),
    "admin.edit_user": ("POST", ""),
    "admin.categories": ("GET", ""),
    "admin.settings": ("POST", ""),
    "beneficiaries.index": ("GET", ""),
    "beneficiaries.new": ("POST", ""),
    "beneficiaries.show": ("GET", ""),
    "beneficiaries.unmask": ("POST", ""),
    "disbursements.index": ("GET", "?unit={unit}"),
    "disbursements.queue": ("GET", ""),
    "disbursements.new": ("POST", "?unit={unit}"),
    "disbursements.show": ("GET", ""),
    "disbursements.approve": ("POST", ""),
    "disbursements.reject": ("POST", ""),
    "disbursements.pay": ("POST", ""),
    "disbursements.void": ("POST", ""),
    "disbursements.edit": ("POST", ""),
    "disbursements.withdraw": ("POST", ""),
    "disbursements.reissue": ("POST", ""),
    "disbursements.voucher_pdf": ("GET", ""),
    "transfers.index": ("GET", ""),
    "transfers.new": ("POST", ""),
    "transfers.receive": ("POST", ""),
    "transfers.show": ("GET", ""),
    "transfers.voucher": ("GET", ""),
    "transfers.voucher_pdf": ("GET", ""),
    "campaigns.show": ("GET", ""),
    "quotas.allocate": ("POST", ""),
    "quotas.import_table": ("POST", ""),
    "norms.show": ("GET", ""),
    "norms.save_norms": ("POST", ""),
    "norms.save_counts": ("POST", ""),
    "norms.import_counts": ("POST", ""),
    "norms.template": ("GET", ""),
    "norms.template_csv": ("GET", ""),
    "reports.period": ("GET", ""),
    "reports.period_xlsx": ("GET", ""),
    "reports.period_csv_file": ("GET", ""),
    "reports.period_pdf": ("GET", ""),
    "reports.workbook": ("GET", ""),
    "reports.workbook_csv": ("GET", ""),
    "reports.workbook_unmasked": ("POST", ""),
    "reports.workbook_unmasked_csv": ("POST", ""),
    "reports.workbook_job": ("POST", ""),
    "jobs.index": ("GET", ""),
    "jobs.show": ("GET", ""),
    "jobs.progress": ("GET", ""),
    "jobs.download": ("GET", ""),
    "jobs.cancel": ("POST", ""),
    "jobs.start_check": ("POST", ""),
    "charts.show": ("GET", ""),
    "reports.index": ("GET", ""),
    "reports.due": ("GET", ""),
    "public.index": ("GET", ""),
    "public.campaign": ("GET", ""),
    "api.campaigns": ("GET", ""),
    "api.progress": ("GET", ""),
    "api.openapi": ("GET", ""),
    "audit.index": ("GET", "?unit={unit}"),
    "audit.download": ("GET", "?unit={unit}"),
    "audit.download_csv": ("GET", "?unit={unit}"),
    "books.lock": ("POST", ""),
    "books.unlock": ("POST", ""),
    "account.tokens": ("GET", ""),
    "account.revoke_token": ("POST", ""),
    "factor.index": ("GET", ""),
    "factor.start": ("POST", ""),
    "factor.confirm": ("POST", ""),
    "factor.disable": ("POST", ""),
    "factor_signin.step": ("GET", ""),
    "admin.reset_second_factor": ("POST", ""),
    "account.mail": ("POST", ""),
    "outbox.index": ("GET", ""),
    "outbox.requeue": ("POST", ""),
    "units.index": ("GET", ""),
    "units.new": ("POST", ""),
    "units.edit": ("POST", ""),
    "units.import_units": ("POST", ""),
    "units.import_commit": ("POST", ""),
    "units.reorganise": ("POST", ""),
    "units.reorganise_commit": ("POST", ""),
    "units.add_voucher_regime": ("POST", ""),
    "setup.index": ("GET", ""),
    "setup.new": ("POST", ""),
    "setup.edit": ("POST", ""),
    "setup.copy": ("POST", ""),
    "setup.periods": ("POST", ""),
    "setup.edit_period": ("POST", ""),
    "setup.delete_period": ("POST", ""),
    "cash_counts.index": ("GET", ""),
    "cash_counts.new": ("POST", ""),
    "cash_counts.show": ("GET", ""),
    "cash_counts.approve": ("POST", ""),
    "cash_counts.reject": ("POST", ""),
    "cash_counts.print_count": ("GET", ""),
    "bank_reconcile.index": ("GET", ""),
    "bank_reconcile.new": ("POST", ""),
    "bank_reconcile.show": ("GET", ""),
    "bank_reconcile.withdraw": ("POST", ""),
    "bank.index": ("GET", ""),
    "bank.account": ("GET", ""),
    "bank.new_account": ("POST", "?unit={unit}"),
    "bank.edit_account": ("POST", ""),
    "bank.make_primary": ("POST", ""),
    "bank.close_account": ("POST", ""),
    "bank.import_statement": ("POST", ""),
    "bank.map_columns": ("POST", ""),
    "bank.confirm_import": ("POST", ""),
    "bank.cancel_import": ("POST", ""),
    "vietqr.public_fund": ("GET", ""),
    "vietqr.public_poster": ("GET", ""),
    "vietqr.public_png": ("GET", ""),
    "gifts.lookup": ("POST", ""),
    "gifts.disclosure": ("GET", ""),
    "gifts.disclosure_xlsx": ("GET", ""),
    "gifts.disclosure_csv_file": ("GET", ""),
    "gifts.honour": ("GET", ""),
    "vietqr.poster": ("GET", ""),
    "vietqr.png": ("GET", ""),
    "vietqr.fund_poster": ("GET", ""),
    "bank_match.lines": ("GET", ""),
    "bank_match.manual": ("POST", ""),
    "bank_match.confirm": ("POST", ""),
    "bank_match.reject": ("POST", ""),
    "bank_match.auto": ("POST", ""),
    "bank_match.undo": ("POST", ""),
    "bank_match.receipt": ("POST", ""),
    "bank_match.qr_receipt": ("POST", ""),
    "bank_match.fee": ("POST", ""),
    "bank_match.payout": ("POST", ""),
    "donors.index": ("GET", "?unit={unit}"),
    "donors.duplicates": ("GET", "?unit={unit}"),
    "donors.new": ("GET", ""),
    "donors.show": ("GET", ""),
    "donors.edit": ("POST", ""),
    "donors.merge": ("POST", ""),
    "goods.show": ("GET", ""),
    "recognition.gift_thank_you": ("GET", ""),
    "recognition.gift_certificate": ("GET", ""),
    "recognition.donor_thank_you": ("GET", "?year=2018"),
    "pledges.index": ("GET", "?unit={unit}"),
    "pledges.new": ("POST", "?unit={unit}"),
    "pledges.show": ("GET", ""),
    "pledges.settle": ("POST", ""),
    "pledges.cancel": ("POST", ""),
    "pledges.receipt": ("POST", ""),
    "pledges.overdue": ("GET", "?unit={unit}"),
    "pledges.reminder": ("GET", ""),
    "filings.index": ("GET", "?unit={unit}"),
    "filings.new": ("POST", ""),
    "filings.show": ("GET", ""),
    "filings.docx": ("GET", ""),
    "filings.pdf": ("GET", ""),
    "filings.return_": ("POST", ""),
    "filings.period": ("GET", ""),
    "filings.period_xlsx": ("GET", ""),
    "filings.period_csv": ("GET", ""),
    "evidence.upload": ("POST", ""),
    "evidence.download": ("GET", ""),
    "evidence.remove": ("POST", ""),
}
#: a fund's pages for donors (issue #17): look-up, yearly disclosure, honour roll
GIFT_PAGES = {
    "gifts.lookup",
    "gifts.disclosure",
    "gifts.disclosure_xlsx",
    "gifts.disclosure_csv_file",
    "gifts.honour",
}
PUBLIC = {
    "static",
    "auth.login",
    "main.set_language",
    "auth.logout",
    "public.index",
    "public.campaign",
    "api.openapi",
    "vietqr.public_fund",
    "vietqr.public_poster",
    "vietqr.public_png",
    *GIFT_PAGES,
}
#: public by design: they show a campaign's figures, never a canary (asserted all the same)
OPEN_DATA = {
    "public.campaign",
    "vietqr.public_fund",
    "vietqr.public_poster",
    "vietqr.public_png",
    *GIFT_PAGES,
}
#: role → (username, unit code, units whose canaries it must never see)
ROLES = {
    "treasurer A": ("thuquy.a", "treasurer", "TT-CHUONGDUONG", ["TT-DUNGTIEN", "PX-PHUCTIEN"]),
    "treasurer B": ("thuquy.b", "treasurer", "TT-DUNGTIEN", ["TT-CHUONGDUONG", "PX-PHUCTIEN"]),
    "reviewer D1": ("duyet.tt", "reviewer", "TT", ["PX-PHUCTIEN"]),
    "reviewer D2": ("duyet.px", "reviewer", "PX", ["TT-CHUONGDUONG", "TT-DUNGTIEN"]),
    "auditor D1": ("kiemtoan.tt", "auditor", "TT", ["PX-PHUCTIEN"]),
    "admin D2": ("quantri.px", "admin", "PX", ["TT-CHUONGDUONG", "TT-DUNGTIEN"]),
    "unmasker A": ("xem.a", "treasurer", "TT-CHUONGDUONG", ["TT-DUNGTIEN", "PX-PHUCTIEN"]),
    "anonymous": (None, None, None, ["TT-CHUONGDUONG", "TT-DUNGTIEN", "PX-PHUCTIEN"]),
}


@pytest.fixture
def planted(session, two_districts):
    """In each of three communes: a donor, a receipt and a user, all named with a canary."""
    objects = {}
    for code in ("TT-CHUONGDUONG", "TT-DUNGTIEN", "PX-PHUCTIEN"):
        unit = find_unit(session, code)
        canary = f"CANARY-{code}"
        donor = create_donor(session, unit_id=unit.id, name=canary, address=canary)
        receipt = record_receipt(
            session,
            unit_id=unit.id,
            data=ReceiptInput(
                receipt_date=date(2018, 6, 1),
                amount=1_234_000,
                donor_id=donor.id,
                reason=canary,
                note=canary,
            ),
        )
        user = create_user(
            session,
            username=f"u.{code.lower()}",
            password=PASSWORD,
            role="treasurer",
            unit_id=unit.id,
            full_name=canary,
        )
        child = create_beneficiary(
            session,
            unit_id=unit.id,
            data=BeneficiaryInput(
                full_name=canary, birth_date=date(2011, 2, 3), sex="female", guardian_name=canary
            ),
        )
        payout = draft_disbursement(
            session,
            unit_id=unit.id,
            data=DisbursementInput(
                disbursement_date=date(2018, 6, 2),
                category_id=1,
                payee_name=canary,
                amount=100_000,
                beneficiary_id=child.id,
                reason=canary,
            ),
        )
        approved = draft_disbursement(
            session,
            unit_id=unit.id,
            data=DisbursementInput(
                disbursement_date=date(2018, 6, 2),
                category_id=1,
                payee_name=canary,
                amount=50_000,
                reason=canary,
            ),
        )
        approved.status = "approved"
        transfer = send_transfer(
            session,
            from_unit_id=unit.id,
            to_unit_id=unit.parent_id,
            amount=10_000,
            on=date(2018, 6, 3),
            from_method="cash",
            memo=canary,
        )
        deposit = send_transfer(  # a cash ↔ bank move: the one kind with a voucher of its own
            session,
            from_unit_id=unit.id,
            to_unit_id=unit.id,
            amount=10_000,
            on=date(2018, 6, 3),
            from_method="cash",
            to_method="bank",
            memo=canary,
        )
        counted = record_count(  # pending: 500.000 đ counted against the book, a canary reason
            session,
            unit_id=unit.id,
            data=CountInput(
                count_date=date(2018, 6, 30),
                quantities={500_000: 1},
                treasurer_name=canary,
                witness_name=canary,
                reason=canary,
            ),
            user_id=None,
        )
        campaign = create_campaign(session, unit_id=unit.id, year=2018, target=5_000_000)
        period = set_report_period(
            session,
            campaign_id=campaign.id,
            code="h1",
            name="6 tháng",
            cutoff=date(2018, 4, 30),
            due=date(2018, 5, 15),
        )
        job = start_job(
            session,
            kind="workbook",
            user_id=user.id,
            unit_id=unit.id,
            params={"campaign_id": campaign.id, "as_of": "2018-12-31", "unmasked": False},
            title=canary,
            file_name=f"{canary}.xlsx",
        )
        bank = _plant_bank(session, code, deposit, canary)
        batch = post_batch(
            session,
            unit_id=unit.id,
            header=BatchHeader(
                name=canary, receipt_date=date(2018, 6, 1), expected_count=1, expected_total=20_000
            ),
            lines=[BatchLine(payer_name=canary, amount="20.000", address=canary, reason=canary)],
        )
        pledge = create_pledge(
            session,
            unit_id=unit.id,
            data=PledgeInput(donor.id, 2_000_000, date(2018, 5, 1), date(2018, 6, 1), note=canary),
        )
        message = OutboxMessage(  # a failed e-mail to the commune's user, named with the canary
            dedupe_key=f"test:{canary}",
            purpose="test",
            user_id=user.id,
            to_address="canary@example.vn",
            to_name=canary,
            subject=canary,
            body_text=canary,
            status="failed",
            last_error=canary,
        )
        session.add(message)
        session.flush()
        objects[code] = {
            **bank,
            "message": message.id,
            "unit": unit.id,
            "receipt": receipt.id,
            "donor": donor.id,
            "batch": batch.id,
            "user": user.id,
            "campaign": campaign.id,
            "period": period.id,
            "beneficiary": child.id,
            "disbursement": payout.id,
            "approved": approved.id,
            "transfer": transfer.id,
            "deposit": deposit.id,
            "job": job.id,
            "count": counted.id,
            "pledge": pledge.id,
            "filing": _plant_filing(session, unit, period, user, canary),
            "token": session.exec(
                select(ApiToken.id).where(
                    ApiToken.token_hash
                    == sha256(
                        issue_token(session, user_id=user.id, name=canary).encode()
                    ).hexdigest()
                )
            ).scalar_one(),
            **_plant_reconciliation(session, bank["account"], canary),
            "attachment": _plant_attachment(session, receipt, user, canary),
        }
    for username, role, code, _ in ROLES.values():
        if username:
            create_user(
                session,
                username=username,
                password=PASSWORD,
                role=role,
                unit_id=find_unit(session, code).id,
                can_unmask=username == "xem.a",
            )
    session.commit()
    return objects


def _plant_filing(session, unit, period, user, canary) -> int:
    """A filed report of the commune (issue #18) whose texts and documents carry the canary."""
    filing = FiledReport(
        unit_id=unit.id,
        period_id=period.id,
        to_unit_id=unit.parent_id,
        number=f"1/BC-{unit.id}",
        number_year=2018,
        place=canary,
        recipient=canary,
        difficulties=canary,
        signer_title=canary,
        signer_name=canary,
        filed_on=date(2018, 5, 10),
        filed_by_id=user.id,
        locked_through=date(2018, 4, 30),
        docx=canary.encode(),
        pdf=canary.encode(),
        docx_sha256="0" * 64,
        pdf_sha256="0" * 64,
    )
    session.add(filing)
    session.flush()
    return filing.id


def _plant_reconciliation(session, account_id, canary) -> dict:
    """A saved reconciliation of the fund's bank account, named with the canary."""
    saved = BankReconciliation(
        bank_account_id=account_id,
        period_from=date(2018, 6, 1),
        period_to=date(2018, 6, 30),
        bank_opening=0,
        bank_credits=0,
        bank_debits=0,
        bank_closing=0,
        books_closing=0,
        in_bank_only=0,
        in_books_only=0,
        difference=0,
        note=canary,
    )
    session.add(saved)
    session.flush()
    return {"reconciliation": saved.id}


def _plant_attachment(session, receipt, user, canary) -> int:
    """An evidence file on the commune's receipt, its name the canary (the row alone: a
    download out of scope must be refused before the store is read)."""
    row = Attachment(
        owner_kind="receipt",
        owner_id=receipt.id,
        unit_id=receipt.unit_id,
        sha256="0" * 64,
        size=10,
        media_type="image/jpeg",
        file_name=f"{canary}.jpg",
        uploaded_by_id=user.id,
    )
    session.add(row)
    session.flush()
    return row.id


def _plant_bank(session, code, deposit, canary) -> dict:
    """A bank account of the commune, a statement line naming the canary, matched to the
    deposit (issue #16)."""
    from ledger.services.bank_matching import confirm_match
    from tests.bankworld import make_account, make_lines

    account = make_account(session, code)
    statement = make_lines(session, account, [(date(2018, 6, 3), 10_000, canary)])
    line = session.exec(
        select(StatementLine).where(StatementLine.statement_id == statement.id)
    ).scalar_one()
    match = confirm_match(
        session, account=account, line_ids=[line.id], entry_ids=[deposit.sent_entry_id]
    )
    return {"account": account.id, "line": line.id, "match": match.id}


def test_every_route_is_in_the_matrix(app):
    assert {rule.endpoint for rule in app.url_map.iter_rules()} == set(ROUTES)


def _url(app, endpoint, target):
    rule = next(r for r in app.url_map.iter_rules() if r.endpoint == endpoint)
    values = {
        "receipt_id": target["receipt"],
        "donor_id": target["donor"],
        "batch_id": target["batch"],
        "unit_id": target["unit"],
        "user_id": target["user"],
        "kind": "cash",
        "code": "vi",
        "year": 2018,
        "filename": "style.css",
        "beneficiary_id": target["beneficiary"],
        "transfer_id": target["deposit"]
        if endpoint.startswith("transfers.voucher")
        else target["transfer"],
        "campaign_id": target["campaign"],
        "period_id": target["period"],
        "name": "progress",
        "token_id": target["token"],
        "job_id": target["job"],
        "count_id": target["count"],
        "reconciliation_id": target["reconciliation"],
        "account_id": target["account"],
        "line_id": target["line"],
        "match_id": target["match"],
        "pledge_id": target["pledge"],
        "filing_id": target["filing"],
        "message_id": target["message"],
        "owner_kind": "receipt",
        "owner_id": target["receipt"],
        "attachment_id": target["attachment"],
        "disbursement_id": target["approved"]
        if endpoint.endswith(("pay", "voucher_pdf"))
        else target["disbursement"],
    }
    with app.test_request_context():
        from flask import url_for

        path = url_for(endpoint, **{k: values[k] for k in rule.arguments})
    return path + ROUTES[endpoint][1].format(**target)


def _writes(session):
    session.rollback()
    return (
        tuple(
            session.exec(select(func.count()).select_from(m)).scalar_one()
            for m in (
                Receipt,
                Entry,
                User,
                AuditEvent,
                Disbursement,
                Transfer,
                PeriodLock,
                BankReconciliation,
                MobilisationNorm,
                NormCount,
                Pledge,
                PledgeSettlement,
                FiledReport,
                Attachment,
            )
        )
        + tuple(session.exec(select(Attachment.removed_at).order_by(Attachment.id)).scalars().all())
        + tuple(session.exec(select(CashCount.status).order_by(CashCount.id)).scalars().all())
        + tuple(session.exec(select(Disbursement.status).order_by(Disbursement.id)).scalars().all())
        + tuple(session.exec(select(Pledge.cancel_reason).order_by(Pledge.id)).scalars().all())
        + tuple(session.exec(select(FiledReport.status).order_by(FiledReport.id)).scalars().all())
        + tuple(
            session.exec(select(OutboxMessage.status).order_by(OutboxMessage.id)).scalars().all()
        )
        + (session.exec(select(func.count()).where(ApiToken.revoked_at.is_not(None))).scalar_one(),)
        # the planted jobs (another unit's): none cancelled
        + tuple(session.exec(select(Job.status).where(Job.title.like("CANARY%"))).scalars().all())
    )


@pytest.mark.parametrize("role", ROLES)
def test_no_role_sees_or_changes_another_units_objects(app, client, planted, session, login, role):
    username, _, _, foreign = ROLES[role]
    if username:
        login(username)
    checked = leaks = 0
    for code in foreign:
        target, canary = planted[code], f"CANARY-{code}"
        for endpoint, (method, query) in ROUTES.items():
            if endpoint == "auth.logout":
                continue
            url = _url(app, endpoint, target)
            before = _writes(session)
            response = (
                client.get(url)
                if method == "GET"
                else client.post(url, data={**_csrf(client), **_hostile_form(target)})
            )
            checked += 1
            leaked = canary.encode() in response.data or _writes(session) != before
            names_object = _has_object(app, endpoint) or "{" in query
            if (
                method == "GET"
                and names_object
                and response.status_code not in (302, 401, 403, 404)
            ):
                leaked = True
            if leaked:
                leaks += 1
                print(f"LEAK {role} {method} {url} -> {response.status_code}")
            if not username and endpoint not in PUBLIC:
                assert (
                    response.status_code == 302 and "/auth/login" in response.headers["Location"]
                ) or (endpoint.startswith("api.") and response.status_code == 401), url
    print(f"scope matrix: role '{role}': {checked} route checks, {leaks} leaks")
    assert leaks == 0


def _hostile_form(target):
    """A plausible submission aimed at another unit's objects."""
    return {
        "reason": "x",
        "amount": "1.000",
        "receipt_date": "01/06/2018",
        "payer_name": "x",
        "role": "admin",
        "unit_id": str(target["unit"]),
        "credit_unit_id": str(target["unit"]),
        "username": "hacker",
        "password": "x" * 12,
        "method": "cash",
        "source": "donation",
        "donor_kind": "individual",
        "token": "0" * 64 + ".csv",
        "comment": "ok",
        "paid_on": "05/06/2018",
        "received_on": "05/06/2018",
        "to_unit_id": str(target["unit"]),
        "full_name": "x",
        "birth_date": "01/01/2012",
        "sex": "male",
        "consent_by": "x",
        "consent_on": "01/01/2018",
        "category_id": "1",
        "payee_name": "x",
        "beneficiary_id": "0",
        "from_method": "cash",
        "to_method": "bank",
        "through": "31/12/2018",
        "corrected_on": "05/06/2018",
        "correction_reason": "x",
        "name": "x",
        "expected_count": "1",
        "expected_total": "1.000",
        "step": "post",
        "row_name": "x",
        "row_amount": "1.000",
    }


def _has_object(app, endpoint):
    rule = next(r for r in app.url_map.iter_rules() if r.endpoint == endpoint)
    return endpoint not in OPEN_DATA and bool(
        rule.arguments
        & {
            "receipt_id",
            "batch_id",
            "unit_id",
            "user_id",
            "beneficiary_id",
            "disbursement_id",
            "transfer_id",
            "campaign_id",
            "period_id",
            "token_id",
            "job_id",
            "account_id",
            "reconciliation_id",
            "line_id",
            "match_id",
            "pledge_id",
            "filing_id",
            "message_id",
        }
    )


def _csrf(client):
    """A valid CSRF token of this client's session (so scope, not CSRF, is what refuses)."""
    return {"csrf_token": form_tokens(client.get("/auth/login").text).get("csrf_token", "")}
