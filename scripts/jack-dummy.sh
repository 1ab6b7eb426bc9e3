#!/usr/bin/env bash
# Starts (or stops) a headless JACK server named "chronus" with the dummy driver, for the
# live-audio tests: ./scripts/jack-dummy.sh start | stop
set -euo pipefail
export JACK_DEFAULT_SERVER=chronus JACK_NO_START_SERVER=1
log=${TMPDIR:-/tmp}/chronus-jackd.log
case "${1:-start}" in
start)
    if jack_wait -c 2>/dev/null | grep -q "^running"; then
        echo "jack: server 'chronus' already running"
        exit 0
    fi
    setsid jackd -n chronus -d dummy -r 48000 -p 256 >"$log" 2>&1 < /dev/null &
    jack_wait -w -t 10 >/dev/null || { echo "jack: server did not start, see $log" >&2; exit 1; }
    echo "jack: server 'chronus' running (dummy driver, 48000 Hz, 256 frames)"
    ;;
stop)
    pkill -f "jackd -n chronus" || true
    ;;
*)
    echo "usage: $0 start|stop" >&2
    exit 2
    ;;
esac
