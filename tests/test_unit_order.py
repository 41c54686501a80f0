"""One order of units: the official list's order by default, Vietnamese alphabetical order
(ICU's collation, not code points) where a user sorts by name."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import pytest
from sqlmodel import select

from ledger.models import Unit
from ledger.services.campaigns import find_campaign
from ledger.services.quotas import allocation
from ledger.services.reports import campaign_overview
from ledger.services.unit_order import name_key, official_key
from ledger.services.units import children, create_unit, find_unit, units_among
from tests.world import sign_in

SEED = Path(__file__).resolve().parents[1] / "seed"


def by_name(names):
    return sorted(names, key=name_key)


@pytest.mark.parametrize(
    ("first", "then"),
    [
        ("Xã Dũng Tiến", "Xã Duyên Thái"),  # code points put y (0x79) before ũ (0x169)
        ("Xã Văn Bình", "Xã Vân Tảo"),  # ă before â
        ("Xã Hà Hồi", "Xã Hiền Giang"),
        ("Xã Tân Minh", "Xã Thắng Lợi"),
        ("Xã Thư Phú", "Thị trấn Thường Tín"),  # the type word is set aside: among the T
        ("Thị trấn Thường Tín", "Xã Tiền Phong"),
        ("Xã Dương Xá", "Xã Đông Hội"),  # đ is a letter after d
        ("Xã An Khánh", "Xã Âu Cơ"),
    ],
)
def test_vietnamese_name_order(first, then):
    assert by_name([then, first]) == [first, then]


def test_letters_first_then_tones():
    assert by_name(["Ơ", "Ô", "O", "Ư", "U", "Ê", "E", "Đ", "D", "Â", "Ă", "A"]) == [
        *["A", "Ă", "Â", "D", "Đ", "E", "Ê", "O", "Ô", "Ơ", "U", "Ư"]
    ]
    # tones: ngang, huyền, hỏi, ngã, sắc, nặng; and only after the letters of the whole name
    assert by_name(["Bạ", "Bá", "Bã", "Bả", "Bà", "Ba"]) == ["Ba", "Bà", "Bả", "Bã", "Bá", "Bạ"]
    assert by_name(["Xã Ba B", "Xã Bà A"]) == ["Xã Bà A", "Xã Ba B"]
    # case and Unicode form do not change the place
    assert name_key("XÃ HÀ HỒI")[0] == name_key("Xã Hà Hồi")[0]
    assert name_key("Xã Ha\u0300 Hô\u0300i") == name_key("Xã Hà Hồi")


def test_the_demo_communes_by_name():
    with (SEED / "units.csv").open(encoding="utf-8") as f:
        names = [r["name"] for r in csv.DictReader(f) if r["level"] == "commune"]
    assert by_name(names) == [
        "Xã Chương Dương",
        "Xã Dũng Tiến",
        "Xã Duyên Thái",
        "Xã Hà Hồi",
        "Xã Hiền Giang",
        "Xã Hoà Bình",
        "Xã Hồng Vân",
        "Xã Khánh Hà",
        "Xã Lê Lợi",
        "Xã Liên Phương",
        "Xã Minh Cường",
        "Xã Nghiêm Xuyên",
        "Xã Nguyễn Trãi",
        "Xã Nhị Khê",
        "Xã Ninh Sở",
        "Xã Quất Động",
        "Xã Tân Minh",
        "Xã Thắng Lợi",
        "Xã Thống Nhất",
        "Xã Thư Phú",
        "Thị trấn Thường Tín",
        "Xã Tiền Phong",
        "Xã Tô Hiệu",
        "Xã Tự Nhiên",
        "Xã Vạn Điểm",  # a (with a tone) before ă
        "Xã Văn Bình",
        "Xã Văn Phú",
        "Xã Văn Tự",
        "Xã Vân Tảo",
    ]


def annex_names() -> list[str]:
    """The quota annex's order, STT 1–29: the government list the seed stores top to bottom."""
    with (SEED / "quotas_TT_2018.csv").open(encoding="utf-8") as f:
        return [r["TÊN ĐƠN VỊ"] for r in csv.DictReader(f) if r["STT"]]


