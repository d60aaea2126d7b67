#!/usr/bin/env bash
# The README's first command: install what is needed, build, and run the main job on the embedded
# defaults in a temporary working directory (SQLite register, outbox Maildir instead of a relay).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
swift build -Xswiftc -warnings-as-errors
bm=".build/debug/breachmail"
work="$(mktemp -d /tmp/breachmail-demo.XXXXXX)"
export BREACHMAIL_DIR="$work" BREACHMAIL_SHARE="$PWD" BREACHMAIL_ACTOR="demo-dpo"
# The example incident was discovered on 2026-10-23 at 10:00; the demo runs 30 hours later.
export BREACHMAIL_NOW="2026-10-24T16:00:00+02:00"
step() { printf '\n\033[1m$ breachmail %s\033[0m\n' "$*"; "$bm" "$@"; }

step init "$work"
step incident open Config/examples/incident.yaml
step incident list
step incident assess BR-2026-0001 --answers Config/examples/assessment.yaml --confirm
step authority compose BR-2026-0001 --authority cnpd | sed -n 1,25p
echo "  [… the whole notification, in the order of the authorities' form]"
step demo authority-key
step authority send BR-2026-0001 --authority cnpd
sent="$(ls "$work"/outbox/new/* | head -1)"
printf '\n\033[1m$ gpg --homedir %s/demo-authority-secret --decrypt %s\033[0m  (the demo key reads what was sent)\n' "$work" "$sent"
gpg --batch --homedir "$work/demo-authority-secret" --decrypt "$sent" 2>/dev/null | python3 -c '
import email, email.header, sys
m = email.message_from_binary_file(sys.stdin.buffer)
print("Subject (protected, inside the encryption):", email.header.make_header(email.header.decode_header(m["Subject"])))
body = next(p for p in m.walk() if p.get_content_type() == "text/plain").get_payload(decode=True).decode()
print("\n".join(body.splitlines()[:12]))'
step authority send BR-2026-0001 --authority cnil
step authority record BR-2026-0001 --authority cnil --reference CNIL-DEMO-0042
step subjects import BR-2026-0001 Config/examples/subjects.csv
step subjects preview BR-2026-0001 --text | sed -n 1,12p
echo "  [… what happened, the data, the consequences, what we did, what to do, how to check, the DPO's contact]"
step subjects notify BR-2026-0001
# Example bounces, generated for this directory's VERP secret and the people just notified.
step demo bounces BR-2026-0001
step bounces ingest "$work/demo-bounces"
step status BR-2026-0001
echo; echo "  [… two hours later: the person whose mailbox was full is sent the notice again]"
BREACHMAIL_NOW="2026-10-24T18:00:00+02:00" step subjects notify BR-2026-0001
echo; echo "  [… six days later, after the 120-hour retry window:]"
BREACHMAIL_NOW="2026-10-30T16:00:00+01:00" step status BR-2026-0001 | tail -5
BREACHMAIL_NOW="2026-10-30T16:00:00+01:00" step public-notice BR-2026-0001 || echo "  (refused: the individual notices reached nearly everyone)"
step register verify
step register export --format html --output "$work/register.html"
# The service over the same working directory: a token, serve on a free loopback port, a few
# reads through the API, then SIGTERM (graceful: exit 0).
echo; echo "  [… the same register as a service:]"
printf '\n\033[1m$ breachmail token create demo-auditor --role auditor > auditor.token\033[0m\n'
"$bm" token create demo-auditor --role auditor > "$work/auditor.token"
printf '\n\033[1m$ breachmail serve --listen 127.0.0.1:0\033[0m\n'
"$bm" serve --listen 127.0.0.1:0 > "$work/serve.out" 2> "$work/serve.log" &
serve_pid=$!
trap 'kill -TERM "$serve_pid" 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do grep -q 'listening on' "$work/serve.out" 2>/dev/null && break; sleep 0.1; done
cat "$work/serve.out"
url=$(sed -n 's/^breachmail serve: listening on //p' "$work/serve.out")
auth="Authorization: Bearer $(cat "$work/auditor.token")"
echo "\$ curl $url/health"; curl -sS "$url/health"; echo
echo "\$ curl -H 'Authorization: Bearer …' $url/v1/incidents/BR-2026-0001/status | (the clock and the reach)"
curl -sS -H "$auth" "$url/v1/incidents/BR-2026-0001/status" | python3 -c '
import json, sys
d = json.load(sys.stdin)
print(json.dumps({"clock": d["clock"]["state"], "subjects": d["subjects"], "reach": d.get("reach", {}).get("recommendation")}, sort_keys=True))'
echo "\$ curl $url/v1/incidents (no token)"; curl -sS "$url/v1/incidents"; echo
kill -TERM "$serve_pid"; wait "$serve_pid" && echo "(serve stopped by SIGTERM, exit 0)"
trap - EXIT
echo
echo "Demo working directory: $work"
echo "  outbox/new/   the encrypted notification to the (demo) CNPD key and the notices to the people"
echo "  portal/       the CNIL form content, ready to paste"
echo "  register.html the register as a report"
gpgconf --homedir "$work/keyring" --kill all 2>/dev/null || true
gpgconf --homedir "$work/demo-authority-secret" --kill all 2>/dev/null || true
