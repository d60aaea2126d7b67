#!/usr/bin/env bash
# What a DPO runs on a large incident, timed as whole `breachmail` processes at each size given
# (issue 18): `subjects import`, the campaign (`subjects notify`) to Postfix's smtp-sink on
# 127.0.0.1, `status`, `public-notice --force`, and `bounces ingest` of 1,000 bounces with VERP
# tokens and of 1,000 without (found by the returned Message-ID). Then, for each figure, the ratio
# from one size to the next: about 10 for a command linear in the people, from 10× the people.
# Prints figures, passes nothing. Targets at 1,000,000 people: import ≤ 5 s, campaign ≤ 150 s at 4
# connections, status ≤ 0.5 s, public-notice ≤ 15 s, 1,000 token-less bounces ≤ 1 s; no command's
# time grows more than 12× from 100,000 to 1,000,000 people. After each size's commands, the C
# ceiling (Benchmarks/curl-ceiling.c) sends as many messages of the campaign's size at as many
# connections: this machine's speed drifts by 2× within an hour, and the campaign's time is read
# beside it.
#
#   Benchmarks/scale.sh [SIZE...]                         (default 10000 100000)
#   BREACHMAIL_BIN=.build-release/release/breachmail Benchmarks/scale.sh 10000 100000 1000000
#
# CONNECTIONS (default 4) sets mail.connections. SHUFFLE=1 puts the rows in a random (but fixed)
# order: the addresses then reach the address index in no order, as in a real customer list (the
# default person1@…, person2@… reach it nearly in order: the import is about twice as fast).
# Needs Debian's postfix (/usr/sbin/smtp-sink), cc and libcurl4-openssl-dev.
# Peak memory (VmHWM) of the import is printed beside its time, and the largest write-ahead log.
set -euo pipefail
cd "$(dirname "$0")/.."
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(10000 100000)
port=${PORT:-25253}
connections=${CONNECTIONS:-4}
export BREACHMAIL_NOW=2026-10-24T16:00:00+02:00
export BREACHMAIL_ACTOR=bench
[ -x /usr/sbin/smtp-sink ] || { echo "smtp-sink is missing: apt-get install postfix" >&2; exit 1; }

breachmail=${BREACHMAIL_BIN:-}
if [ -z "$breachmail" ]; then
    echo "Building breachmail (release)…"
    breachmail=$(scripts/build-release.sh)
fi

work=$(mktemp -d)
sink=
cleanup() {
    local rc=$?
    if [ -n "$sink" ]; then kill "$sink" 2>/dev/null; wait "$sink" 2>/dev/null || true; fi
    rm -rf "$work"
    exit "$rc"
}
trap cleanup EXIT

. Benchmarks/ceiling.sh
ceiling_build "$work"
size=

sink_user=()
[ "$(id -u)" = 0 ] && sink_user=(-u nobody)
/usr/sbin/smtp-sink "${sink_user[@]}" "127.0.0.1:$port" 256 &
sink=$!
sleep 0.5

# Seconds of a whole command (its output to FILE); fails the script when the command fails.
timed() {
    local out=$1; shift
    local t0 t1
    t0=$EPOCHREALTIME
    "$@" >"$out" 2>&1 || { echo "failed: $*" >&2; cat "$out" >&2; exit 1; }
    t1=$EPOCHREALTIME
    awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }'
}

# The import's time and peak memory: /usr/bin/time when there is one, else the time alone.
timed_import() {
    local out=$1; shift
    if [ -x /usr/bin/time ]; then
        local t0 t1
        t0=$EPOCHREALTIME
        /usr/bin/time -f '%M' -o "$work/peak" "$@" >"$out" 2>&1 || { cat "$out" >&2; exit 1; }
        t1=$EPOCHREALTIME
        awk -v a="$t0" -v b="$t1" -v kib="$(tail -1 "$work/peak")" 'BEGIN { printf "%.3f %.1f", b - a, kib / 1024 }'
    else
        echo "$(timed "$out" "$@") -"
    fi
}

