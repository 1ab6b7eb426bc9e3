#!/usr/bin/env bash
# Every check CI runs: formatting, lints, Rust tests, Python lints and tests.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"

cargo fmt --all --check
cargo clippy --workspace --all-targets -q -- -D warnings
cargo test --workspace -q
.venv/bin/ruff check python tests examples bench
.venv/bin/ruff format --check python tests examples bench
.venv/bin/python -m pytest -q "$@"