def test_children_and_quota_screen_follow_the_annex(session):
    district = find_unit(session, "TT")
    listed = children(session, parent_id=district.id)
    assert [u.printed_name for u in listed] == annex_names()
    campaign = find_campaign(session, unit_id=district.id, year=2018)
    assert [u.printed_name for u in allocation(session, campaign).units] == annex_names()


def test_official_code_comes_before_entry_order(session):
    """Units with an official code (mã đơn vị hành chính) follow it, whatever their id."""
    city = find_unit(session, "HN")
    made = [
        create_unit(
            session,
            code=f"PX-{n}",
            name=f"Huyện {n}",
            level="district",
            parent_id=city.id,
            valid_from=date(2008, 8, 1),
        )
        for n in ("B", "A", "C")
    ]
    made[0].gso_code, made[1].gso_code = "00280", "00277"
    session.flush()
    ordered = [u.code for u in children(session, parent_id=city.id)]
    assert ordered[:2] == ["PX-A", "PX-B"]
    assert ordered.index("TT") < ordered.index("PX-C")  # no code: the order they were entered
    rows = units_among(session, set(session.exec(select(Unit.id))), order="official")
    assert [u.level for u in rows[:2]] == ["province", "district"]
    assert sorted(rows, key=lambda u: official_key(u, by_level=True)) == rows


def test_dashboard_rows_official_then_by_name(session, demo):
    with (SEED / "units.csv").open(encoding="utf-8") as f:
        listed = [r["code"] for r in csv.DictReader(f) if r["parent_code"] == "TT"]
    overview = campaign_overview(session, demo, as_of=date(2018, 12, 31))
    assert [r.code for r in overview.rows] == listed
    named = campaign_overview(session, demo, as_of=date(2018, 12, 31), sort="name")
    assert [r.name for r in named.rows] == by_name([r.name for r in overview.rows])
    back = campaign_overview(session, demo, as_of=date(2018, 12, 31), sort="name", descending=True)
    assert [r.name for r in back.rows] == [r.name for r in named.rows][::-1]
    official_back = campaign_overview(session, demo, as_of=date(2018, 12, 31), descending=True)
    assert [r.code for r in official_back.rows] == listed[::-1]


def test_dashboard_page_lists_units_in_official_order(client, demo):
    sign_in(client, "reviewer.thuongtin")
    html = client.get(f"/campaigns/{demo.id}").get_data(as_text=True)
    positions = [html.index(f">{n}</a>") for n in ("Xã Chương Dương", "Xã Dũng Tiến")]
    assert positions == sorted(positions)
    assert html.index(">Xã Văn Phú</a>") > html.index(">Thị trấn Thường Tín</a>")
    html = client.get(f"/campaigns/{demo.id}?sort=name").get_data(as_text=True)
    order = [html.index(f">{n}</a>") for n in ("Xã Dũng Tiến", "Xã Duyên Thái", "Xã Văn Bình")]
    assert order == sorted(order)
    assert html.index(">Xã Văn Bình</a>") < html.index(">Xã Vân Tảo</a>")
    assert html.index(">Xã Thư Phú</a>") < html.index(">Thị trấn Thường Tín</a>")


def test_filter_offers_whole_top_tiers_within_the_limit(session):
    """The audit filter's unit list at a province's scope: whole tiers from the top, as many as
    fit, read through the scope's condition (not a list of every id)."""
    from ledger.services.units import subtree_members, subtree_scope, top_levels

    province = session.exec(select(Unit).where(Unit.level == "province")).first()
    scope = subtree_scope(session, province.id)
    members = [session.get(Unit, i) for i in subtree_members(session, province.id)]
    by_level = {
        lv: [u for u in members if u.level == lv] for lv in ("province", "district", "commune")
    }
    everything = top_levels(session, scope, limit=10_000)
    assert len(everything) == len(members)
    assert [u.level for u in everything] == sorted(
        (u.level for u in everything), key=["province", "district", "commune"].index
    )
    first_two = len(by_level["province"]) + len(by_level["district"])
    assert [u.id for u in top_levels(session, scope, limit=first_two)] == [
        u.id for u in everything if u.level in ("province", "district")
    ]
    assert [u.level for u in top_levels(session, scope, limit=1)] == ["province"]
