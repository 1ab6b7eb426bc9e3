#!/usr/bin/env bash
# One-shot set-up for a fresh Linux machine: system packages, Rust (if missing), a Python
# virtualenv in .venv with the release build of the extension, then the demo render.
#
#   ./scripts/setup.sh            # install everything and render the demo
#   ./scripts/setup.sh --no-demo  # install only (used by CI)
set -euo pipefail
cd "$(dirname "$0")/.."

run_demo=1
[[ "${1:-}" == "--no-demo" ]] && run_demo=0

# System packages (Debian/Ubuntu names), installed only when missing: a C toolchain, ALSA
# headers for cpal, JACK (server with its dummy driver for headless live audio, and the
# library the engine loads at run time), libclang for the bindings of Signalsmith Stretch
# (the time-stretcher's C++ is compiled into the engine), libopus for Opus files (symphonia
# demuxes Ogg but has no Opus decoder; the engine links the reference one); for the control tests an OSC
# client nobody here wrote (liblo-tools' oscsend), Graphviz (dot) and a headless browser
# with its driver.
APT_PACKAGES=(build-essential pkg-config curl ca-certificates libasound2-dev jackd2 libjack-jackd2-dev coreutils
    libclang-dev libopus-dev liblo-tools graphviz chromium chromium-driver fonts-dejavu-core)
if command -v apt-get >/dev/null 2>&1; then
    missing=()
    for p in "${APT_PACKAGES[@]}"; do
        dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
    done
    python3 -m venv --help >/dev/null 2>&1 || missing+=(python3-venv)
    if ((${#missing[@]})); then
        sudo=""; [[ $(id -u) -ne 0 ]] && sudo="sudo"
        echo "setup: installing system packages: ${missing[*]}"
        # jackd2 asks whether to enable real-time limits; answer no for headless use.
        echo "jackd2 jackd/tweak_rt_limits boolean false" | $sudo debconf-set-selections
        $sudo apt-get update -qq
        DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
    fi
fi

# Rust toolchain (stable) if there is none.
if ! command -v cargo >/dev/null 2>&1; then
    [[ -x "$HOME/.cargo/bin/cargo" ]] || curl -sSf https://sh.rustup.rs | sh -s -- -y --profile minimal -c rustfmt,clippy
    export PATH="$HOME/.cargo/bin:$PATH"
fi

# Python environment and the release build of chronus._core.
[[ -x .venv/bin/python ]] || python3 -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -r requirements-dev.txt
.venv/bin/maturin develop --release -q
echo "setup: chronus $(.venv/bin/python -c 'import chronus; print(chronus.__version__)') installed in .venv"

if ((run_demo)); then
    .venv/bin/chronus demo -o chronus-demo.wav
fi
