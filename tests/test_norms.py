"""Mobilisation norms (định mức vận động): expected = Σ norm × (heads − exempt) per unit, set by
the campaign's owner on a page past one page of units, imported all-or-nothing, read-only below,
and the same figures in the report, the API and the workbook."""

from __future__ import annotations

import io
import re

import openpyxl
import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from ledger.models import MobilisationNorm, NormCount
from ledger.services.campaigns import find_campaign
from ledger.services.norms import (
    KINDS,
    MAX_HEADS,
    MAX_NORM,
    BadHeadCount,
    Count,
    expected_amount,
    expected_by_unit,
    norm_units,
    parse_count,
    set_counts,
)
from tests.conftest import form_tokens


def _campaign(session, unit):
    return find_campaign(session, unit_id=unit("TT").id, year=2018)


def _as_owner(make_user, login):
    make_user("duyet.tt", "reviewer", "TT")
    login("duyet.tt")


def _set_norms(submit, campaign_id, **amounts):
    url = f"/campaigns/{campaign_id}/norms"
    data = {f"norm-{kind}": amount for kind, amount in amounts.items()}
    return submit(url, data, post_url=url)


counts_st = st.dictionaries(
    st.sampled_from(KINDS),
    st.integers(0, 10_000).flatmap(lambda h: st.tuples(st.just(h), st.integers(0, h))),
)


@given(
    norms=st.dictionaries(st.sampled_from(KINDS), st.integers(1, 10_000_000)),
    counts=counts_st,
)
def test_expected_is_the_norm_times_the_paying_heads(norms, counts):
    typed = {kind: Count(h, e) for kind, (h, e) in counts.items()}
    expected = expected_amount(norms, typed)
    assert expected == sum(norms.get(k, 0) * (h - e) for k, (h, e) in counts.items())
    assert expected >= 0
    # exempting one more paying head lowers it by exactly that kind's norm
    for kind, (heads, exempt) in counts.items():
        if kind in norms and exempt < heads:
            fewer = {**typed, kind: Count(heads, exempt + 1)}
            assert expected_amount(norms, fewer) == expected - norms[kind]


def test_the_sql_aggregate_agrees_with_the_arithmetic(session, unit):
    campaign = _campaign(session, unit)
    norms = {"official": 250_000, "pupil": 10_000, "household": 20_000}
    for kind, amount in norms.items():
        session.add(
            MobilisationNorm(campaign_id=campaign.id, payer_kind=kind, amount_per_head=amount)
        )
    units = norm_units(session, campaign)
    typed = {
        u.id: {
            "official": Count(20 + i, 0),
            "pupil": Count(500 + i, 0),
            "household": Count(1_000 + i, 40 + i),
            "worker": Count(300, 0),  # no norm for workers: counted, expects nothing
        }
        for i, u in enumerate(units)
    }
    set_counts(session, campaign=campaign, counts=typed)
    found = expected_by_unit(session, campaign.id)
    for u in units:
        assert found[u.id] == expected_amount(norms, typed[u.id])
    assert found[units[0].id] == 20 * 250_000 + 500 * 10_000 + 960 * 20_000


def test_the_owner_sets_norms_and_counts_past_one_page(
    client, session, make_user, login, submit, unit
):
    _as_owner(make_user, login)
    campaign = _campaign(session, unit)
    response = _set_norms(submit, campaign.id, household="20.000", pupil="10.000 đ")
    assert response.status_code == 302
    units = norm_units(session, campaign)
    assert len(units) == 29  # more than one page of the grid
    last = units[-1]
    page2 = client.get(f"/campaigns/{campaign.id}/norms?page=2")
    assert page2.status_code == 200 and last.name in page2.text
    assert units[0].name not in re.search(r'id="counts".*?</table>', page2.text, re.DOTALL).group(0)
    data = {
        **form_tokens(page2.text),
        f"heads-{last.id}-household": "1.200",
        f"exempt-{last.id}-household": "35",
        f"heads-{last.id}-pupil": "800",
    }
    response = client.post(f"/campaigns/{campaign.id}/norms/counts?page=2", data=data)
    assert response.status_code == 302 and response.headers["Location"].endswith("page=2")
    session.rollback()
    expected = (1_200 - 35) * 20_000 + 800 * 10_000
    assert expected_by_unit(session, campaign.id) == {last.id: expected}
    shown = client.get(f"/campaigns/{campaign.id}/norms?page=2").text
    assert "31.300.000 đ" in shown  # its expected money beside its quota


