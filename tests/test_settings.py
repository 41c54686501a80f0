"""Settings: an admin of the top unit changes what vouchers print and the limits, audited."""

import html
from datetime import date

import pytest
from sqlalchemy import select

from ledger.errors import InvalidRegime
from ledger.models import AuditEvent, Setting
from ledger.services.regimes import add_regime, list_regimes, regime_on
from ledger.services.settings import InvalidSetting, all_settings, update_settings
from tests.conftest import form_tokens

FORM = {
    "words_linh": "lẻ",
    "words_even": "y",
    "management_cap_percent": "8",
    "approval_same_level_max": "5.000.000 đ",
}


def test_update_stores_only_changes_with_one_audit_event(session):
    before = all_settings(session)
    changed = update_settings(
        session,
        values={
            "words_linh": "lẻ",
            "management_cap_percent": "10",
            "approval_same_level_max": "5.000.000 đ",
        },
    )
    assert changed == ["approval_same_level_max", "words_linh"]
    stored = all_settings(session)
    assert stored["words_linh"] == "lẻ" and stored["approval_same_level_max"] == "5000000"
    event = (
        session.exec(select(AuditEvent).where(AuditEvent.action == "settings.update"))
        .scalars()
        .one()
    )
    assert '"words_linh": "linh"' in event.before and '"words_linh": "lẻ"' in event.after
    assert before["management_cap_percent"] == stored["management_cap_percent"] == "10"
    assert update_settings(session, values={"words_linh": "lẻ"}) == []


@pytest.mark.parametrize(
    "key, value, named",
    [
        ("management_cap_percent", "150", "Mức trần chi phí quản lý (%)"),
        ("management_cap_percent", "abc", "Mức trần chi phí quản lý (%)"),
        ("approval_same_level_max", "5,5", "Cán bộ duyệt cùng cấp được duyệt đến (đồng)"),
        ("approval_same_level_max", "-1", "Cán bộ duyệt cùng cấp được duyệt đến (đồng)"),
        ("words_linh", "lẽ", "Đọc số 0 ở hàng chục"),
    ],
)
def test_a_bad_value_names_the_setting_and_stores_nothing(session, key, value, named):
    with pytest.raises(InvalidSetting) as caught:
        update_settings(session, values={"words_linh": "lẻ", key: value})
    assert named in str(caught.value)
    session.rollback()
    assert (
        session.exec(select(Setting).where(Setting.key == "words_linh")).scalars().first().value
        == "linh"
    )


def test_top_admin_changes_what_the_voucher_prints(
    client, login, submit, make_user, make_receipt, session
):
    make_user("hn.admin", "admin", "HN")
    receipt = make_receipt(amount=1_000_105, on=date(2018, 3, 1))
    session.commit()
    login("hn.admin")
    page = client.get("/admin/settings")
    assert page.status_code == 200 and "Một trăm linh năm đồng" in page.text
    response = submit("/admin/settings", FORM)
    assert response.status_code == 302
    shown = html.unescape(client.get("/admin/settings").text)
    assert "Một trăm lẻ năm đồng chẵn" in shown and "Đã lưu cài đặt." in shown
    voucher = html.unescape(client.get(f"/receipts/{receipt.id}").text)
    assert "Một triệu một trăm lẻ năm đồng chẵn" in voucher
    assert "107/2017/TT-BTC" in voucher  # the regime in force on the voucher's date


def test_vouchers_cite_the_regime_in_force_on_their_date(
    client, login, make_user, make_receipt, session
):
    old = make_receipt(amount=500_000, on=date(2018, 5, 15))
    new = make_receipt(unit_code="HN-THUONGTIN", amount=700_000, on=date(2026, 3, 2))
    session.commit()
    assert "107/2017/TT-BTC" in regime_on(session, date(2024, 12, 31))["form_circular"]
    assert "24/2024/TT-BTC" in regime_on(session, date(2025, 1, 1))["form_circular"]
    make_user("tt.treasurer", "treasurer", "HN")
    login("tt.treasurer")
    first = html.unescape(client.get(f"/receipts/{old.id}").text)
    second = html.unescape(client.get(f"/receipts/{new.id}").text)
    assert "Mẫu số C40-BB" in first and "Thông tư số 107/2017/TT-BTC ngày 10/10/2017" in first
    assert "24/2024/TT-BTC" not in first
    assert "Mẫu số C40-BB" in second and "Thông tư số 24/2024/TT-BTC ngày 17/04/2024" in second
    pdf = client.get(f"/receipts/{new.id}/voucher.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")


