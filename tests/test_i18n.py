"""Every UI string has an English translation; Vietnamese is the default."""

from pathlib import Path

from babel.messages.pofile import read_po

PO = Path(__file__).resolve().parents[1] / "ledger/translations/en/LC_MESSAGES/messages.po"


def test_every_message_is_translated_to_english():
    catalog = read_po(PO.open("rb"))
    untranslated = [m.id for m in catalog if m.id and not m.string]
    fuzzy = [m.id for m in catalog if m.id and m.fuzzy]
    assert untranslated == [] and fuzzy == []


def test_default_language_is_vietnamese(client):
    page = client.get("/auth/login")
    assert '<html lang="vi">' in page.text and "Đăng nhập" in page.text
