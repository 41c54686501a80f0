"""Disbursement categories in the user's language: the English name stored with each is shown
in English mode (#15: they stayed Vietnamese)."""

from ledger.models import Category
from ledger.services.categories import category_name


def test_the_name_follows_the_language():
    surgery = Category(code="x", name_vi="Hỗ trợ phẫu thuật tim bẩm sinh", name_en="Heart surgery")
    assert category_name(surgery, "vi") == "Hỗ trợ phẫu thuật tim bẩm sinh"
    assert category_name(surgery, "en") == "Heart surgery"
    assert category_name(Category(code="y", name_vi="Khác", name_en=""), "en") == "Khác"


def test_payout_screens_show_the_english_name_in_english(client, demo, make_user, login, unit):
    make_user("thuquy.cd", "treasurer", "TT-CHUONGDUONG")
    login("thuquy.cd")
    fund = unit("TT-CHUONGDUONG").id
    vietnamese = client.get(f"/disbursements/?unit={fund}").text
    assert "Hỗ trợ phẫu thuật tim bẩm sinh" in vietnamese
    english = client.get(f"/disbursements/?unit={fund}&lang=en").text
    assert "Congenital heart surgery" in english
    assert "Hỗ trợ phẫu thuật tim bẩm sinh" not in english
    form = client.get(f"/disbursements/new?unit={fund}").text
    assert "Congenital heart surgery" in form and "Hỗ trợ phẫu thuật tim bẩm sinh" not in form
