#!/usr/bin/env bash
# Re-extract UI strings (Vietnamese msgids), merge them into the English catalog, compile.
# Translate the new empty msgstr entries in ledger/translations/en/LC_MESSAGES/messages.po.
set -euo pipefail
cd "$(dirname "$0")/.."
.venv/bin/pybabel extract -F babel.cfg -k _l -k lazy_gettext -o ledger/translations/messages.pot .
.venv/bin/pybabel update -i ledger/translations/messages.pot -d ledger/translations -w 100
.venv/bin/pybabel compile -d ledger/translations
