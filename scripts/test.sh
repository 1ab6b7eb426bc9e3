#!/usr/bin/env bash
# Every check CI runs: formatting, lints, Rust tests, Python lints and tests.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"

# The live-audio tests play through a headless JACK server; start one unless it runs
# already (CI starts its own), and stop it again if we started it.
export JACK_DEFAULT_SERVER=${JACK_DEFAULT_SERVER:-chronus} JACK_NO_START_SERVER=1
if command -v jackd >/dev/null && ! jack_wait -c 2>/dev/null | grep -q "^running"; then
    ./scripts/jack-dummy.sh start
    trap './scripts/jack-dummy.sh stop' EXIT
fi

cargo fmt --all --check
cargo clippy --workspace --all-targets -q -- -D warnings
# The device backends are Cargo features (on by default): builds with none or one of them
# must stay clean too.
for features in "" jack cpal os-midi; do
    cargo clippy -p chronus-engine --no-default-features --features "$features" --all-targets -q -- -D warnings
done
cargo test --workspace -q
# The real backends' callback threads under the allocation checker (null and JACK).
cargo clippy -p chronus-engine --features alloc-check --all-targets -q -- -D warnings
cargo test -p chronus-engine --features alloc-check --test callback_alloc -q
# The engine's API documentation builds without a warning (missing docs are linted too).
RUSTDOCFLAGS="-D warnings" cargo doc --no-deps -p chronus-engine -q
.venv/bin/ruff check python tests examples bench scripts
.venv/bin/ruff format --check python tests examples bench scripts
# Types: the package, the examples and the README's code, strictly; the stubs of the
# compiled module against the module itself.
.venv/bin/mypy
.venv/bin/python -m mypy.stubtest chronus._core
.venv/bin/python -m pytest -q "$@"
