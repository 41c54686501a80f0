"""Vocabularies: each StrEnum is exactly what its CHECK constraint allows, and reads in English."""

import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from sqlalchemy import CheckConstraint, create_engine, inspect
from sqlmodel import SQLModel

import ledger.models  # noqa: F401  (registers every table)
from ledger import vocab
from ledger.i18n import vocab_label
from ledger.vocab import (
    DISBURSE_METHODS,
    PAY_METHODS,
    AccountType,
    CashCountStatus,
    DisbursementStatus,
    DonorKind,
    FilingStatus,
    Grain,
    JobKind,
    JobStatus,
    Language,
    MailStatus,
    MatchKind,
    Method,
    PayerKind,
    Role,
    Sex,
    Source,
    TransferStatus,
    UnitLevel,
    UnitType,
    VoucherKind,
)

PO = Path(__file__).resolve().parents[1] / "ledger/translations/en/LC_MESSAGES/messages.po"

#: (table, column) → the members its CHECK constraint must list, in order
CONSTRAINED = {
    ("account", "type"): tuple(AccountType),
    ("bankmatch", "kind"): tuple(MatchKind),
    ("beneficiary", "sex"): tuple(Sex),
    ("cashcount", "status"): tuple(CashCountStatus),
    ("disbursement", "method"): DISBURSE_METHODS,
    ("disbursement", "status"): tuple(DisbursementStatus),
    ("donor", "kind"): tuple(DonorKind),
    ("job", "kind"): tuple(JobKind),
    ("filedreport", "status"): tuple(FilingStatus),
    ("job", "status"): tuple(JobStatus),
    ("mobilisationnorm", "payer_kind"): tuple(PayerKind),
    ("normcount", "payer_kind"): tuple(PayerKind),
    ("outboxmessage", "language"): tuple(Language),
    ("outboxmessage", "status"): tuple(MailStatus),
    ("receipt", "method"): tuple(Method),
    ("receipt", "source"): tuple(Source),
    ("receiptbatch", "method"): PAY_METHODS,
    ("receiptbatch", "source"): tuple(Source),
    ("rollup", "grain"): tuple(Grain),
    ("rollupspend", "grain"): tuple(Grain),
    ("transfer", "from_method"): PAY_METHODS,
    ("transfer", "status"): tuple(TransferStatus),
    ("transfer", "to_method"): PAY_METHODS,
    ("unit", "level"): tuple(UnitLevel),
    ("unit", "unit_type"): tuple(UnitType),
    ("user", "language"): tuple(Language),
    ("user", "role"): tuple(Role),
    ("vouchercounter", "kind"): tuple(VoucherKind),
}
IN_LIST = re.compile(r"\b(\w+) IN \(([^)]*)\)")


def _model_lists() -> dict[tuple[str, str], list[str]]:
    """Every ``column IN ('a', 'b')`` CHECK of the models, as (table, column) → values."""
    found = {}
    for table in SQLModel.metadata.tables.values():
        for constraint in table.constraints:
            if isinstance(constraint, CheckConstraint):
                for column, listed in IN_LIST.findall(str(constraint.sqltext)):
                    found[(table.name, column)] = re.findall(r"'([^']*)'", listed)
    return found


def test_every_value_list_in_the_models_is_a_vocabulary():
    assert set(_model_lists()) == set(CONSTRAINED)


@pytest.mark.parametrize("key", sorted(CONSTRAINED), ids="{0[0]}.{0[1]}".format)
def test_the_constraint_allows_exactly_the_vocabulary(key):
    assert _model_lists()[key] == [m.value for m in CONSTRAINED[key]]


def test_the_migrated_database_allows_exactly_the_vocabularies(db_url):
    """The constraints the applied migrations created list the same words (both databases)."""
    engine = create_engine(db_url.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.connect() as conn:
        inspector = inspect(conn)
        checks = {
            c["name"]: c["sqltext"]
            for table in {t for t, _ in CONSTRAINED}
            for c in inspector.get_check_constraints(table)
        }
    engine.dispose()
    for (table, column), members in CONSTRAINED.items():
        text = checks[f"ck_{table}_{column}_allowed"]
        assert re.findall(r"'([^']*)'", text) == [m.value for m in members], text


@pytest.mark.parametrize("vocabulary", list(vocab.LABELS), ids=lambda v: v.__name__)
def test_every_member_has_a_label_translated_to_english(vocabulary):
    catalog = read_po(PO.open("rb"))
    labels = vocab.LABELS[vocabulary]
    assert list(labels) == list(vocabulary)
    for member in vocabulary:
        message = catalog.get(vocab.label(member))
        assert message is not None and message.string, (member, labels[member])


def test_the_other_label_sets_are_translated_to_english():
    catalog = read_po(PO.open("rb"))
    for labels in (vocab.ACCOUNT_LABELS, vocab.ASSET_PHRASES):
        for member, msgid in labels.items():
            message = catalog.get(msgid)
            assert message is not None and message.string, (member, msgid)


def test_the_label_filter_translates_a_stored_value(app):
    with app.test_request_context("/"):
        assert vocab_label("paid", DisbursementStatus) == "Đã chi"
        assert vocab_label(Role.TREASURER) == "Thủ quỹ"
        assert vocab_label(None, Source) == ""
    with app.test_request_context("/"):
        from flask import session

        session["lang"] = "en"
        assert vocab_label("paid", DisbursementStatus) == "Paid"
        assert vocab_label("in_kind", Method) == "In kind"


def test_values_are_the_stored_strings():
    assert vocab.values(Method) == ("cash", "bank", "in_kind")
    assert DisbursementStatus.PAID == "paid" and f"{DisbursementStatus.PAID}" == "paid"
    assert set(vocab.UNIT_TYPE_LEVELS) == set(UnitType)


def test_the_migrated_database_names_every_check_constraint_as_the_models_do(db_url):
    """A CHECK the migrations name differently from the models (the naming convention applied
    twice to a name not marked final) is one a later migration cannot find to change."""
    fresh = create_engine("sqlite://")
    SQLModel.metadata.create_all(fresh)
    migrated = create_engine(db_url.replace("postgresql://", "postgresql+psycopg://", 1))
    with fresh.connect() as models, migrated.connect() as conn:
        wanted, have = inspect(models), inspect(conn)
        for table in SQLModel.metadata.tables:
            names = {c["name"] for c in wanted.get_check_constraints(table)}
            assert names <= {c["name"] for c in have.get_check_constraints(table)}, table
    fresh.dispose()
    migrated.dispose()
