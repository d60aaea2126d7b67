#!/usr/bin/python3
"""An SMTP server for breachmail's tests, on 127.0.0.1, built on Debian's python3-aiosmtpd.

Prints "PORT <n>" on stdout once it listens (port 0: the system picks one). Records every
message it accepts into --record as NNNNNN.eml (the exact bytes, dot-stuffing undone) and
NNNNNN.json (envelope, peer port, TLS, login). Faults per recipient (--rule ADDRESS=ACTION):

  421 | 451 | 452 | 550 | 552  reply this code to RCPT TO (421 also closes the connection)
  data550                      accept RCPT, reply 550 at the end of data
  drop                         accept RCPT, reply 354 to DATA, read one line, cut the connection
  delay:SECONDS                wait that long before the end-of-data reply

--outage SECONDS: every RCPT TO is answered 451 (greylisted, "try again in 5 minutes") for that
long after the server starts, then the server accepts as usual (a relay that recovers); a
negative value never recovers.

The password for AUTH comes from the environment variable SMTP_TEST_PASSWORD, not argv.
"""
import argparse
import asyncio
import json
import os
import signal
import ssl
import sys
import time

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword

REPLIES = {
    "421": "421 4.3.2 Service shutting down, try again in 5 minutes",
    "451": "451 4.7.1 Greylisted, try again in 5 minutes",
    "452": "452 4.5.3 Too many recipients, try again later",
    "550": "550 5.1.1 <{rcpt}>: Recipient address rejected: User unknown in local recipient table",
    "552": "552 5.5.3 Too many recipients",
}


def parse_args():
    parser = argparse.ArgumentParser()
    parser.add_argument("--record", required=True)
    parser.add_argument("--mode", choices=["plain", "starttls", "implicit"], default="plain")
    parser.add_argument("--cert")
    parser.add_argument("--key")
    parser.add_argument("--user")
    parser.add_argument("--rule", action="append", default=[])
    parser.add_argument("--outage", type=float, default=0)
    return parser.parse_args()


class Recorder:
    def __init__(self, directory, rules, outage):
        self.directory = directory
        self.rules = rules
        self.count = 0
        self.outage_ends = None if outage < 0 else time.monotonic() + outage
        self.refused = 0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.outage_ends is None or time.monotonic() < self.outage_ends:
            self.refused += 1
            with open(os.path.join(self.directory, "refused.count"), "w") as f:
                f.write(str(self.refused))
            return REPLIES["451"]
        action = self.rules.get(address.lower(), "")
        if action in REPLIES:
            if action == "421":
                asyncio.get_running_loop().call_later(0.05, server.transport.close)
            return REPLIES[action].format(rcpt=address)
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server, session, envelope):
        actions = [self.rules.get(r.lower(), "") for r in envelope.rcpt_tos]
        for action in actions:
            if action.startswith("delay:"):
                await asyncio.sleep(float(action.split(":", 1)[1]))
            if action == "data550":
                return "550 5.7.1 Message content rejected"
        self.count += 1
        stem = os.path.join(self.directory, "%06d" % self.count)
        meta = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "peer_port": session.peer[1],
            "tls": session.ssl is not None or server.transport.get_extra_info("sslcontext") is not None,
            "login": session.auth_data.login.decode() if isinstance(session.auth_data, LoginPassword) else None,
        }
        # Write then rename, so that a reader never sees half a message.
        for suffix, payload in ((".eml", envelope.original_content), (".json", json.dumps(meta).encode())):
            with open(stem + suffix + ".tmp", "wb") as f:
                f.write(payload)
            os.rename(stem + suffix + ".tmp", stem + suffix)
        return "250 2.0.0 Ok: queued as T%06d" % self.count


class FaultySMTP(SMTP):
    rules = {}

    async def smtp_DATA(self, arg):
        if any(self.rules.get(r.lower()) == "drop" for r in self.envelope.rcpt_tos):
            await self.push("354 End data with <CR><LF>.<CR><LF>")
            await self._reader.readuntil(b"\r\n")
            self.transport.abort()
            return
        await super().smtp_DATA(arg)


async def main():
    # A child of a threaded test process inherits its blocked signals: unblock them, or the
    # SIGTERM the test sends to stop the server would never arrive.
    signal.pthread_sigmask(signal.SIG_SETMASK, [])
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    args = parse_args()
    rules = {}
    for rule in args.rule:
        address, action = rule.rsplit("=", 1)
        rules[address.lower()] = action
    FaultySMTP.rules = rules
    recorder = Recorder(args.record, rules, args.outage)

    context = None
    if args.mode != "plain":
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(args.cert, args.key)

    password = os.environ.get("SMTP_TEST_PASSWORD", "")

    def authenticator(server, session, envelope, mechanism, auth_data):
        ok = isinstance(auth_data, LoginPassword) and auth_data.login.decode() == args.user \
            and auth_data.password.decode() == password
        return AuthResult(success=ok, handled=False, auth_data=auth_data if ok else None)

    def factory():
        return FaultySMTP(
            recorder,
            hostname="smtp-test.localhost",
            tls_context=context if args.mode == "starttls" else None,
            require_starttls=args.mode == "starttls",
            authenticator=authenticator if args.user else None,
            auth_required=bool(args.user),
            auth_require_tls=False,
        )

    loop = asyncio.get_running_loop()
    server = await loop.create_server(
        factory, host="127.0.0.1", port=0, ssl=context if args.mode == "implicit" else None)
    print("PORT %d" % server.sockets[0].getsockname()[1], flush=True)
    # stdin is a pipe from the test process: its end means the test is gone, so stop too.
    loop.add_reader(sys.stdin.fileno(), lambda: os.read(sys.stdin.fileno(), 4096) or os._exit(0))
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        sys.exit(0)
