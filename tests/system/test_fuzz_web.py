"""Hypothesis over every form and every query string: no input a user can send is a 500.

Routes come from ``app.url_map`` and query parameter names from the views' source, so a new
route or filter is fuzzed without editing this file. Each POST starts from the valid submission
its page offers, then one field is replaced by a hostile value or left out; each GET gets
hostile values in its query parameters; every id in a path is also tried out of range. The
cases an adversary found (ids beyond the column, typed query values, the one strict parser for
ids and pages) are pinned at the end.
"""

from __future__ import annotations

import re
import unicodedata
import uuid
from html.parser import HTMLParser
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ledger.text import parse_digits
from tests.test_receipt_forms import treasurer  # noqa: F401  (fixture)
from tests.world import build_world, sign_in

HOSTILE = [
    "",
    " ",
    "²",
    "٣",
    "²³",
    "١٢",
    "0",
    "-1",
    "-0",
    "1e9",
    str(2**31),
    str(2**63),
    str(10**30),
    "9" * 5000,
    "\x00",
    "a\x00b",
    "x" * 10_000,
    "\u200b",
    "\u200b1",
    unicodedata.normalize("NFD", "Nguyễn Thị Ánh"),
    "1.000.000",
    "10.000.000 đ",
    "1,5",
    "31/02/2018",
    "01/06/2018",
    "2018-06-01",
    "01/01/1800",
    "$x^$",
    "$\\frac{$",
    "=1+1",
    "\t\n",
    "cash",
    "bank",
    "in_kind",
    "equal",
    "weights",
    "typed",
    "yes",
    "1",
    "2",
    "<script>x</script>",
    "../../etc",
    "%00",
    "null",
]


IDS = ["0", "²", "٣", str(2**31 - 1), str(2**31), str(2**63), str(10**30)]


#: a value that makes each field valid, by name
VALID = {
    "amount": "100.000",
    "amount_each": "",
    "total": "1.000.000",
    "payer_name": "Nguyễn An",
    "payee_name": "Nguyễn Văn Bố",
    "reason": "Lý do",
    "comment": "Ý kiến",
    "receipt_date": "01/06/2018",
    "disbursement_date": "01/06/2018",
    "paid_on": "02/06/2018",
    "sent_on": "01/07/2018",
    "received_on": "01/07/2018",
    "through": "28/02/2018",
    "birth_date": "01/05/2012",
    "consent_on": "05/01/2018",
    "consent_by": "Bố",
    "full_name": "Trần Thị Bé",
    "username": "fuzz.user",
    "password": "mot-mat-khau-dai",
    "code": "fuzz_code",
    "name_vi": "Khoản thử",
    "name_en": "Trial",
    "memo": "Nộp huyện",
}


SOURCES = [*Path("ledger").rglob("*.py")]


ARG_NAMES = sorted(
    {
        name
        for path in SOURCES
        for name in re.findall(
            r"""(?:request\.args\.get\(|arg_int\()\s*["'](\w+)["']""",
            path.read_text(encoding="utf-8"),
        )
    }
    | {"page", "unit", "next", "q"}
)


class Forms(HTMLParser):
    """Every POST form of a page: its action and the values it would submit."""

    def __init__(self):
        super().__init__()
        self.forms: list[tuple[str, dict]] = []
        self._select = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and (a.get("method") or "").lower() == "post":
            self.forms.append((a.get("action") or "", {}))
            return
        if not self.forms:
            return
        fields = self.forms[-1][1]
        if tag == "button" and a.get("formaction"):
            self.forms.append((a["formaction"], dict(fields)))
        elif tag == "option" and self._select:
            if not fields.get(self._select) or "selected" in a:
                fields[self._select] = a.get("value", "")
        elif not a.get("name"):
            return
        elif tag == "input" and a.get("type") not in ("submit", "button", "file"):
            if a.get("type") != "checkbox" or "checked" in a:
                fields[a["name"]] = a.get("value") or VALID.get(a["name"], "")
        elif tag == "textarea":
            fields[a["name"]] = VALID.get(a["name"], "")
        elif tag == "select":
            self._select = a["name"]
            fields.setdefault(a["name"], "")

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None


