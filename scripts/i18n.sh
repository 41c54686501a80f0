#!/usr/bin/env bash
# The English catalog is kept by hand: `pybabel update` would mark the audit log's labels
# obsolete (they carry the "audit" context through `_a`, which extraction cannot see).
# 1. list the strings the code marks that the catalog lacks (the test names file and line);
# 2. add each to ledger/translations/en/LC_MESSAGES/messages.po with its English;
# 3. compile.
set -euo pipefail
cd "$(dirname "$0")/.."
.venv/bin/python -m pytest -p no:xdist -q tests/test_i18n.py || true
.venv/bin/pybabel compile -d ledger/translations
