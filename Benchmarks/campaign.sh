#!/usr/bin/env bash
# A whole campaign to Postfix's smtp-sink on 127.0.0.1, in messages per second: `breachmail
# subjects notify` beside the peer a user would write instead (Benchmarks/campaign_peer.py:
# csv + email + smtplib, one reused connection per thread) and beside the C ceiling (one reused
# libcurl handle per connection, Benchmarks/curl-ceiling.c, at breachmail's message size).
# Prints figures, passes nothing. Targets: breachmail at least 3x the peer at the same number of
# connections (issue 7), and at least 90 % of the ceiling (issue 18). This machine's speed drifts
# by 2x within an hour, so each breachmail run is paired with a ceiling run right after it, PAIRS
# times (default 3), and the median of the pairs' ratios is printed for each number of connections;
# beside it, the same ratio by the CPU seconds the whole machine spent (the sink's share included),
# which drifts less than wall time.
#
#   Benchmarks/campaign.sh [COUNT] [CONNECTIONS...]      (defaults 100000 subjects, "1 4")
#   PEER=0 Benchmarks/campaign.sh 20000 1               (without the Python peer, which is slow)
#   PAIRS=5 PEER=0 Benchmarks/campaign.sh 100000 1 4     (five pairs per number of connections)
#   BREACHMAIL_BIN=.build-release/release/breachmail Benchmarks/campaign.sh   (a binary built already)
#
# Every figure is subjects / wall seconds of the whole command (process start, CSV reading,
# composing, sending, recording), except the ceiling, which has nothing to read or compose.
# breachmail runs with mail.messages_per_connection raised to 100000 (the default 100 would
# reconnect every 100 messages; the peer and the ceiling never reconnect) and rate_per_second 0.
# Needs Debian's postfix (/usr/sbin/smtp-sink), libcurl4-openssl-dev and /usr/bin/python3.
set -euo pipefail
cd "$(dirname "$0")/.."
count=${1:-100000}
shift || true
connections=("$@")
[ ${#connections[@]} -gt 0 ] || connections=(1 4)
port=${PORT:-25251}
python=${PYTHON:-/usr/bin/python3}
export BREACHMAIL_NOW=2026-10-24T16:00:00+02:00

[ -x /usr/sbin/smtp-sink ] || { echo "smtp-sink is missing: apt-get install postfix" >&2; exit 1; }
[ -x "$python" ] || { echo "$python is missing" >&2; exit 1; }

work=$(mktemp -d)
sink=
cleanup() {
    local rc=$?  # the script's own status, not the stopped sink's
    if [ -n "$sink" ]; then kill "$sink" 2>/dev/null; wait "$sink" 2>/dev/null || true; fi
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
. Benchmarks/ceiling.sh
ceiling_build "$work"

# COUNT made-up people, deterministic: personN@example.org, about half fr, 30 % en, 20 % de.
csv="$work/subjects.csv"
awk -v n="$count" 'BEGIN {
    split("Anaïs Jérôme Oliver Jean Léa Lukas Emma Noah Chloé Jürgen Sophie Max Zoé Hélène Paul Mia", first, " ")
    split("Weber Hansen Wilson Müller Dubois Schmidt Martin Brown Lefèvre Schäfer Smith Bernard Fischer Taylor Girard Wagner", last, " ")
    split("fr fr fr fr fr en en en de de", lang, " ")
    print "email;first_name;last_name;language"
    for (i = 1; i <= n; i++)
        printf "person%d@example.org;%s;%s;%s\n", i, first[(i * 7) % 16 + 1], last[(i * 11) % 16 + 1], lang[(i * 3) % 10 + 1]
}' > "$csv"

# A fresh working directory holding the incident and the subjects; prints the incident id.
prepare() {
    local dir=$1 transport=$2 n=$3
    "$breachmail" init "$dir" >/dev/null
    sed -i -e "s|^  transport: .*|  transport: $transport|" \
           -e "s|^  connections: .*|  connections: $n|" \
           -e "s|^  rate_per_second: .*|  rate_per_second: 0|" \
           -e "s|^  messages_per_connection: .*|  messages_per_connection: 100000|" \
           -e "s|^  allow_plaintext_loopback: .*|  allow_plaintext_loopback: true|" "$dir/breachmail.yaml"
    "$breachmail" incident open --dir "$dir" Config/examples/incident.yaml | grep -o 'BR-[0-9]*-[0-9]*' | head -1
}

# breachmail's message size, for the ceiling: three subjects written to an outbox.
size=$(message_size "$breachmail" "$work/size" "$csv")
peer_size=$("$python" -c '
import sys; sys.path.insert(0, "Benchmarks"); import campaign_peer as p
rows = [dict(email="person%d@example.org" % i, first_name="Jérôme", last_name="Müller", language=l) for i, l in enumerate(["fr", "en", "de"])]
print(sum(len(p.build(r)[0].as_bytes()) for r in rows) // 3)')
echo "Message sizes: breachmail $size bytes (multipart/alternative text+HTML), peer $peer_size bytes (text/plain)"

sink_user=()
[ "$(id -u)" = 0 ] && sink_user=(-u nobody)
/usr/sbin/smtp-sink "${sink_user[@]}" "127.0.0.1:$port" 256 &
sink=$!
sleep 0.5
url="smtp://127.0.0.1:$port"

# The CPU seconds the whole machine spent (user, system, interrupts; /proc/stat, in 1/100 s):
# breachmail or the ceiling, and the sink, on the same two cores. Wall time drifts with the
# machine; the work each run costs drifts less.
busy() { awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 }' /proc/stat; }
cpu_s() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b - a) / 100 }'; }
median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

pairs=${PAIRS:-3}
rows=()
medians=()
for n in "${connections[@]}"; do
    echo "— $n connection(s), $count subjects, $pairs pairs (breachmail, then the ceiling)"
    ratios=()
    cpu_ratios=()
    for ((pair = 1; pair <= pairs; pair++)); do
        dir="$work/run-$n-$pair"
        id=$(prepare "$dir" "$url" "$n")

        t0=$(now)
        "$breachmail" subjects import --dir "$dir" "$id" "$csv" >"$work/import.log"
        t1=$(now)
        s=$(elapsed "$t0" "$t1")
        import_s=$s
        echo "  import: $count rows, $s s, $(rate "$count" "$s") rows/s"

        t0=$(now)
        b0=$(busy)
        "$breachmail" subjects notify --dir "$dir" "$id" >"$work/notify.log" 2>"$work/notify.err" || { cat "$work/notify.log" "$work/notify.err" >&2; exit 1; }
        b1=$(busy)
        t1=$(now)
        s=$(elapsed "$t0" "$t1")
        my_cpu=$(cpu_s "$b0" "$b1")
        sent=$(grep -o 'this run submitted [0-9]*' "$work/notify.log" | grep -o '[0-9]*$')
        echo "  breachmail notify: $sent submitted, $s s, $(rate "$sent" "$s") msg/s, machine CPU $my_cpu s"
        rows+=("breachmail $n $sent $s $pair")
        # The peer reads the CSV as it sends: compare it with breachmail's import and notify together.
        rows+=("breachmail+import $n $sent $(awk -v a="$import_s" -v b="$s" 'BEGIN { print a + b }') $pair")
        mine=$(awk -v a="$sent" -v b="$s" 'BEGIN { print a / b }')
        rm -rf "$dir"

        # The ceiling at n connections, right after: n C loops in parallel, each on one reused handle.
        t0=$(now)
        b0=$(busy)
        ceiling_run "$work" "$url" "$count" "$n" "$size" || exit 1
        b1=$(busy)
        t1=$(now)
        s=$(elapsed "$t0" "$t1")
        ceiling_cpu=$(cpu_s "$b0" "$b1")
        echo "  C ceiling: $count sent, $s s, $(rate "$count" "$s") msg/s, machine CPU $ceiling_cpu s"
        rows+=("libcurl-ceiling $n $count $s $pair")
        ratio=$(awk -v a="$mine" -v n="$count" -v s="$s" 'BEGIN { printf "%.1f", 100 * a / (n / s) }')
        # By CPU: the ceiling's machine CPU per message over breachmail's (both with the sink's share).
        cpu_ratio=$(awk -v mc="$my_cpu" -v ms="$sent" -v cc="$ceiling_cpu" -v n="$count" 'BEGIN { printf "%.1f", 100 * (cc / n) / (mc / ms) }')
        echo "  pair $pair: breachmail at $ratio % of the ceiling ($cpu_ratio % by machine CPU)"
        ratios+=("$ratio")
        cpu_ratios+=("$cpu_ratio")
    done
    medians+=("$n connection(s): median $(median "${ratios[@]}") % of the ceiling over $pairs pairs (${ratios[*]}); by machine CPU $(median "${cpu_ratios[@]}") % (${cpu_ratios[*]})")

    if [ "${PEER:-1}" != 0 ]; then
        t0=$(now)
        out=$("$python" Benchmarks/campaign_peer.py "$csv" 127.0.0.1 "$port" "$n")
        t1=$(now)
        s=$(elapsed "$t0" "$t1")
        sent=$(echo "$out" | grep -o '[0-9]* accepted' | grep -o '[0-9]*')
        echo "  $out; wall $s s"
        rows+=("python-peer $n $sent $s 1")
    fi
done

echo
echo "Campaign of $count subjects to smtp-sink on 127.0.0.1 (breachmail message $size bytes, peer $peer_size bytes)"
echo "breachmail = subjects notify alone (against the ceiling, which sends ready messages); breachmail+import ="
echo "subjects import + subjects notify, the same work as the peer, which reads the CSV as it sends (/peer)."
printf '%-16s %5s %4s %9s %9s %9s %9s %11s\n' tool conns pair messages seconds msg/s '/peer' '/ceiling'
for row in "${rows[@]}"; do
    read -r tool n sent s pair <<<"$row"
    peer=; ceiling=
    for other in "${rows[@]}"; do
        read -r t2 n2 sent2 s2 pair2 <<<"$other"
        [ "$n2" = "$n" ] || continue
        [ "$t2" = python-peer ] && peer=$(awk -v a="$sent2" -v b="$s2" 'BEGIN { print a / b }')
        [ "$t2" = libcurl-ceiling ] && [ "$pair2" = "$pair" ] && ceiling=$(awk -v a="$sent2" -v b="$s2" 'BEGIN { print a / b }')
    done
    [ -n "$ceiling" ] || ceiling=0
    awk -v tool="$tool" -v n="$n" -v pair="$pair" -v sent="$sent" -v s="$s" -v peer="$peer" -v ceiling="$ceiling" 'BEGIN {
        r = sent / s
        vs = (peer > 0 && tool != "breachmail") ? sprintf("%8.2fx", r / peer) : sprintf("%9s", "-")
        c = ceiling > 0 ? sprintf("%10.0f%%", 100 * r / ceiling) : sprintf("%11s", "-")
        printf "%-16s %5d %4s %9d %9.2f %9.0f %s %s\n", tool, n, pair, sent, s, r, vs, c
    }'
done
echo
printf '%s\n' "${medians[@]}"