def test_top_admin_adds_a_regime_when_the_law_changes(client, login, submit, make_user, session):
    make_user("hn.admin", "admin", "HN")
    login("hn.admin")
    page = html.unescape(client.get("/admin/settings").text)
    assert "Chế độ chứng từ theo thời gian" in page and "01/01/2025" in page
    row = {
        "valid_from": "01/01/2027",
        "receipt_form_code": "Mẫu số C40-HD",
        "disbursement_form_code": "Mẫu số C41-HD",
        "circular": "(Thông tư số 99/2026/TT-BTC)",
    }
    tokens = form_tokens(page.split('action="/admin/settings/regimes"')[1])
    response = client.post("/admin/settings/regimes", data={**tokens, **row})
    assert response.status_code == 302
    session.rollback()
    assert regime_on(session, date(2027, 2, 1))["receipt_form_code"] == "Mẫu số C40-HD"
    assert regime_on(session, date(2026, 12, 31))["receipt_form_code"] == "Mẫu số C40-BB"
    event = (
        session.exec(select(AuditEvent).where(AuditEvent.action == "voucher_regime.create"))
        .scalars()
        .one()
    )
    assert "99/2026" in event.after
    again = html.unescape(client.get("/admin/settings").text)
    tokens = form_tokens(again.split('action="/admin/settings/regimes"')[1])
    shown = html.unescape(
        client.post("/admin/settings/regimes", data={**tokens, **row}, follow_redirects=True).text
    )
    assert "Đã có chế độ chứng từ áp dụng từ ngày 01/01/2027." in shown
    with pytest.raises(InvalidRegime):
        add_regime(
            session,
            valid_from=date(2028, 1, 1),
            receipt_form_code=" ",
            disbursement_form_code="x",
            circular="x",
        )


def test_only_a_top_admin_adds_a_regime(client, login, make_user, session):
    make_user("tt.admin", "admin", "TT")
    login("tt.admin")
    page = client.get("/admin/settings").text
    assert 'action="/admin/settings/regimes"' not in page
    tokens = form_tokens(page)
    response = client.post(
        "/admin/settings/regimes",
        data={
            **tokens,
            "valid_from": "01/01/2027",
            "receipt_form_code": "A",
            "disbursement_form_code": "B",
            "circular": "C",
        },
    )
    assert response.status_code == 403
    assert len(list_regimes(session)) == 2


def test_a_bad_value_on_the_page_is_named_and_kept(client, login, submit, make_user, session):
    make_user("hn.admin", "admin", "HN")
    login("hn.admin")
    response = submit("/admin/settings", {**FORM, "management_cap_percent": "150"})
    assert response.status_code == 400
    text = html.unescape(response.text)
    assert "Mức trần chi phí quản lý (%)" in text and "từ 0 đến 100" in text
    assert 'value="150"' in text
    session.expire_all()
    assert all_settings(session)["words_linh"] == "linh"


def test_admin_below_the_top_sees_but_cannot_change(client, login, submit, make_user, session):
    make_user("tt.admin", "admin", "TT")
    make_user("tt.treasurer", "treasurer", "TT")
    login("tt.admin")
    page = client.get("/admin/settings")
    assert page.status_code == 200 and "Chỉ quản trị viên của đơn vị cấp cao nhất" in page.text
    assert submit("/admin/settings", FORM).status_code == 403
    session.expire_all()
    assert all_settings(session)["words_linh"] == "linh"
    client.get("/auth/logout")
    login("tt.treasurer")
    assert client.get("/admin/settings").status_code == 403


def test_a_bad_value_is_named_in_english_too(client, login, submit, make_user):
    make_user("hn.admin", "admin", "HN")
    login("hn.admin")
    client.get("/lang/en")
    page = client.get("/admin/settings")
    assert page.status_code == 200 and "Management cost cap (%)" in page.text
    response = submit("/admin/settings", {**FORM, "approval_same_level_max": "5,5"})
    text = html.unescape(response.text)
    assert response.status_code == 400
    assert "“A reviewer of the same unit may approve up to (đồng)”: a whole number of đồng" in text
