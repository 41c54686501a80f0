#!/usr/bin/env bash
# Posting, this checkout against an earlier commit, alternated on the same machine in the same
# minutes (README "Posting against the code the issue measured"):
#
#   scripts/post_against.sh [COMMIT] [RECEIPTS] [ROUNDS] [conf|sync] [sqlite|postgresql]
#
# COMMIT (default 5d1a0d8, main when issue #14 was filed) is checked out in a git worktree with
# a venv of its own; each side generates its own database of RECEIPTS (default 20,000) at
# 10,600 communes with its own `bench generate` (the earlier generator's remittance sizing
# fixed as in cbd2dba, or it overdraws a cash book at this size); then ROUNDS times (default 3)
# each side posts on a fresh copy, earlier side first: 8 treasurers, 2 runs of 15 s.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
commit="${1:-5d1a0d8}" receipts="${2:-20000}" rounds="${3:-3}" mode="${4:-conf}" engine="${5:-sqlite}"
work="${POST_AGAINST_DIR:-/tmp/post-against}"
mkdir -p "$work"
before="$work/before-$commit"
if [ ! -d "$before" ]; then
  git -C "$here" worktree add --detach "$before" "$commit"
  git -C "$here" show cbd2dba -- ledger/bench/generate.py | git -C "$before" apply -3 || true
fi
[ -x "$before/.venv/bin/python" ] || {
  python3 -m venv "$before/.venv" && "$before/.venv/bin/pip" install -q -e "$before"
  "$before/.venv/bin/pybabel" compile -q -d "$before/ledger/translations"
}
url_of() {  # side → its database URL (PostgreSQL: a database of its own, made afresh)
  if [ "$engine" = sqlite ]; then echo "sqlite:///$work/$1.db"; else
    echo "postgresql+psycopg://postgres@127.0.0.1:5432/post_against_$1"; fi
}
copy_of() {  # side → a fresh copy to post on
  if [ "$engine" = sqlite ]; then
    rm -f "$work/run.db" "$work/run.db-wal" "$work/run.db-shm"; cp "$work/$1.db" "$work/run.db"
    echo "sqlite:///$work/run.db"
  else
    psql -q -h 127.0.0.1 -U postgres -d test -c "DROP DATABASE IF EXISTS post_against_run" \
      -c "CREATE DATABASE post_against_run TEMPLATE post_against_$1" >&2
    echo "postgresql+psycopg://postgres@127.0.0.1:5432/post_against_run"
  fi
}
exists() {  # side → whether its database was generated already (kept until the end)
  if [ "$engine" = sqlite ]; then [ -f "$work/$1.db" ]; else
    psql -tA -h 127.0.0.1 -U postgres -d test \
      -c "SELECT 1 FROM pg_database WHERE datname = 'post_against_$1'" | grep -q 1; fi
}
for side in before after; do
  dir="$before"; [ "$side" = after ] && dir="$here"
  exists "$side" && continue
  [ "$engine" = sqlite ] || psql -q -h 127.0.0.1 -U postgres -d test -c "CREATE DATABASE post_against_$side"
  (cd "$dir" && .venv/bin/flask --app ledger bench generate --receipts "$receipts" \
    --db "$(url_of "$side")" | tail -n 1)
done
for round in $(seq "$rounds"); do
  for side in before after; do
    dir="$before"; [ "$side" = after ] && dir="$here"
    url="$(copy_of "$side")"
    echo "round $round, $side ($( [ "$side" = before ] && echo "$commit" || git -C "$here" rev-parse --short HEAD)):"
    (cd "$dir" && .venv/bin/python "$here/scripts/post_against.py" "$url" 15 2 "$mode")
  done
done
if [ "$engine" = postgresql ]; then
  psql -q -h 127.0.0.1 -U postgres -d test -c "DROP DATABASE IF EXISTS post_against_run" \
    -c "DROP DATABASE IF EXISTS post_against_before" -c "DROP DATABASE IF EXISTS post_against_after"
fi
