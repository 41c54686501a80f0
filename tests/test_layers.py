"""The house's walls: the domain runs without Flask, and each refusal is its own exception."""

import subprocess
import sys

import pytest

from ledger.dates import format_date, long_date, parse_date
from ledger.errors import ImportHasErrors, UnknownSetting
from ledger.services.imports import Preview, commit_import
from ledger.services.settings import update_settings

DOMAIN = [
    "models",
    "services",
    "exports",
    "money",
    "text",
    "errors",
    "dates",
    "engine",
    "forked",
    "bulk",
    "spreadsheets",
]
EDGE = ("flask", "flask_babel", "flask_login", "flask_wtf", "wtforms", "werkzeug")


def test_the_domain_imports_without_loading_flask_or_wtforms():
    """What lint-imports checks statically, checked at run time in a fresh interpreter."""
    probe = f"""
import importlib, pkgutil, sys
for name in {["ledger." + m for m in DOMAIN]!r}:
    module = importlib.import_module(name)
    for info in pkgutil.walk_packages(getattr(module, "__path__", []), name + "."):
        importlib.import_module(info.name)
print(sorted(m for m in sys.modules if m.split(".")[0] in {EDGE!r}))
"""
    loaded = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    ).stdout
    assert loaded.strip() == "[]"


def test_dates_read_and_print_as_before():
    assert parse_date(" 15/05/2018 ").isoformat() == "2018-05-15"
    assert parse_date("2018-05-15") == parse_date("15.05.2018") == parse_date("15-5-2018")
    assert parse_date("31/02/2018") is None and parse_date("01/01/2101") is None
    day = parse_date("05/01/2018")
    assert format_date(day) == "05/01/2018" and format_date(None) == ""
    assert long_date(day) == "ngày 05 tháng 01 năm 2018"


def test_an_unknown_setting_is_its_own_refusal(session):
    with pytest.raises(UnknownSetting) as caught:
        update_settings(session, values={"secret_key": "x"})
    assert str(caught.value) == "Thao tác không hợp lệ."


def test_an_import_with_bad_rows_is_its_own_refusal(session, unit):
    with pytest.raises(ImportHasErrors) as caught:
        commit_import(session, unit_id=unit("TT").id, preview=Preview(error_count=1))
    assert str(caught.value) == "Tệp còn dòng lỗi; không dòng nào được ghi."


def test_cli_refusals_keep_their_words(runner, tmp_path):
    token = runner.invoke(args=["api-token", "nobody"])
    assert token.exit_code == 2 and "Lỗi: Không có người dùng nobody." in token.output
    empty = tmp_path / "heads.txt"
    empty.write_text("no chain heads here\n")
    check = runner.invoke(args=["check", "--anchors", str(empty)])
    assert check.exit_code == 2
    assert f"Lỗi: No anchors (CODE E<seq>:<hash> A<seq>:<hash>) found in {empty}." in check.output
