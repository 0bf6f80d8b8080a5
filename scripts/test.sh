#!/usr/bin/env bash
# The whole test suite: formatting, lints, the domain's no-I/O rule, and every test (unit tests
# without a database; integration tests on the real PostgreSQL at 127.0.0.1:5432, each test in
# its own schemas). PostgreSQL and Redis must be running (`.ci/run` starts them if not).
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== cargo fmt --check"
cargo fmt --all -- --check

echo "== domain has no I/O dependency (DESIGN §2)"
# cqrs-es itself brings tokio (sync, rt) for its test executor; nothing that does I/O may come in.
if cargo tree -p sekretariat-domain -e normal --prefix none | grep -E '^(sqlx|postgres-es|actix|redis|reqwest|hyper|mio|socket2|tokio-postgres)[ -]'; then
  echo "sekretariat-domain depends on an I/O crate (listed above)" >&2
  exit 1
fi

echo "== cargo clippy"
cargo clippy --workspace --all-targets --locked -- -D warnings

echo "== cargo test"
log=$(mktemp)
trap 'rm -f "$log"' EXIT
cargo test --workspace --locked 2>&1 | tee "$log"
# One closing line for the whole suite (cargo prints one per test binary, the last often a
# doc-test run of zero).
awk '/^test result:/ { p += $4; f += $6; s += $8 } END { printf "\nsuite: %d passed, %d failed, %d skipped\n", p, f, s }' "$log"
