#!/usr/bin/env bash
# Starts (or stops) a headless JACK server with the dummy driver, for the live-audio tests:
#   ./scripts/jack-dummy.sh start | stop
# The server is named by $JACK_DEFAULT_SERVER (default "chronus"), so several checkouts on
# one machine can each run their own.
set -euo pipefail
name=${JACK_DEFAULT_SERVER:-chronus}
export JACK_DEFAULT_SERVER=$name JACK_NO_START_SERVER=1
log=${TMPDIR:-/tmp}/$name-jackd.log
case "${1:-start}" in
start)
    if jack_wait -c 2>/dev/null | grep -q "^running"; then
        echo "jack: server '$name' already running"
        exit 0
    fi
    setsid jackd -n "$name" -d dummy -r 48000 -p 256 >"$log" 2>&1 < /dev/null &
    jack_wait -w -t 10 >/dev/null || { echo "jack: server did not start, see $log" >&2; exit 1; }
    echo "jack: server '$name' running (dummy driver, 48000 Hz, 256 frames)"
    ;;
stop)
    pkill -f "^jackd -n $name -d dummy" || true
    ;;
*)
    echo "usage: $0 start|stop" >&2
    exit 2
    ;;
esac