declare -A seconds
labels=("import" "campaign (notify)" "C ceiling, as many" "status" "public-notice --force" "1,000 bounces, tokens" "1,000 bounces, no token")
for n in "${sizes[@]}"; do
    echo "— $n people"
    dir="$work/$n"
    "$breachmail" init "$dir" >/dev/null
    sed -i -e "s|^  transport: .*|  transport: smtp://127.0.0.1:$port|" \
           -e "s|^  connections: .*|  connections: $connections|" \
           -e "s|^  rate_per_second: .*|  rate_per_second: 0|" \
           -e "s|^  messages_per_connection: .*|  messages_per_connection: 100000|" \
           -e "s|^  allow_plaintext_loopback: .*|  allow_plaintext_loopback: true|" "$dir/breachmail.yaml"
    mkdir -p "$dir/secrets"
    head -c 32 /dev/urandom | base64 > "$dir/secrets/verp.key"
    chmod 600 "$dir/secrets/verp.key"
    id=$("$breachmail" incident open --dir "$dir" Config/examples/incident.yaml | grep -o 'BR-[0-9]*-[0-9]*' | head -1)
    csv="$work/subjects-$n.csv"
    awk -v n="$n" 'BEGIN {
        split("Anaïs Jérôme Oliver Jean Léa Lukas Emma Noah Chloé Jürgen Sophie Max Zoé Hélène Paul Mia", first, " ")
        split("Weber Hansen Wilson Müller Dubois Schmidt Martin Brown Lefèvre Schäfer Smith Bernard Fischer Taylor Girard Wagner", last, " ")
        split("fr fr fr fr fr en en en de de", lang, " ")
        print "email;first_name;last_name;language"
        for (i = 1; i <= n; i++)
            printf "person%d@example.org;%s;%s;%s\n", i, first[(i * 7) % 16 + 1], last[(i * 11) % 16 + 1], lang[(i * 3) % 10 + 1]
    }' > "$csv"
    if [ "${SHUFFLE:-0}" = 1 ]; then
        { head -1 "$csv"; tail -n +2 "$csv" | shuf --random-source=<(yes); } > "$csv.shuffled"
        mv "$csv.shuffled" "$csv"
    fi

    # The largest write-ahead log while importing, sampled every 50 ms.
    ( peak=0; while :; do s=$(stat -c %s "$dir/register.sqlite-wal" 2>/dev/null || echo 0); [ "$s" -gt "$peak" ] && peak=$s && echo "$peak" > "$work/wal"; sleep 0.05; done ) &
    sampler=$!
    read -r s mib <<<"$(timed_import "$work/import.log" "$breachmail" subjects import --dir "$dir" "$id" "$csv")"
    kill "$sampler"; wait "$sampler" 2>/dev/null || true
    seconds["$n,import"]=$s
    echo "  import                   $s s   peak memory $mib MiB, largest WAL $(awk '{ printf "%.1f MB", $1 / 1e6 }' "$work/wal" 2>/dev/null || echo -)"
    rm -f "$work/wal"

    s=$(timed "$work/notify.log" "$breachmail" subjects notify --dir "$dir" "$id")
    sent=$(grep -o 'this run submitted [0-9]*' "$work/notify.log" | grep -o '[0-9]*$')
    seconds["$n,campaign (notify)"]=$s
    echo "  campaign (notify)        $s s   $sent submitted, $(awk -v n="$sent" -v s="$s" 'BEGIN { printf "%.0f", n / s }') msg/s at $connections connections"
    campaign_s=$s

    s=$(timed "$work/status.log" "$breachmail" status --dir "$dir" "$id")
    seconds["$n,status"]=$s
    echo "  status                   $s s"

    s=$(timed "$work/public.log" "$breachmail" public-notice --dir "$dir" "$id" --force --output "$work/public-$n.txt")
    seconds["$n,public-notice --force"]=$s
    echo "  public-notice --force    $s s"

    # 1,000 bounces with tokens for the first 1,000 people; 1,000 without for the next 1,000.
    "$breachmail" demo bounces --dir "$dir" "$id" --count 1000 >/dev/null
    "$breachmail" demo bounces --dir "$dir" "$id" --count 2000 --without-token >/dev/null
    find "$dir/demo-bounces-2000-without-token/new" -name '*.demo*' | awk -F'[.]demo' '{ split($2, a, "."); if (a[1] + 0 <= 1000) print }' | xargs rm -f
    s=$(timed "$work/bounces.log" "$breachmail" bounces ingest --dir "$dir" "$dir/demo-bounces-1000")
    seconds["$n,1,000 bounces, tokens"]=$s
    echo "  1,000 bounces, tokens    $s s"
    s=$(timed "$work/bounces2.log" "$breachmail" bounces ingest --dir "$dir" "$dir/demo-bounces-2000-without-token")
    seconds["$n,1,000 bounces, no token"]=$s
    echo "  1,000 bounces, no token  $s s"

    # The C ceiling, as many messages of breachmail's size at as many connections: the machine's
    # speed drifts, and the campaign's time means something beside it. Run after the commands
    # that read the register, which would otherwise find it out of the page cache (this machine
    # keeps little there; a DPO asks `status` while or just after the campaign writes it).
    [ -n "$size" ] || size=$(message_size "$breachmail" "$work/size" "$csv")
    s=$(timed "$work/ceiling.log" ceiling_run "$work" "smtp://127.0.0.1:$port" "$sent" "$connections" "$size")
    seconds["$n,C ceiling, as many"]=$s
    echo "  C ceiling, as many       $s s   ($size-byte messages; the campaign at $(awk -v c="$s" -v b="$campaign_s" 'BEGIN { printf "%.1f", 100 * c / b }') % of its rate)"
    # What the two ingests recorded (counts only), so that the times are of the same work.
    sed -n '1,12p' "$work/bounces.log" | sed 's/^/    tokens:   /'
    sed -n '1,12p' "$work/bounces2.log" | sed 's/^/    no token: /' 
    rm -rf "$dir"
done

echo
echo "Whole processes, seconds, at each size; ×: the time's ratio to the previous size's"
printf '%-26s' what
for n in "${sizes[@]}"; do printf '%14s' "$n"; done
echo
for label in "${labels[@]}"; do
    printf '%-26s' "$label"
    previous=
    for n in "${sizes[@]}"; do
        s=${seconds["$n,$label"]}
        if [ -n "$previous" ]; then
            printf '%14s' "$(awk -v a="$previous" -v b="$s" 'BEGIN { printf "%.2f ×%.1f", b, b / a }')"
        else
            printf '%14s' "$(printf '%.2f' "$s")"
        fi
        previous=$s
    done
    echo
done
