# Sourced by campaign.sh and scale.sh: the C ceiling (Benchmarks/curl-ceiling.c: one reused libcurl
# handle per connection sending a ready message, nothing read or composed) and the size of
# breachmail's messages it sends. Needs libcurl4-openssl-dev and cc.

# ceiling_build DIR: compiles the ceiling to DIR/curl-ceiling.
ceiling_build() {
    cc -O2 -o "$1/curl-ceiling" Benchmarks/curl-ceiling.c $(pkg-config --cflags --libs libcurl)
}

# message_size BREACHMAIL DIR CSV: the mean size in bytes of breachmail's messages to the first
# three people of CSV, written to an outbox in a new working directory DIR.
message_size() {
    local breachmail=$1 dir=$2 csv=$3 id
    "$breachmail" init "$dir" >/dev/null
    sed -i -e "s|^  transport: .*|  transport: outbox:outbox|" "$dir/breachmail.yaml"
    id=$("$breachmail" incident open --dir "$dir" Config/examples/incident.yaml | grep -o 'BR-[0-9]*-[0-9]*' | head -1)
    head -4 "$csv" > "$dir/three.csv"
    "$breachmail" subjects import --dir "$dir" "$id" "$dir/three.csv" >/dev/null
    "$breachmail" subjects notify --dir "$dir" "$id" >/dev/null 2>&1
    find "$dir/outbox" -type f ! -name '.*' -printf '%s\n' | awk '{ s += $1; n++ } END { printf "%d", n ? s / n : 3000 }'
}

# ceiling_run DIR URL COUNT CONNECTIONS SIZE: COUNT messages of SIZE bytes to URL from CONNECTIONS
# C loops in parallel (DIR/curl-ceiling); on a failure, prints their logs and returns 1.
ceiling_run() {
    local dir=$1 url=$2 count=$3 n=$4 size=$5 i share p failed=0 pids=()
    for ((i = 0; i < n; i++)); do
        share=$(( count / n + (i < count % n ? 1 : 0) ))
        "$dir/curl-ceiling" "$url" "$share" "$size" >"$dir/ceiling-$i.log" &
        pids+=($!)
    done
    for p in "${pids[@]}"; do wait "$p" || failed=1; done
    [ "$failed" = 0 ] || { cat "$dir"/ceiling-*.log >&2; echo "the C ceiling failed" >&2; return 1; }
}
