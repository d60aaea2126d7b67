#!/usr/bin/python3
"""The remote mail servers a private Exim or OpenSMTPD relays to in breachmail's bounce tests,
on 127.0.0.1, built on Debian's python3-aiosmtpd. Each answers as planned, so that the MTA under
test writes a real delivery status notification for every case the bounce reader must tell apart.

One process, several listeners; prints "PORT <name> <n>" for each once it listens, then "READY":

  normal    answers each recipient by its local part (the table PLAN below); accepts and records
            every other recipient into --record as NNNNNN.eml (the DSNs come back this way)
  mailfrom  refuses MAIL FROM (553 5.1.8, our sender's domain)
  helo      refuses EHLO and HELO (550 5.7.1)
  greet554  greets with 554 5.7.1 and closes nothing until QUIT
  returns   on 127.0.0.2: accepts and records like normal, for the DSNs of an MTA that stops
            using 127.0.0.1 for a while after a refused greeting or HELO there (OpenSMTPD keys its
            routes by address, not port)

stdin is a pipe from the test process: its end stops the server.
"""
import argparse
import asyncio
import os
import signal
import sys

from aiosmtpd.smtp import SMTP

# Local part -> the reply to RCPT TO. Temporary answers are given every time: the MTA under
# test retries until its (short) retry period ends, then writes its expiry notice.
PLAN = {
    "unknown": "550 5.1.1 <{rcpt}>: Recipient address rejected: User unknown in virtual mailbox table",
    "nodomain": "550 5.1.2 <{rcpt}>: Recipient address rejected: Domain not found",
    "full": "552 5.2.2 <{rcpt}>: Mailbox full, please try again later",
    "quota": "552 5.2.2 <{rcpt}>: mailbox size limit exceeded",
    "grey": "450 4.7.1 <{rcpt}>: Recipient address rejected: Greylisted, please try again later",
    "policy": "554 5.7.1 Service unavailable; Client host [127.0.0.1] blocked using zen.spamhaus.org",
    "dnsfail": "451 4.4.3 <{rcpt}>: Temporary lookup failure (DNS server not responding), try again later",
    "accessdenied": "550 5.4.1 Recipient address rejected: Access denied. [AM0PR01MB1234.eurprd01.prod.outlook.com]",
}


class Recorder:
    def __init__(self, directory):
        self.directory = directory
        self.count = 0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        local = address.split("@", 1)[0].lower()
        if local in PLAN:
            return PLAN[local].format(rcpt=address)
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        stem = os.path.join(self.directory, "%06d" % self.count)
        with open(stem + ".tmp", "wb") as f:
            f.write(envelope.original_content)
        os.rename(stem + ".tmp", stem + ".eml")
        return "250 2.0.0 Ok: queued as R%06d" % self.count


class RefuseMail:
    async def handle_MAIL(self, server, session, envelope, address, options):
        return "553 5.1.8 <%s>: Sender address rejected: Domain not found" % address


class RefuseHelo(SMTP):
    async def smtp_EHLO(self, hostname):
        await self.push("550 5.7.1 <%s>: Helo command rejected: Host not found" % hostname)

    async def smtp_HELO(self, hostname):
        await self.push("550 5.7.1 <%s>: Helo command rejected: Host not found" % hostname)


class Greet554(asyncio.Protocol):
    def connection_made(self, transport):
        self.transport = transport
        transport.write(b"554 5.7.1 remote.test ESMTP not accepting messages from your network\r\n")

    def data_received(self, data):
        if data.strip().upper().startswith(b"QUIT"):
            self.transport.write(b"221 2.0.0 Bye\r\n")
            self.transport.close()
        else:
            self.transport.write(b"503 5.5.1 Bad sequence of commands\r\n")


async def main():
    signal.pthread_sigmask(signal.SIG_SETMASK, [])
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    parser = argparse.ArgumentParser()
    parser.add_argument("--record", required=True)
    args = parser.parse_args()
    recorder = Recorder(args.record)
    loop = asyncio.get_running_loop()
    factories = {
        "normal": lambda: SMTP(recorder, hostname="mx.remote.test"),
        "mailfrom": lambda: SMTP(RefuseMail(), hostname="mx.remote.test"),
        "helo": lambda: RefuseHelo(RefuseMail(), hostname="mx.remote.test"),
        "greet554": Greet554,
        "returns": lambda: SMTP(recorder, hostname="mx.remote.test"),
    }
    servers = []
    for name, factory in factories.items():
        server = await loop.create_server(factory, host="127.0.0.2" if name == "returns" else "127.0.0.1", port=0)
        servers.append(server)
        print("PORT %s %d" % (name, server.sockets[0].getsockname()[1]), flush=True)
    print("READY", flush=True)
    loop.add_reader(sys.stdin.fileno(), lambda: os.read(sys.stdin.fileno(), 4096) or os._exit(0))
    await asyncio.Event().wait()


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        sys.exit(0)