def test_more_exempt_than_heads_is_refused_with_the_values_kept(
    client, session, make_user, login, submit, unit
):
    _as_owner(make_user, login)
    campaign = _campaign(session, unit)
    _set_norms(submit, campaign.id, household="20.000")
    first = norm_units(session, campaign)[0]
    page = client.get(f"/campaigns/{campaign.id}/norms")
    response = client.post(
        f"/campaigns/{campaign.id}/norms/counts?page=1",
        data={
            **form_tokens(page.text),
            f"heads-{first.id}-household": "100",
            f"exempt-{first.id}-household": "140",
        },
    )
    assert response.status_code == 400
    assert "lớn hơn số người" in response.text and 'value="140"' in response.text
    bad = client.post(
        f"/campaigns/{campaign.id}/norms/counts?page=1",
        data={**form_tokens(page.text), f"heads-{first.id}-household": "12,5"},
    )
    assert bad.status_code == 400 and "12,5" in bad.text and first.name in bad.text
    session.rollback()
    assert session.exec(select(func.count()).select_from(NormCount)).scalar_one() == 0


def test_a_bad_norm_is_refused_naming_the_kind(client, session, make_user, login, submit, unit):
    _as_owner(make_user, login)
    campaign = _campaign(session, unit)
    response = _set_norms(submit, campaign.id, pupil="10.000", household="-5")
    assert response.status_code == 400 and "Hộ gia đình" in response.text
    assert 'value="-5"' in response.text
    session.rollback()
    assert session.exec(select(func.count()).select_from(MobilisationNorm)).scalar_one() == 0


def test_a_norm_above_the_cap_is_refused_naming_the_kind(
    client, session, make_user, login, submit, unit
):
    _as_owner(make_user, login)
    campaign = _campaign(session, unit)
    response = _set_norms(submit, campaign.id, household="100.000.001")
    assert response.status_code == 400 and "Hộ gia đình" in response.text
    assert "100.000.000 đ" in response.text and 'value="100.000.001"' in response.text
    session.rollback()
    assert session.exec(select(func.count()).select_from(MobilisationNorm)).scalar_one() == 0
    assert _set_norms(submit, campaign.id, household="100.000.000").status_code == 302


def test_heads_above_the_cap_are_refused(session, unit):
    assert parse_count("1.000.000") == MAX_HEADS and parse_count("1.000.001") is None
    campaign = _campaign(session, unit)
    first = norm_units(session, campaign)[0]
    with pytest.raises(BadHeadCount):
        set_counts(session, campaign=campaign, counts={first.id: {"pupil": Count(MAX_HEADS + 1)}})


@pytest.mark.parametrize(
    "row",
    [
        lambda c, u: MobilisationNorm(
            campaign_id=c, payer_kind="pupil", amount_per_head=MAX_NORM + 1
        ),
        lambda c, u: NormCount(campaign_id=c, unit_id=u, payer_kind="pupil", heads=MAX_HEADS + 1),
    ],
)
def test_the_tables_refuse_values_above_the_caps(session, unit, row):
    campaign = _campaign(session, unit)
    session.add(row(campaign.id, norm_units(session, campaign)[0].id))
    with pytest.raises(IntegrityError):
        session.flush()
    session.rollback()


def test_the_sums_at_the_caps_do_not_overflow(session, unit):
    """Every kind at the most per head, every unit at the most heads: PostgreSQL said "bigint
    out of range" when a norm could be 10^12 đ and a count 10^7 heads."""
    campaign = _campaign(session, unit)
    for kind in KINDS:
        session.add(
            MobilisationNorm(campaign_id=campaign.id, payer_kind=kind, amount_per_head=MAX_NORM)
        )
    units = norm_units(session, campaign)
    full = {u.id: {kind: Count(MAX_HEADS) for kind in KINDS} for u in units}
    set_counts(session, campaign=campaign, counts=full)
    found = expected_by_unit(session, campaign.id)
    assert found == {u.id: len(KINDS) * MAX_NORM * MAX_HEADS for u in units}
    whole = session.exec(
        select(func.sum(MobilisationNorm.amount_per_head * (NormCount.heads - NormCount.exempt)))
        .select_from(NormCount)
        .join(
            MobilisationNorm,
            (MobilisationNorm.campaign_id == NormCount.campaign_id)
            & (MobilisationNorm.payer_kind == NormCount.payer_kind),
        )
    ).scalar_one()
    assert int(whole) == len(units) * len(KINDS) * MAX_NORM * MAX_HEADS
    # the country: ~53,000 unit × kind rows at 10^14 đ each fit a bigint
    assert 53_000 * MAX_NORM * MAX_HEADS < 2**63 - 1


