"""Money: what treasurers type parses to exact đồng; amounts print and read in Vietnamese."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledger.errors import InvalidAmount
from ledger.money import amount_in_words, format_vnd, number_to_words, parse_amount


@pytest.mark.parametrize(
    "typed, expected",
    [
        ("10.000.000", 10_000_000),
        ("10.000.000 đ", 10_000_000),
        ("10000000", 10_000_000),
        ("10.000.000 VND", 10_000_000),
        ("10,000,000", 10_000_000),
        (" 1.050.000đ ", 1_050_000),
        ("3.000.000.000", 3_000_000_000),
        ("1.000.000.000.000", 10**12),
        ("500", 500),
        ("10.000.000 đồng", 10_000_000),
    ],
)
def test_parses_vietnamese_amounts(typed, expected):
    assert parse_amount(typed) == expected


@pytest.mark.parametrize(
    "typed, reason",
    [
        ("", "empty"),
        ("   ", "empty"),
        ("-5.000", "negative"),
        ("-0", "negative"),
        ("0", "zero"),
        ("10.5", "decimal"),
        ("1000,50", "decimal"),
        ("1e9", "not_a_number"),
        ("abc", "not_a_number"),
        ("1.000.000.000.001", "too_large"),
        (str(2**63), "too_large"),
        ("10.00.000", "not_a_number"),
        ("1.000,000", "not_a_number"),
        ("12 triệu", "not_a_number"),
    ],
)
def test_refuses_bad_amounts_with_a_reason(typed, reason):
    with pytest.raises(InvalidAmount) as caught:
        parse_amount(typed)
    assert caught.value.reason == reason
    assert str(caught.value)


def test_formats_with_dots_and_dong():
    assert format_vnd(10_000_000) == "10.000.000 đ"
    assert format_vnd(-90_000_000) == "-90.000.000 đ"
    assert format_vnd(0) == "0 đ"


@pytest.mark.parametrize(
    "number, words",
    [
        (105, "một trăm linh năm"),
        (1005, "một nghìn không trăm linh năm"),
        (1050, "một nghìn không trăm năm mươi"),
        (1001000, "một triệu không trăm linh một nghìn"),
        (10000000, "mười triệu"),
        (21, "hai mươi mốt"),
        (15, "mười lăm"),
        (25, "hai mươi lăm"),
        (290000000, "hai trăm chín mươi triệu"),
        (1000000005, "một tỷ không trăm linh năm"),
        (2000050000, "hai tỷ không trăm năm mươi nghìn"),
        (11, "mười một"),
        (101, "một trăm linh một"),
        (1_000_000_000_000, "một nghìn tỷ"),
        (200_000_000, "hai trăm triệu"),
    ],
)
def test_number_in_words_matches_accounting_style(number, words):
    assert number_to_words(number) == words


def test_voucher_line_and_settings():
    assert amount_in_words(1_050_000) == "Một triệu không trăm năm mươi nghìn đồng"
    assert amount_in_words(105, linh="lẻ", even=True) == "Một trăm lẻ năm đồng chẵn"


@given(st.integers(min_value=1, max_value=10**12))
def test_formatted_amount_parses_back(amount):
    assert parse_amount(format_vnd(amount)) == amount


@given(st.integers(min_value=1, max_value=10**12))
def test_words_are_clean(amount):
    words = number_to_words(amount)
    assert "  " not in words and words == words.strip()
    assert not words.startswith("không")


def test_each_language_groups_digits_its_own_way_and_keeps_dong():
    from ledger.money import format_vnd, group_digits

    assert format_vnd(3_316_355_001) == "3.316.355.001 đ"
    assert format_vnd(3_316_355_001, lang="en") == "3,316,355,001 đ"
    assert group_digits(-1_500, lang="en") == "-1,500"


def test_money_and_percent_agree_within_each_language(app):
    """English shows "3,316,355,001 đ" beside "1,658.2%", Vietnamese "3.316.355.001 đ" beside
    "1.658,2%" (the screens mixed the two)."""
    from flask import session as web_session
    from flask_babel import refresh

    # values as variables: Jinja folds filters of constants when it compiles a template
    template = app.jinja_env.from_string("{{ a|vnd }} {{ p|pct }} {{ n|digits }} {{ a|vnd_vi }}")
    values = {"a": 3_316_355_001, "p": 1658.2, "n": 12345}
    with app.test_request_context("/"):
        assert template.render(values) == "3.316.355.001 đ 1.658,2% 12.345 3.316.355.001 đ"
    with app.test_request_context("/"):
        web_session["lang"] = "en"  # what the language switch stores
        refresh()
        assert template.render(values) == "3,316,355,001 đ 1,658.2% 12,345 3.316.355.001 đ"


def test_an_amount_typed_back_into_a_form_is_grouped_as_the_page_is(app):
    from flask import session as web_session
    from flask_babel import refresh
    from wtforms import Form

    from ledger.fields import MoneyField

    class Amount(Form):
        amount = MoneyField()

    with app.test_request_context("/"):
        assert Amount(data={"amount": 2_500_000}).amount._value() == "2.500.000"
        web_session["lang"] = "en"
        refresh()
        assert Amount(data={"amount": 2_500_000}).amount._value() == "2,500,000"