def _path_args(world) -> dict:
    return {
        "receipt_id": world["receipt"],
        "disbursement_id": world["draft"],
        "transfer_id": world["transfer"],
        "campaign_id": 1,
        "period_id": 1,
        "unit_id": world["commune"],
        "beneficiary_id": world["child"],
        "user_id": 2,
        "kind": "cash",
        "name": "categories",
        "code": "vi",
        "filename": "app.js",
        "token_id": world["token"],
        "job_id": 1,
        "count_id": 1,
        "account_id": 1,
        "reconciliation_id": 1,
        "line_id": 1,
        "match_id": 1,
        "year": 2018,
        "batch_id": 1,
        "donor_id": 1,
        "pledge_id": 1,
        "filing_id": 1,
        "message_id": 1,
        "owner_kind": "receipt",
        "owner_id": world["receipt"],
        "attachment_id": 1,
    }


#: the object each action needs to be possible (pay an approved one, void a paid one)
BY_ENDPOINT = {
    "disbursements.pay": ("disbursement_id", "approved"),
    "disbursements.void": ("disbursement_id", "paid"),
    "disbursements.reissue": ("disbursement_id", "paid"),
    "transfers.receive": ("transfer_id", "transfer"),
}


def _routes(app, world):
    """(methods, url, rule) for every route, its arguments filled from the world."""
    found = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint in ("static", "auth.logout"):
            continue
        args = _path_args(world)
        if rule.endpoint in BY_ENDPOINT:
            name, key = BY_ENDPOINT[rule.endpoint]
            args[name] = world[key]
        missing = rule.arguments - set(args)
        assert not missing, f"{rule.rule}: name a value for {missing} in _path_args"
        with app.test_request_context():
            from flask import url_for

            url = url_for(rule.endpoint, **{k: args[k] for k in rule.arguments})
        found.append((rule.methods, url.replace("http://localhost", ""), rule))
    return found


def _payloads(client, routes, world) -> dict[str, dict]:
    """The valid submission each POST url's page offers (pages and objects' show pages)."""
    pages = (
        [
            url
            for methods, url, _ in routes
            if "GET" in methods and not url.endswith((".png", ".xlsx", ".pdf", ".json"))
        ]
        + [f"/disbursements/{world[key]}" for key in ("approved", "paid", "draft")]
        + [f"/disbursements/{world['draft']}/edit", f"/disbursements/{world['paid']}/correct"]
    )
    found: dict[str, dict] = {}
    for page in pages:
        response = client.get(page)
        if "text/html" not in response.headers.get("Content-Type", ""):
            continue
        parser = Forms()
        parser.feed(response.get_data(as_text=True))
        for action, fields in parser.forms:
            target = (action or page).replace("http://localhost", "")
            found.setdefault(target.split("?")[0], fields)
    return found


@pytest.fixture
def fuzz_app(app):
    app.config["WTF_CSRF_ENABLED"] = False
    return app


@pytest.fixture
def world(fuzz_app, session):
    return build_world(session, demo_receipts=False)


def _client(app, username):
    client = app.test_client()
    sign_in(client, username)
    return client


def _check(response, what):
    assert response.status_code < 500, f"{response.status_code} on {what}"


def test_ids_out_of_range_in_any_path_are_not_found(fuzz_app, world):
    client = _client(fuzz_app, "admin")
    for methods, _url, rule in _routes(fuzz_app, world):
        ints = [
            name for name, conv in rule._converters.items() if type(conv).__name__ == "IdConverter"
        ]
        for name in ints:
            for bad in IDS:
                path = re.sub(rf"<(?:\w+:)?{name}>", bad, rule.rule)
                path = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(_path_args(world)[m[1]]), path)
                method = "GET" if "GET" in methods else "POST"
                response = client.open(path, method=method)
                _check(response, f"{method} {path}")
                assert response.status_code in (404, 405) or bad == str(2**31 - 1), path
    anonymous = fuzz_app.test_client()
    for bad in IDS:
        _check(anonymous.get(f"/public/campaigns/{bad}"), bad)
        assert anonymous.get(f"/public/campaigns/{bad}").status_code == 404


