#!/usr/bin/env bash
# One campaign to Postfix's smtp-sink on 127.0.0.1, on the SQLite register (one `subjects notify`)
# beside the PostgreSQL register with 1, 2 and 4 worker processes sharing it (issue 15), in one
# run: messages per second (people / wall seconds from the first worker's start to the last one's
# end), claims per second (the `subjects.digest` entries the claims appended, per second), and
# the peak memory (maximum resident set) and CPU seconds of each worker, and the CPU seconds the
# whole machine spent (the database and the sink included); and the time of the whole
# `subjects import` of the people into each register. Prints figures, passes nothing.
# Targets: PostgreSQL with one worker within 15 % of SQLite; adding workers adds throughput until
# the sink or the CPUs are the limit (the script prints the CPUs and the load it saw).
#
#   Benchmarks/postgres.sh [COUNT] [WORKERS...]           (defaults 1000000 people, "1 2 4")
#   Benchmarks/postgres.sh 20000 1 2                      (a short run)
#   BREACHMAIL_BIN=.build-release/release/breachmail Benchmarks/postgres.sh   (a binary built already)
#
# Starts its own PostgreSQL cluster (Debian's postgresql, initdb as the `postgres` user, on the
# loopback, in a temporary directory; stopped at the end) and smtp-sink. Each worker runs with
# mail.connections CONNECTIONS (default 4), rate_per_second 0, messages_per_connection 100000.
# Needs Debian's postfix (/usr/sbin/smtp-sink), postgresql and GNU time (/usr/bin/time) when present.
set -euo pipefail
cd "$(dirname "$0")/.."
count=${1:-1000000}
shift || true
workers=("$@")
[ ${#workers[@]} -gt 0 ] || workers=(1 2 4)
port=${PORT:-25252}
pgport=${PGPORT_BENCH:-25432}
connections=${CONNECTIONS:-4}
export BREACHMAIL_NOW=2026-10-24T16:00:00+02:00

[ -x /usr/sbin/smtp-sink ] || { echo "smtp-sink is missing: apt-get install postfix" >&2; exit 1; }
pgbin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
[ -n "$pgbin" ] || { echo "PostgreSQL is missing: apt-get install postgresql" >&2; exit 1; }

work=$(mktemp -d)
chmod 755 "$work"
sink=
pgdata="$work/pg"
cleanup() {
    local rc=$?
    if [ -n "$sink" ]; then kill "$sink" 2>/dev/null; wait "$sink" 2>/dev/null || true; fi
    [ -d "$pgdata" ] && runuser -u postgres -- "$pgbin/pg_ctl" -D "$pgdata" -m immediate stop >/dev/null 2>&1 || true
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
timer=()
[ -x /usr/bin/time ] && timer=(/usr/bin/time -f '%M %U %S')
# CPU seconds (user + system) the whole machine spent so far.
busy() { awk '/^cpu / { printf "%.2f", ($2 + $3 + $4 + $7 + $8) / 100 }' /proc/stat; }
# CPU seconds (user + system) of processes: of the database's (every process of the `postgres` user,
# with what the backends that ended left in their parent's count) and of the sink.
ticks=$(getconf CLK_TCK)
# A process gone meanwhile counts 0 (awk prints its sum even with nothing read).
cputime() { local p t=0; for p in "$@"; do t=$((t + $(sed 's/.*) //' "/proc/$p/stat" 2>/dev/null | awk '{ s = $12 + $13 + $14 + $15 } END { print s + 0 }'))); done
            awk -v t="$t" -v k="$ticks" 'BEGIN { printf "%.2f", t / k }'; }
dbcpu() { cputime $(pgrep -u postgres); }
sinkcpu() { cputime "$sink"; }

# The private cluster: trust on the loopback only, fsync on (the figures are a real register's).
mkdir -p "$pgdata"
chown postgres "$work" "$pgdata"
runuser -u postgres -- "$pgbin/initdb" -D "$pgdata" -U postgres -A trust -E UTF8 --locale=C.UTF-8 >/dev/null
runuser -u postgres -- "$pgbin/pg_ctl" -D "$pgdata" -l "$pgdata/log" -w -t 60 \
    -o "-p $pgport -k $pgdata -c listen_addresses=127.0.0.1 -c max_connections=100" start </dev/null >/dev/null 2>&1
psql() { "$pgbin/psql" -X -q -h 127.0.0.1 -p "$pgport" -U postgres "$@"; }

# COUNT made-up people, deterministic (as Benchmarks/campaign.sh).
csv="$work/subjects.csv"
awk -v n="$count" 'BEGIN {
    split("fr fr fr fr fr en en en de de", lang, " ")
    print "email;first_name;last_name;language"
    for (i = 1; i <= n; i++) printf "person%d@example.org;Léa;Müller;%s\n", i, lang[(i * 3) % 10 + 1]
}' > "$csv"

/usr/sbin/smtp-sink $([ "$(id -u)" = 0 ] && echo -u nobody) "127.0.0.1:$port" 256 &
sink=$!
sleep 0.5

# A working directory on REGISTER (empty: SQLite) with the incident and the people imported.
prepare() {
    local dir=$1 register=$2
    if [ -n "$register" ]; then "$breachmail" init "$dir" --register "$register" >/dev/null; else "$breachmail" init "$dir" >/dev/null; fi
    sed -i -e "s|^  transport: .*|  transport: smtp://127.0.0.1:$port|" \
           -e "s|^  connections: .*|  connections: $connections|" \
           -e "s|^  rate_per_second: .*|  rate_per_second: 0|" \
           -e "s|^  messages_per_connection: .*|  messages_per_connection: 100000|" \
           -e "s|^  allow_plaintext_loopback: .*|  allow_plaintext_loopback: true|" "$dir/breachmail.yaml"
    "$breachmail" incident open --dir "$dir" Config/examples/incident.yaml >/dev/null
    local t0
    t0=$(now)
    "$breachmail" subjects import --dir "$dir" BR-2026-0001 "$csv" >/dev/null
    imported=$(elapsed "$t0" "$(now)")
}

# Runs N workers on the directory at once; prints "seconds machine-cpu-seconds peak-kib/cpu-seconds-per-worker…".
run() {
    local dir=$1 n=$2 pids=() t0 t1 c0 c1 d0 d1 k0 k1 i peaks=()
    t0=$(now)
    c0=$(busy)
    d0=$(dbcpu)
    k0=$(sinkcpu)
    for ((i = 0; i < n; i++)); do
        "${timer[@]}" "$breachmail" subjects notify --dir "$dir" BR-2026-0001 >"$work/notify-$i.log" 2>"$work/notify-$i.err" &
        pids+=($!)
    done
    for p in "${pids[@]}"; do wait "$p" || { cat "$work"/notify-*.err >&2; exit 1; }; done
    t1=$(now)
    c1=$(busy)
    sleep 0.2  # the backends of the workers' connections reaped
    d1=$(dbcpu)
    k1=$(sinkcpu)
    for ((i = 0; i < n; i++)); do
        peaks+=("$(tail -1 "$work/notify-$i.err" | awk 'NF == 3 && $1 ~ /^[0-9]+$/ { printf "%d/%.1fs", $1, $2 + $3; ok = 1 } END { if (!ok) printf "-" }')")
    done
    echo "$(elapsed "$t0" "$t1") $(elapsed "$c0" "$c1") $(elapsed "$d0" "$d1") $(elapsed "$k0" "$k1") ${peaks[*]}"
}

rows=()
echo "— SQLite, 1 process, $count people, $connections connections"
prepare "$work/sqlite" ""
read -r s cpu dbs sinks peaks <<<"$(run "$work/sqlite" 1)"
claims=$(sqlite3 "$work/sqlite/register.sqlite" "SELECT COUNT(*) FROM history WHERE kind = 'subjects.digest'")
rows+=("sqlite 1 $imported $s $claims $cpu $dbs $sinks $peaks")
rm -rf "$work/sqlite"

for n in "${workers[@]}"; do
    echo "— PostgreSQL, $n worker(s), $count people, $connections connections each"
    db="bench_$n"
    psql -d postgres -c "CREATE DATABASE $db" >/dev/null
    prepare "$work/pg-$n" "postgres://postgres@127.0.0.1:$pgport/$db?sslmode=disable"
    read -r s cpu dbs sinks peaks <<<"$(run "$work/pg-$n" "$n")"
    claims=$(psql -d "$db" -At -c "SELECT COUNT(*) FROM history WHERE kind = 'subjects.digest'")
    sent=$(psql -d "$db" -At -c "SELECT COUNT(*) FROM subject WHERE state = 'submitted'")
    [ "$sent" = "$count" ] || echo "  warning: $sent of $count submitted" >&2
    rows+=("postgres $n $imported $s $claims $cpu $dbs $sinks $peaks")
    rm -rf "$work/pg-$n"
done

echo
echo "Campaign of $count people to smtp-sink on 127.0.0.1, $connections connections per worker, $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "claims/s counts the register's subject changes (claims, outcomes) appended per second."
echo "import: the whole \`subjects import\` of the people; cpu s: what the whole machine spent during the campaign (workers, database, sink), db and sink: the database's processes' and the sink's share of it; per worker: peak RSS (KiB)/its own CPU seconds."
printf '%-9s %8s %7s %9s %9s %9s %7s %6s %6s  %s\n' register import workers seconds msg/s claims/s 'cpu s' db sink 'per worker'
base=
for row in "${rows[@]}"; do
    read -r store n imported s claims cpu dbs sinks peaks <<<"$row"
    r=$(rate "$count" "$s")
    [ "$store" = sqlite ] && base=$r
    vs=$([ -n "$base" ] && awk -v a="$r" -v b="$base" 'BEGIN { printf " (%.0f %% of SQLite)", 100 * a / b }')
    printf '%-9s %7.2fs %7d %9.2f %9d %9d %7.1f %6.1f %6.1f  %s%s\n' "$store" "$imported" "$n" "$s" "$r" "$(rate "$claims" "$s")" "$cpu" "$dbs" "$sinks" "$peaks" "$vs"
done
