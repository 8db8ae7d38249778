#!/usr/bin/python3
"""smtp_load.py: an SMTP load client, closed loop, for the benchmark through Postfix.

    smtp_load.py --port PORT --mix FILE [--server 127.0.0.1] [--sessions 20]
                 [--count N] [--duration SECONDS] [--warmup SECONDS]
                 [--expect mix|accept] [--no-xclient] [--json FILE] [--label TEXT]

SESSIONS clients each send one message per connection, back to back (closed
loop), until COUNT messages are done or DURATION seconds have passed. Message k
takes line k of the client mix, round robin; each line is "client address, HELO,
MAIL FROM, RCPT, expected verdict (accept|reject|tempfail)", blank-separated,
'#' starts a comment, <> is the null sender. Every session is

    connect, 220 - XCLIENT ADDR=client NAME=[UNAVAILABLE] HELO=helo, 220 -
    EHLO helo - MAIL FROM - RCPT TO - DATA - message - QUIT

XCLIENT makes Postfix treat the session as coming from the mix line's client
address with its HELO (smtpd_authorized_xclient_hosts must name 127.0.0.1), so
the milter sees that client, not the loopback address. The latency of a
message runs from connect to the reply that decides it (end of DATA, or the
first 4xx/5xx); QUIT is not waited for.

Prints msg/s, latency p50/p90/p99 and, per mix line, how many messages were
accepted, refused with 5xx or 4xx, or failed (no SMTP reply). With --expect mix
each line's outcome must be its expected verdict; with --expect accept every
message must be accepted (no milter, the null filter); --lenient only reports
outcomes that differ. Exit status: 0 all as expected, 1 a message was not (or
got no SMTP reply at all), 2 usage or the mix file.

Messages finished in the first WARMUP seconds are sent but not counted.
Event-driven (asyncio; uvloop when installed) so that one process drives many
sessions; bench/postfix_through.sh measures its ceiling against smtp-sink.
"""
import argparse
import asyncio
import json
import socket
import sys
import time

VERDICTS = ("accept", "reject", "tempfail")
MESSAGE_BODY = b"A message of the benchmark through Postfix.\r\n"


class MixLine:
    def __init__(self, number, client, helo, sender, recipient, verdict):
        self.number = number
        self.client = client
        self.helo = helo
        self.sender = "" if sender == "<>" else sender.strip("<>")
        self.recipient = recipient.strip("<>")
        self.verdict = verdict
        self.outcomes = {"accept": 0, "reject": 0, "tempfail": 0, "error": 0}
        self.first_reply = {}  # outcome -> the first reply (or error) that led to it
        self.data = self.message(number)

    def message(self, number):
        sender = self.sender or "mailer-daemon@example.com"
        headers = ("From: <%s>\r\nTo: <%s>\r\nSubject: benchmark message of mix line %d\r\n"
                   "Message-ID: <mix-%d@load.example.com>\r\n\r\n" % (sender, self.recipient, number, number))
        return headers.encode() + MESSAGE_BODY + b".\r\n"


def read_mix(path):
    """The mix lines, or raises ValueError naming the line that is wrong."""
    lines = []
    with open(path, encoding="utf-8") as mix:
        for number, text in enumerate(mix, 1):
            fields = text.split("#", 1)[0].split()
            if not fields:
                continue
            if len(fields) != 5 or fields[4] not in VERDICTS:
                raise ValueError("%s:%d: want 'client helo mail-from rcpt %s', got %r"
                                 % (path, number, "|".join(VERDICTS), text.strip()))
            lines.append(MixLine(number, *fields))
    if not lines:
        raise ValueError("%s: no client lines" % path)
    return lines


class SmtpReplies(asyncio.Protocol):
    """One SMTP connection: the replies as they arrive, one awaitable at a time.

    A Protocol rather than streams: the client's own CPU per message is what
    limits its ceiling, and this is the leanest way asyncio offers."""

    def __init__(self):
        self.transport = None
        self.buffer = b""
        self.waiter = None
        self.closed = False

    def connection_made(self, transport):
        self.transport = transport

    def data_received(self, data):
        self.buffer += data
        self.wake()

    def connection_lost(self, exc):
        self.closed = True
        self.wake()

    def wake(self):
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_result(None)

    def complete_reply(self):
        """(code, text) once the buffer holds a whole reply: its last line is
        'NNN text' (a '-' after the code continues it)."""
        start = 0
        while True:
            end = self.buffer.find(b"\r\n", start)
            if end < 0:
                return None
            line = self.buffer[start:end]
            start = end + 2
            if len(line) < 4 or line[3:4] != b"-":
                reply, self.buffer = self.buffer[:start], self.buffer[start:]
                try:
                    return int(reply[:3]), reply.decode("utf-8", "replace")
                except ValueError:
                    return 0, reply.decode("utf-8", "replace")

    async def reply(self):
        while True:
            reply = self.complete_reply()
            if reply is not None:
                return reply
            if self.closed:
                raise ConnectionError("connection closed without a reply")
            self.waiter = asyncio.get_running_loop().create_future()
            await self.waiter
            self.waiter = None

    async def command(self, line):
        self.transport.write(line)
        return await self.reply()


