"""List filters: a value that does not parse is left out and its field named; never a 500."""

from ledger.services.campaigns import find_campaign


def test_bad_receipt_filters_are_named_and_the_list_still_shows(client, make_user, login):
    make_user("thuquy.tt", "treasurer", "TT")
    login("thuquy.tt")
    page = client.get("/receipts/?from=31/02/2018&method=zzz&min=abc&max=5.000.000")
    assert page.status_code == 200
    assert "“Từ ngày”: Ngày không hợp lệ" in page.text
    assert "“Hình thức”: Giá trị không hợp lệ." in page.text
    assert "“Số tiền từ”" in page.text and "“Số tiền đến”" not in page.text


def test_bad_filters_elsewhere_never_fail(client, make_user, login, session, unit):
    make_user("duyet.tt", "reviewer", "TT")
    login("duyet.tt")
    campaign = find_campaign(session, unit_id=unit("TT").id, year=2018)
    for url in (
        "/disbursements/?status=x&category=²&from=1/1/1800",
        "/transfers/?status=lost",
        f"/campaigns/{campaign.id}?as_of=hôm+nay&sort=zzz&dir=up",
        f"/campaigns/{campaign.id}/charts/progress.png?as_of=99/99/9999",
    ):
        assert client.get(url).status_code == 200, url
    page = client.get(f"/campaigns/{campaign.id}?as_of=32/01/2018")
    assert "“Tính đến ngày”" in page.text