hostile = st.one_of(st.sampled_from(HOSTILE), st.text(max_size=30))


@pytest.mark.parametrize("username", ["admin", "treasurer.chuongduong"])
def test_hostile_query_strings(fuzz_app, world, username):
    client = _client(fuzz_app, username)
    gets = [
        url
        for methods, url, _ in _routes(fuzz_app, world)
        if "GET" in methods and "logout" not in url
    ]

    @settings(
        max_examples=60, deadline=None, database=None, suppress_health_check=list(HealthCheck)
    )
    @given(
        url=st.sampled_from(gets),
        query=st.dictionaries(st.sampled_from(ARG_NAMES), hostile, min_size=1, max_size=4),
    )
    def run(url, query):
        _check(client.get(url, query_string=query), f"GET {url} {query!r}")

    run()
    for url in gets:  # and every parameter of every list at once, with each digit trap
        for bad in ("²", "٣", str(2**63), "\x00", "9" * 5000):
            _check(client.get(url, query_string=dict.fromkeys(ARG_NAMES, bad)), f"{url} {bad!r}")


@pytest.mark.parametrize("username", ["admin", "treasurer.chuongduong"])
def test_hostile_form_submissions(fuzz_app, world, username):
    client = _client(fuzz_app, username)
    routes = _routes(fuzz_app, world)
    payloads = _payloads(client, routes, world)
    posts = sorted(url for methods, url, _ in routes if "POST" in methods and "/auth/" not in url)
    assert posts

    @settings(
        max_examples=50, deadline=None, database=None, suppress_health_check=list(HealthCheck)
    )
    @given(url=st.sampled_from(posts), data=st.data())
    def run(url, data):
        fields = dict(payloads.get(url, {}))
        fields["idempotency_key"] = uuid.uuid4().hex
        names = sorted(set(fields) | set(VALID))
        for _ in range(data.draw(st.integers(1, 3))):
            name = data.draw(st.sampled_from(names))
            if data.draw(st.booleans()) and name in fields:
                del fields[name]  # a missing field
            else:
                fields[name] = data.draw(hostile)
        _check(client.post(url, data=fields), f"POST {url} {fields!r}"[:3000])

    run()
    for url in posts:  # each field of each form, missing and with each digit trap
        base = dict(payloads.get(url, {}))
        for name in sorted(base) if len(base) <= 20 else sorted(base)[:10]:
            for bad in (None, "²", "9" * 5000, "\x00"):
                fields = {**base, "idempotency_key": uuid.uuid4().hex}
                if bad is None:
                    del fields[name]
                else:
                    fields[name] = bad
                _check(client.post(url, data=fields), f"POST {url} {name}={bad!r}"[:300])


@pytest.mark.parametrize(
    "text, expected",
    [
        ("42", 42),
        ("²", None),
        ("٣", None),
        ("0", None),
        ("-1", None),
        (" 4", None),
        (str(2**31), None),
        (str(2**31 - 1), 2**31 - 1),
        ("9" * 5000, None),
    ],
)
def test_one_strict_parser_for_ids_and_pages(text, expected):
    assert parse_digits(text) == expected


@pytest.mark.parametrize("bad", ["²", "٣", str(2**31), str(2**63), str(10**30)])
def test_ids_beyond_the_column_are_not_found(client, treasurer, bad):
    for path in (
        f"/receipts/{bad}",
        f"/disbursements/{bad}",
        f"/public/campaigns/{bad}",
        f"/campaigns/{bad}",
        f"/books/{bad}/cash",
    ):
        assert client.get(path).status_code == 404, path


@pytest.mark.parametrize(
    "query",
    [
        "page=²",
        "unit=²",
        "page=٣",
        "unit=2147483648",
        "page=9223372036854775808",
        "donor=a%00b",
        "q=%00",
        "min=" + "9" * 5000,
    ],
)
def test_typed_query_values_are_never_a_server_error(client, treasurer, query):
    for path in ("/receipts/", "/disbursements/", "/audit/", "/receipts/donors", "/beneficiaries/"):
        assert client.get(f"{path}?{query}").status_code < 500, path