def outcome_of(code):
    if 200 <= code < 400:
        return "accept"
    if 400 <= code < 500:
        return "tempfail"
    if 500 <= code < 600:
        return "reject"
    return "error"


async def one_message(args, line):
    """Sends line's message in a session of its own; returns its outcome and the
    reply that decided it."""
    loop = asyncio.get_running_loop()
    # A socket of our own: create_connection() given a host name would run
    # getaddrinfo() in a thread for every message. TCP_NODELAY: a client that
    # leaves Nagle on measures the delayed ACKs of its own writes.
    sock = socket.socket(args.family, socket.SOCK_STREAM)
    try:
        sock.setblocking(False)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        await loop.sock_connect(sock, args.address)
        transport, smtp = await loop.create_connection(SmtpReplies, sock=sock)
    except BaseException:
        sock.close()
        raise
    try:
        code, text = await smtp.reply()
        if code != 220:
            return outcome_of(code), "greeting: " + text
        if args.xclient:
            address = "IPv6:" + line.client if ":" in line.client else line.client
            code, text = await smtp.command(b"XCLIENT ADDR=%s NAME=[UNAVAILABLE] HELO=%s\r\n"
                                            % (address.encode(), line.helo.encode()))
            # Postfix greets the new session with 220; smtp-sink says 250.
            if code not in (220, 250):
                return (outcome_of(code) if code >= 400 else "error"), "XCLIENT: " + text
        for command, wanted in ((b"EHLO %s\r\n" % line.helo.encode(), 250),
                                (b"MAIL FROM:<%s>\r\n" % line.sender.encode(), 250),
                                (b"RCPT TO:<%s>\r\n" % line.recipient.encode(), 250),
                                (b"DATA\r\n", 354)):
            code, text = await smtp.command(command)
            if code != wanted:
                verb = command.split(b" ", 1)[0].strip().decode()
                return (outcome_of(code) if code >= 400 else "error"), verb + ": " + text
        code, text = await smtp.command(line.data)
        return outcome_of(code), "end of data: " + text
    finally:
        if not smtp.closed:
            transport.write(b"QUIT\r\n")
        transport.close()


class Run:
    def __init__(self, args, mix):
        self.args = args
        self.mix = mix
        self.started = 0
        self.latencies = []
        self.counted_from = None
        self.counted_messages = 0
        self.start_time = 0.0
        self.end_time = 0.0
        self.cpu_seconds = 0.0

    def next_line(self, deadline):
        if self.started >= self.args.count or time.monotonic() >= deadline:
            return None
        line = self.mix[self.started % len(self.mix)]
        self.started += 1
        return line

    async def session(self, deadline, warm_from):
        while (line := self.next_line(deadline)) is not None:
            began = time.monotonic()
            try:
                outcome, reply = await asyncio.wait_for(one_message(self.args, line), self.args.timeout)
            except (OSError, ConnectionError, asyncio.TimeoutError) as error:
                outcome, reply = "error", repr(error)
            done = time.monotonic()
            if done < warm_from:
                continue
            line.outcomes[outcome] += 1
            line.first_reply.setdefault(outcome, reply.strip())
            self.latencies.append(done - began)
            self.counted_messages += 1

    async def run(self):
        self.start_time = time.monotonic()
        cpu_before = time.process_time()
        deadline = self.start_time + self.args.warmup + self.args.duration
        warm_from = self.start_time + self.args.warmup
        await asyncio.gather(*(self.session(deadline, warm_from) for _ in range(self.args.sessions)))
        self.end_time = time.monotonic()
        self.cpu_seconds = time.process_time() - cpu_before
        self.counted_from = warm_from

    def elapsed(self):
        return max(self.end_time - min(self.counted_from, self.end_time), 1e-9)


def percentile(sorted_values, fraction):
    if not sorted_values:
        return float("nan")
    index = min(len(sorted_values) - 1, int(fraction * len(sorted_values)))
    return sorted_values[index]