def _xlsx(rows) -> bytes:
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _upload(client, campaign_id, data: bytes):
    page = client.get(f"/campaigns/{campaign_id}/norms")
    return client.post(
        f"/campaigns/{campaign_id}/norms/import",
        data={
            "csrf_token": form_tokens(page.text)["csrf_token"],
            "file": (io.BytesIO(data), "so-nguoi.xlsx"),
        },
        content_type="multipart/form-data",
        follow_redirects=True,
    )


def test_the_template_round_trips_and_a_bad_row_stores_nothing(
    client, session, make_user, login, submit, unit
):
    _as_owner(make_user, login)
    campaign = _campaign(session, unit)
    _set_norms(submit, campaign.id, household="20.000", official="300.000")
    template = client.get(f"/campaigns/{campaign.id}/norms/template.xlsx")
    assert template.status_code == 200
    rows = [list(r) for r in openpyxl.load_workbook(io.BytesIO(template.data)).active.values]
    assert rows[0] == ["Mã đơn vị", "Tên đơn vị", "Đối tượng", "Số người", "Số được miễn"]
    assert len(rows) == 1 + 29 * 2
    filled = [rows[0]] + [[*r[:3], 100, 10] for r in rows[1:]]
    bad = [
        *filled,
        ["KHONG-CO", "Xã ma", "Hộ gia đình", 5, 0],
        [filled[1][0], "", "Học sinh", 3, 9],
    ]
    answer = _upload(client, campaign.id, _xlsx(bad))
    assert "không dòng nào được lưu" in answer.text
    assert "Dòng 60" in answer.text and "KHONG-CO" in answer.text and "Dòng 61" in answer.text
    session.rollback()
    assert session.exec(select(func.count()).select_from(NormCount)).scalar_one() == 0
    answer = _upload(client, campaign.id, _xlsx(filled))
    assert "Đã nhập bảng số người" in answer.text
    session.rollback()
    found = expected_by_unit(session, campaign.id)
    assert len(found) == 29 and set(found.values()) == {90 * 20_000 + 90 * 300_000}


HUGE = "1" + ".000" * 1500  # 4501 digits once the dots go: int() refused it with a ValueError


def test_a_count_is_ascii_digits_grouped_at_most_twice():
    assert parse_count("1.000.000") == 1_000_000 and parse_count("1,234") == 1_234
    for text in (HUGE, "1" * 4400, "١٢", "1.000.000.000"):
        assert parse_count(text) is None


def test_a_huge_count_in_the_file_is_refused_naming_its_row(
    client, session, make_user, login, submit, unit
):
    _as_owner(make_user, login)
    campaign = _campaign(session, unit)
    _set_norms(submit, campaign.id, household="20.000")
    template = client.get(f"/campaigns/{campaign.id}/norms/template.xlsx")
    rows = [list(r) for r in openpyxl.load_workbook(io.BytesIO(template.data)).active.values]
    answer = _upload(client, campaign.id, _xlsx([rows[0], [*rows[1][:3], HUGE, 0]]))
    assert answer.status_code == 200 and "không dòng nào được lưu" in answer.text
    assert "Dòng 2, cột “Số người”" in answer.text and HUGE not in answer.text
    session.rollback()
    assert session.exec(select(func.count()).select_from(NormCount)).scalar_one() == 0


def test_a_huge_count_typed_is_refused_naming_its_unit(
    client, session, make_user, login, submit, unit
):
    _as_owner(make_user, login)
    campaign = _campaign(session, unit)
    _set_norms(submit, campaign.id, household="20.000")
    first = norm_units(session, campaign)[0]
    page = client.get(f"/campaigns/{campaign.id}/norms")
    response = client.post(
        f"/campaigns/{campaign.id}/norms/counts?page=1",
        data={**form_tokens(page.text), f"heads-{first.id}-household": HUGE},
    )
    assert response.status_code == 400 and first.name in response.text
    assert "không phải số người" in response.text
    session.rollback()
    assert session.exec(select(func.count()).select_from(NormCount)).scalar_one() == 0


