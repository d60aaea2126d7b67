#!/usr/bin/env bash
# The service's overhead, in one run beside the command line: a campaign to Postfix's smtp-sink
# started through `breachmail serve`'s API (POST …/campaign/start, then following its events to
# `finished`) beside `breachmail subjects notify` on the same register size and connections, in
# messages per second, paired (cli, api, cli, api… — this machine's speed drifts); then requests
# per second of `GET /v1/incidents/ID/status` on registers of growing size (wrk, 4 connections,
# 10 s), which must not grow with the people. Prints figures, passes nothing.
#
#   Benchmarks/serve.sh [COUNT] [CONNECTIONS...]          (defaults 20000 subjects, "1 4")
#   STATUS_SIZES="10000 100000 1000000" Benchmarks/serve.sh   (register sizes for GET status)
#   BREACHMAIL_BIN=.build-release/release/breachmail Benchmarks/serve.sh   (a binary built already)
#
# Needs Debian's postfix (/usr/sbin/smtp-sink, in .ci/packages.txt) and wrk, which only the
# benchmarks use: it is listed in Benchmarks/packages.txt, which CI and scripts/setup.sh do not
# install (apt-get install -y wrk).
set -euo pipefail
cd "$(dirname "$0")/.."
count=${1:-20000}
shift || true
connections=("$@")
[ ${#connections[@]} -gt 0 ] || connections=(1 4)
pairs=${PAIRS:-3}
port=${PORT:-25261}
status_sizes=${STATUS_SIZES:-"10000 100000"}
export BREACHMAIL_NOW=2026-10-24T16:00:00+02:00 BREACHMAIL_ACTOR=bench

[ -x /usr/sbin/smtp-sink ] || { echo "smtp-sink is missing: apt-get install postfix" >&2; exit 1; }
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install -y \$(sed 's/#.*//' Benchmarks/packages.txt)" >&2; exit 1; }

work=$(mktemp -d)
sink=
server=
cleanup() {
    local rc=$?
    [ -z "$server" ] || { kill "$server" 2>/dev/null; wait "$server" 2>/dev/null || true; }
    [ -z "$sink" ] || { kill "$sink" 2>/dev/null; wait "$sink" 2>/dev/null || true; }
    rm -rf "$work"
    exit "$rc"
}
trap cleanup EXIT

now() { echo "$EPOCHREALTIME"; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b - a }'; }
rate() { awk -v n="$1" -v s="$2" 'BEGIN { printf "%.0f", n / s }'; }

breachmail=${BREACHMAIL_BIN:-}
if [ -z "$breachmail" ]; then
    echo "Building breachmail (release)…"
    breachmail=$(scripts/build-release.sh)
fi

people() {
    awk -v n="$1" 'BEGIN {
        split("fr fr fr fr fr en en en de de", lang, " ")
        print "email;first_name;last_name;language"
        for (i = 1; i <= n; i++) printf "person%d@example.org;Anaïs;Müller;%s\n", i, lang[(i * 3) % 10 + 1]
    }'
}
people "$count" > "$work/subjects.csv"

# A fresh working directory with the incident and COUNT people; prints the incident id.
prepare() {
    local dir=$1 n=$2 csv=$3
    "$breachmail" init "$dir" >/dev/null
    sed -i -e "s|^  transport: .*|  transport: smtp://127.0.0.1:$port|" \
           -e "s|^  connections: .*|  connections: $n|" \
           -e "s|^  rate_per_second: .*|  rate_per_second: 0|" \
           -e "s|^  messages_per_connection: .*|  messages_per_connection: 100000|" \
           -e "s|^  allow_plaintext_loopback: .*|  allow_plaintext_loopback: true|" "$dir/breachmail.yaml"
    local id
    id=$("$breachmail" incident open --dir "$dir" Config/examples/incident.yaml | grep -o 'BR-[0-9]*-[0-9]*' | head -1)
    "$breachmail" subjects import --dir "$dir" "$id" "$csv" >/dev/null
    echo "$id"
}

# Starts `serve` on DIR; sets $server and $url.
serve() {
    local dir=$1
    "$breachmail" serve --dir "$dir" --listen 127.0.0.1:0 >"$work/serve.out" 2>"$work/serve.err" &
    server=$!
    for _ in $(seq 1 300); do
        grep -q 'listening on' "$work/serve.out" 2>/dev/null && break
        sleep 0.1
    done
    url=$(sed -n 's/^breachmail serve: listening on //p' "$work/serve.out" | head -1)
    [ -n "$url" ] || { cat "$work/serve.err" >&2; echo "serve did not start" >&2; exit 1; }
}
stop_serve() { kill "$server"; wait "$server" 2>/dev/null || true; server=; }

sink_user=()
[ "$(id -u)" = 0 ] && sink_user=(-u nobody)
/usr/sbin/smtp-sink "${sink_user[@]}" "127.0.0.1:$port" 256 &
sink=$!
sleep 0.5

rows=()
for n in "${connections[@]}"; do
    for ((p = 1; p <= pairs; p++)); do
        dir="$work/cli-$n-$p"
        id=$(prepare "$dir" "$n" "$work/subjects.csv")
        t0=$(now)
        "$breachmail" subjects notify --dir "$dir" "$id" >"$work/notify.log" 2>&1 || { cat "$work/notify.log" >&2; exit 1; }
        t1=$(now)
        s=$(elapsed "$t0" "$t1")
        echo "  $n conn, pair $p: subjects notify  $count in $s s, $(rate "$count" "$s") msg/s"
        rows+=("cli $n $p $count $s")
        rm -rf "$dir"

        dir="$work/api-$n-$p"
        id=$(prepare "$dir" "$n" "$work/subjects.csv")
        token=$("$breachmail" token create bench --role operator --dir "$dir")
        serve "$dir"
        t0=$(now)
        curl -sS -f -X POST -H "Authorization: Bearer $token" "$url/v1/incidents/$id/campaign/start" >/dev/null
        curl -sS -N -H "Authorization: Bearer $token" "$url/v1/incidents/$id/campaign/events" >"$work/events.log"
        t1=$(now)
        s=$(elapsed "$t0" "$t1")
        grep -q 'event: finished' "$work/events.log" || { tail -5 "$work/events.log" >&2; echo "no finished event" >&2; exit 1; }
        echo "  $n conn, pair $p: API campaign     $count in $s s, $(rate "$count" "$s") msg/s"
        rows+=("api $n $p $count $s")
        stop_serve
        rm -rf "$dir"
    done
done

echo
echo "Campaign of $count people to smtp-sink, $pairs pairs per connection count (median of each)"
printf '%-6s %5s %9s %9s\n' way conns 'msg/s' 'api/cli'
for n in "${connections[@]}"; do
    cli=$(for r in "${rows[@]}"; do read -r w c _ k s <<<"$r"; if [ "$w" = cli ] && [ "$c" = "$n" ]; then rate "$k" "$s"; echo; fi; done | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }')
    api=$(for r in "${rows[@]}"; do read -r w c _ k s <<<"$r"; if [ "$w" = api ] && [ "$c" = "$n" ]; then rate "$k" "$s"; echo; fi; done | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }')
    printf '%-6s %5d %9d %9s\n' cli "$n" "$cli" -
    printf '%-6s %5d %9d %8.1f%%\n' api "$n" "$api" "$(awk -v a="$api" -v c="$cli" 'BEGIN { print 100 * a / c }')"
done

echo
echo "GET /v1/incidents/ID/status (wrk: 2 threads, 4 connections, 10 s)"
printf '%10s %12s %12s\n' people 'requests/s' 'latency p50'
for size in $status_sizes; do
    people "$size" > "$work/status.csv"
    dir="$work/status-$size"
    id=$(prepare "$dir" 1 "$work/status.csv")
    token=$("$breachmail" token create bench --role auditor --dir "$dir")
    serve "$dir"
    out=$(wrk -t2 -c4 -d10s --latency -H "Authorization: Bearer $token" "$url/v1/incidents/$id/status")
    rps=$(echo "$out" | awk '/Requests\/sec/ { print $2 }')
    p50=$(echo "$out" | awk '$1 == "50%" { print $2 }')
    printf '%10d %12s %12s\n' "$size" "$rps" "$p50"
    stop_serve
    rm -rf "$dir"
done
