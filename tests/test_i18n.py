"""Every UI string has an English translation; Vietnamese is the default."""

from pathlib import Path

from babel.messages.pofile import read_po
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

PO = Path(__file__).resolve().parents[1] / "ledger/translations/en/LC_MESSAGES/messages.po"


def test_every_message_is_translated_to_english():
    catalog = read_po(PO.open("rb"))
    untranslated = [m.id for m in catalog if m.id and not m.string]
    fuzzy = [m.id for m in catalog if m.id and m.fuzzy]
    assert untranslated == [] and fuzzy == []


def test_default_language_is_vietnamese(client):
    page = client.get("/auth/login")
    assert '<html lang="vi">' in page.text and "Đăng nhập" in page.text


def test_every_string_the_code_marks_is_in_the_english_catalog():
    """A string marked for translation but missing from the catalog shows in Vietnamese to an
    English reader; the catalog is kept by hand (``_a`` carries the audit log's context, which
    ``pybabel extract`` cannot see), so this extracts as pybabel would and compares."""
    from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir

    root = PO.parents[4]
    keywords = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None, "_a": None}
    method_map = [("ledger/**.py", "python"), ("templates/**.html", "jinja2")]
    catalog = read_po(PO.open("rb"))
    known = {(m.context, m.id if isinstance(m.id, str) else m.id[0]) for m in catalog if m.id}
    missing = []
    for filename, lineno, message, _comments, _context in extract_from_dir(
        str(root), method_map, keywords=keywords
    ):
        text = message if isinstance(message, str) else message[0]
        context = (
            "audit" if filename.endswith("audit_text.py") and (None, text) not in known else None
        )
        if (context, text) not in known:
            missing.append(f"{filename}:{lineno} {text}")
    assert missing == []


def test_a_page_switches_language_with_force_locale_and_back(app):
    """Templates look the catalogue up once a request (``i18n.translations``), yet a part drawn
    in another language (a mail in its recipient's language) and the page after it each
    read their own."""
    from flask import render_template_string
    from flask_babel import force_locale

    line = "{{ _('Đã vận động') }} {{ 12.5|pct }}"
    with app.test_request_context("/"):
        before = render_template_string(line)
        with force_locale("en"):
            english = render_template_string(line)
        after = render_template_string(line)
    assert (before, english, after) == ("Đã vận động 12,5%", "Collected 12.5%", before)


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    value=st.one_of(
        st.floats(min_value=-1e12, max_value=1e12, allow_nan=False),
        st.sampled_from([float("nan"), float("inf"), float("-inf")]),
        st.decimals(min_value=-(10**9), max_value=10**9, places=2, allow_nan=False),
        st.integers(min_value=-(10**12), max_value=10**12),
    ),
    lang=st.sampled_from(["vi", "en"]),
)
def test_percent_is_written_as_babel_writes_it(app, value, lang):
    """``|pct`` formats without Babel's pattern parser (60 of them on a national dashboard) and
    must write exactly what Babel's ``#,##0.0`` writes: grouping, decimal mark, rounding."""
    from babel.numbers import format_decimal
    from flask_babel import force_locale

    from ledger.i18n import format_percent

    with app.test_request_context("/"), force_locale(lang):
        assert format_percent(value) == format_decimal(value, format="#,##0.0", locale=lang) + "%"