def test_a_commune_reads_its_own_line_and_cannot_edit(client, session, make_user, login, unit):
    campaign = _campaign(session, unit)
    commune = unit("TT-CHUONGDUONG")
    session.add(
        MobilisationNorm(campaign_id=campaign.id, payer_kind="household", amount_per_head=20_000)
    )
    set_counts(session, campaign=campaign, counts={commune.id: {"household": Count(500, 20)}})
    session.commit()
    make_user("thuquy.cd", "treasurer", "TT-CHUONGDUONG")
    login("thuquy.cd")
    page = client.get(f"/campaigns/{campaign.id}/norms")
    assert page.status_code == 200
    assert "9.600.000 đ" in page.text and "<input" not in re.search(
        r'id="counts".*?</table>', page.text, re.DOTALL
    ).group(0)
    tokens = form_tokens(client.get(f"/campaigns/{campaign.id}").text)
    answer = client.post(f"/campaigns/{campaign.id}/norms", data={**tokens, "norm-pupil": "1"})
    assert answer.status_code == 403
    assert client.get(f"/campaigns/{campaign.id}/norms/template.xlsx").status_code == 403


def test_another_district_gets_404_everywhere(
    client, session, two_districts, make_user, login, unit
):
    campaign = _campaign(session, unit)
    make_user("duyet.px", "reviewer", "PX")
    login("duyet.px")
    base = f"/campaigns/{campaign.id}/norms"
    assert client.get(base).status_code == 404
    assert client.get(f"{base}/template.xlsx").status_code == 404
    tokens = form_tokens(client.get("/").text)
    for url in (base, f"{base}/counts", f"{base}/import"):
        assert client.post(url, data=tokens).status_code == 404


def test_report_api_and_workbook_agree(client, session, make_user, make_receipt, login, unit):
    from ledger.models import ReportPeriod

    campaign = _campaign(session, unit)
    for kind, amount in {"household": 20_000, "official": 250_000}.items():
        session.add(
            MobilisationNorm(campaign_id=campaign.id, payer_kind=kind, amount_per_head=amount)
        )
    units = norm_units(session, campaign)
    typed = {
        u.id: {"household": Count(400 + 10 * i, i), "official": Count(12, 0)}
        for i, u in enumerate(units)
    }
    set_counts(session, campaign=campaign, counts=typed)
    make_receipt("TT-CHUONGDUONG", amount=4_000_000)
    session.commit()
    expected = expected_by_unit(session, campaign.id)
    total = sum(expected.values())
    make_user("kiemtoan", "auditor", "TT")
    login("kiemtoan")

    body = client.get(f"/api/v1/campaigns/{campaign.id}/progress").json
    assert body["expected_by_norms"] == total
    assert body["collected"] == 4_000_000  # a plan is never collected money
    by_code = {row["code"]: row["expected_by_norms"] for row in body["units"]}
    assert by_code == {u.code: expected[u.id] for u in units}

    period = (
        session.exec(select(ReportPeriod).where(ReportPeriod.campaign_id == campaign.id))
        .scalars()
        .first()
    )
    report = client.get(f"/campaigns/{campaign.id}/reports/{period.id}").text
    table = re.search(r'id="report-norms".*?</table>', report, re.DOTALL).group(0)
    assert f"{total:,} đ".replace(",", ".") in table

    book = openpyxl.load_workbook(
        io.BytesIO(client.get(f"/campaigns/{campaign.id}/workbook.xlsx?as_of=31/12/2018").data)
    )
    rows = [r for r in book["Định mức vận động"].values if r and r[0]]
    lines = {r[0]: r for r in rows if isinstance(r[2], int)}
    chuongduong = lines["Xã Chương Dương"]
    assert chuongduong[2] == expected[unit("TT-CHUONGDUONG").id]
    assert chuongduong[4] == 4_000_000 and chuongduong[5] == 4_000_000 - chuongduong[2]
    assert lines["Huyện Thường Tín (tổng cộng)"][2] == total
    summary = book["Đối chiếu chỉ tiêu"]
    assert total not in [c.value for row in summary.iter_rows() for c in row]
