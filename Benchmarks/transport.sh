#!/usr/bin/env bash
# Messages per second to Postfix's smtp-sink on 127.0.0.1: the C ceiling (one reused libcurl
# handle per connection) beside the Swift transport, at 1, 2 and 4 connections. Prints figures,
# passes nothing.
# Installs nothing: needs Debian's postfix (for /usr/sbin/smtp-sink) and libcurl4-openssl-dev.
#
#   Benchmarks/transport.sh [COUNT] [SIZE]      (defaults 20000 messages of 2000 bytes)
set -euo pipefail
cd "$(dirname "$0")/.."
count=${1:-20000}
size=${2:-2000}
port=${PORT:-25250}

[ -x /usr/sbin/smtp-sink ] || { echo "smtp-sink is missing: apt-get install postfix" >&2; exit 1; }

work=$(mktemp -d)
sink_user=()
[ "$(id -u)" = 0 ] && sink_user=(-u nobody)
/usr/sbin/smtp-sink "${sink_user[@]}" "127.0.0.1:$port" 256 &
sink=$!
trap 'kill "$sink" 2>/dev/null; wait "$sink" 2>/dev/null; rm -rf "$work"' EXIT
sleep 0.5

cc -O2 -o "$work/curl-ceiling" Benchmarks/curl-ceiling.c $(pkg-config --cflags --libs libcurl)
swift build -c release --product TransportBenchmark >/dev/null
bench=$(swift build -c release --show-bin-path)/TransportBenchmark

url="smtp://127.0.0.1:$port"
now() { echo "$EPOCHREALTIME"; }
# The ceiling at n connections is n C loops in parallel, each on one reused handle, so that the
# transport is compared like for like (on 2 cores, n loops compete for the CPU just as n
# connections do).
for connections in 1 2 4; do
    t0=$(now)
    pids=()
    for ((i = 0; i < connections; i++)); do
        share=$(( count / connections + (i < count % connections ? 1 : 0) ))
        "$work/curl-ceiling" "$url" "$share" "$size" >"$work/ceiling-$i.log" &
        pids+=($!)
    done
    for p in "${pids[@]}"; do wait "$p"; done
    t1=$(now)
    awk -v n="$count" -v c="$connections" -v a="$t0" -v b="$t1" \
        'BEGIN { s = b - a; printf "C ceiling: %d connection(s), %d messages, %.2f s, %.0f msg/s, %.0f msg/s per connection\n", c, n, s, n / s, n / s / c }'
    "$bench" "$url" "$connections" "$count" "$size"
done