def verdict_mismatches(mix, expect):
    """The lines whose outcomes are not what --expect asks, with the reason."""
    wrong = []
    for line in mix:
        wanted = line.verdict if expect == "mix" else "accept"
        others = {name: n for name, n in line.outcomes.items() if name != wanted and n}
        if others:
            wrong.append((line, wanted, others))
    return wrong


def report(run, args):
    latencies = sorted(run.latencies)
    rate = run.counted_messages / run.elapsed()
    p50, p90, p99 = (percentile(latencies, f) * 1000 for f in (0.50, 0.90, 0.99))
    label = args.label + ": " if args.label else ""
    # The client's own CPU per message (warm-up included on both sides) is
    # what bounds its ceiling: 1 / that is the most one core lets it drive.
    cpu_us = run.cpu_seconds / max(run.started, 1) * 1e6
    print("%s%d messages in %.2f s, %d sessions: %.1f msg/s, latency ms p50 %.2f p90 %.2f p99 %.2f"
          " (client CPU %.0f us/msg)"
          % (label, run.counted_messages, run.elapsed(), args.sessions, rate, p50, p90, p99, cpu_us))
    print("  %-5s %-16s %-28s %-9s %8s %8s %8s %8s" % ("line", "client", "mail from", "expected",
                                                      "accepted", "5xx", "4xx", "failed"))
    for line in run.mix:
        o = line.outcomes
        print("  %-5d %-16s %-28s %-9s %8d %8d %8d %8d" % (line.number, line.client, line.sender or "<>",
                                                          line.verdict if args.expect == "mix" else "accept",
                                                          o["accept"], o["reject"], o["tempfail"], o["error"]))
    wrong = verdict_mismatches(run.mix, args.expect)
    failed = sum(line.outcomes["error"] for line in run.mix)
    for line, wanted, others in wrong:
        print("  %s line %d (%s %s): expected %s, got %s"
              % ("DIFFERS" if args.lenient else "MISMATCH", line.number, line.client, line.sender or "<>", wanted,
                 ", ".join("%d %s" % (n, name) for name, n in sorted(others.items()))))
        for name in sorted(others):
            print("    first %s: %s" % (name, line.first_reply[name].replace("\r\n", " | ")))
    if run.counted_messages == 0:
        print("  no message was counted")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as out:
            json.dump({"label": args.label, "sessions": args.sessions, "sent": run.started,
                       "messages": run.counted_messages,
                       "seconds": run.elapsed(), "msg_per_s": rate, "p50_ms": p50, "p90_ms": p90,
                       "p99_ms": p99, "client_cpu_us": cpu_us, "failed": failed,
                       "mismatched_lines": [line.number for line, _, _ in wrong],
                       "lines": [{"line": line.number, "client": line.client, "sender": line.sender,
                                  "expected": line.verdict, **line.outcomes} for line in run.mix]}, out)
    fine = run.counted_messages > 0 and failed == 0 and (not wrong or args.lenient)
    return 0 if fine else 1


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--server", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--mix", required=True, help="the client mix file")
    parser.add_argument("--sessions", type=int, default=20, help="concurrent SMTP sessions (closed loop)")
    parser.add_argument("--count", type=int, default=1000000, help="messages at most")
    parser.add_argument("--duration", type=float, default=10.0, help="seconds at most, after the warm-up")
    parser.add_argument("--warmup", type=float, default=0.0, help="seconds sent but not counted")
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds for one message's session")
    parser.add_argument("--expect", choices=("mix", "accept"), default="mix",
                        help="mix: each line's verdict; accept: every message accepted")
    parser.add_argument("--lenient", action="store_true",
                        help="print outcomes other than expected, but do not fail for them (a peer "
                        "known to differ); a message without an SMTP reply still fails")
    parser.add_argument("--no-xclient", dest="xclient", action="store_false",
                        help="present no client address (the server's own view, 127.0.0.1)")
    parser.add_argument("--json", help="also write the results to this file")
    parser.add_argument("--label", default="", help="a name printed before the results")
    args = parser.parse_args()
    if args.sessions < 1 or args.count < 1 or args.duration <= 0:
        parser.error("--sessions and --count must be at least 1, --duration positive")
    try:
        args.family, _, _, _, args.address = socket.getaddrinfo(
            args.server, args.port, type=socket.SOCK_STREAM)[0]
        mix = read_mix(args.mix)
    except (OSError, ValueError) as error:
        print("smtp_load.py: %s" % error, file=sys.stderr)
        return 2
    try:
        import uvloop  # pylint: disable=import-outside-toplevel
        uvloop.install()
    except ImportError:
        pass
    run = Run(args, mix)
    asyncio.run(run.run())
    return report(run, args)


if __name__ == "__main__":
    sys.exit(main())
