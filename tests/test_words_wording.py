"""Words that said the wrong thing (#15): a duplicated "Báo cáo", an unclear red-row legend,
an empty lock date called invalid, and "Hủy" used both for leaving a form and for voiding."""

from pathlib import Path

TEMPLATES = Path(__file__).resolve().parents[1] / "templates"


def test_the_campaign_page_names_the_next_report_once_and_says_what_red_means(
    client, demo, make_user, login
):
    make_user("duyet.tt", "reviewer", "TT")
    login("duyet.tt")
    html = client.get(f"/campaigns/{demo.id}?as_of=01/08/2018").text
    assert "Dự báo đến hạn nộp “Báo cáo 9 tháng” (15/08/2018)" in html
    assert "kỳ báo cáo Báo cáo" not in html
    assert "Dòng tô đỏ là đơn vị đang chậm" in html and "Tô đỏ:" not in html


def test_an_empty_lock_date_is_not_entered_rather_than_invalid(
    client, make_user, login, submit, unit
):
    make_user("duyet.tt", "reviewer", "TT")
    login("duyet.tt")
    fund = unit("TT-CHUONGDUONG").id
    submit(f"/books/{fund}/cash", {"through": ""}, post_url=f"/books/{fund}/lock")
    html = client.get(f"/books/{fund}/cash").text
    assert "“Khóa sổ đến hết ngày”: Chưa nhập ngày." in html
    assert "Ngày khóa sổ không hợp lệ" not in html
    submit(f"/books/{fund}/cash", {"through": "31/13/2018"}, post_url=f"/books/{fund}/lock")
    assert "Ngày không hợp lệ" in client.get(f"/books/{fund}/cash").text


def test_leaving_a_form_and_voiding_a_voucher_use_different_words():
    """ "Hủy" is only ever a void (Hủy phiếu…) or a job's cancel; leaving says Quay lại/Thôi."""
    for path in TEMPLATES.rglob("*.html"):
        assert "Hủy bỏ" not in path.read_text(encoding="utf-8"), path
    new_receipt = (TEMPLATES / "receipts/new.html").read_text(encoding="utf-8")
    assert '_("Quay lại")' in new_receipt and '_("Hủy phiếu cũ và ghi phiếu mới")' in new_receipt
