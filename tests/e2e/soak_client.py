#!/usr/bin/python3
"""soak_client.py: the soak's load, many SMTP sessions at once through Postfix.

    soak_client.py --port PORT --messages N --sessions S --report FILE
                   [--progress FILE] [--per-session K] [--max-attempts A] [--deadline SECONDS]

S sessions run at the same time (asyncio, one event loop, no threads). Each
session says EHLO, hands Postfix its client address with XCLIENT, says EHLO
again, and sends up to K messages of that client (soak_cases.py), then QUIT; the
session's slot then opens the next session, until every message is done.
The first session of each slot waits (at most 30 s) until all S are open, so
that the run starts with S sessions open at once.

What comes of a message:
  accepted   250 after DATA
  refused    the exact reply its case expects at MAIL FROM (550 for fail, 451
             4.7.24 for temperror: that tempfail is the milter's verdict)
  unexpected any other 5xx reply: final, and a failure of the soak
A 4xx reply that its case does not expect (the milter is away: Postfix's
milter_default_action = tempfail), a lost connection or a timeout is a
temporary failure: the session ends, and the message is sent again in a new
session after a pause, at most A attempts in all. After A attempts, or when the
deadline passes, the messages not done are reported as such ("gave-up",
"unfinished").

FILE (--report) gets one JSON object per message: number, result (its case),
outcome, reply (the final reply), attempts, tempfails (the replies that made
it try again). --progress FILE is rewritten twice a second with
"done D of N, open O, peak P" so that the test can act at given points of the run.
The last line on stdout says the same, with the time taken.
Exit status: 0 when every message was accepted or refused, 1 otherwise.
"""
import argparse
import asyncio
import collections
import json
import os
import random
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import soak_cases  # noqa: E402

REPLY_TIMEOUT = 75  # above Postfix's milter_content_timeout (60 s)
ALL_OPEN_TIMEOUT = 30  # the longest the first sessions wait for each other


class TemporaryFailure(Exception):
    """The session cannot go on; what was in hand is tried again later."""


class Message:
    def __init__(self, number):
        self.number = number
        self.case = soak_cases.case_of(number)
        self.attempts = 0
        self.tempfails = []
        self.outcome = None
        self.reply = None


class Session:
    """One SMTP session over asyncio streams; replies as (code, last line's text)."""

    def __init__(self, reader, writer):
        self.reader, self.writer = reader, writer

    async def reply(self):
        lines = []
        while True:
            line = await asyncio.wait_for(self.reader.readline(), REPLY_TIMEOUT)
            if not line:
                raise TemporaryFailure("connection closed by the server")
            text = line.decode("utf-8", "replace").rstrip("\r\n")
            lines.append(text)
            if len(text) < 4 or text[3] != "-":
                break
        last = lines[-1]
        if len(last) < 3 or not last[:3].isdigit():
            raise TemporaryFailure("not an SMTP reply: %r" % last)
        return int(last[:3]), last

    async def command(self, line):
        self.writer.write(line.encode() + b"\r\n")
        await self.writer.drain()
        return await self.reply()

    async def close(self):
        try:
            self.writer.write(b"QUIT\r\n")
            await asyncio.wait_for(self.writer.drain(), 5)
        except (OSError, asyncio.TimeoutError):
            pass
        self.writer.close()
        try:
            await asyncio.wait_for(self.writer.wait_closed(), 5)
        except (OSError, asyncio.TimeoutError):
            pass


def expect(code_and_line, wanted):
    code, line = code_and_line
    if code != wanted:
        # Any refusal before MAIL FROM is the server's state, not the message's.
        raise TemporaryFailure(line)
    return line


class Soak:
    def __init__(self, args):
        self.args = args
        self.messages = [Message(number) for number in range(1, args.messages + 1)]
        # One queue of messages per client address: a session speaks for one.
        self.queues = collections.defaultdict(collections.deque)
        for message in self.messages:
            self.queues[message.case.client].append(message)
        self.pending = len(self.messages)  # not yet accepted, refused or given up
        self.open = 0
        self.peak = 0
        self.sessions = 0
        self.session_failures = 0
        self.started = time.monotonic()
        self.all_open = asyncio.Event()

    def finish(self, message, outcome, reply):
        message.outcome, message.reply = outcome, reply
        self.pending -= 1

    def retry_later(self, message, why):
        message.tempfails.append(why)
        if message.attempts >= self.args.max_attempts:
            self.finish(message, "gave-up", why)
            return
        # The pause grows with the attempts, with jitter so that the sessions
        # that met the same gap do not all come back at once.
        pause = min(0.25 * 2 ** (message.attempts - 1), 4.0) * random.uniform(0.5, 1.5)
        asyncio.get_running_loop().call_later(pause, self.queues[message.case.client].append, message)

    async def open_session(self, client):
        address, helo = client
        reader, writer = await asyncio.wait_for(
            asyncio.open_connection("127.0.0.1", self.args.port), REPLY_TIMEOUT)
        session = Session(reader, writer)
        try:
            expect(await session.reply(), 220)
            expect(await session.command("EHLO " + helo), 250)
            # Postfix starts a new session (and a new milter connection) for the
            # client address given: a new greeting, then EHLO again.
            expect(await session.command("XCLIENT ADDR=%s NAME=[UNAVAILABLE]" % address), 220)
            expect(await session.command("EHLO " + helo), 250)
        except BaseException:
            await session.close()
            raise
        return session

    async def send(self, session, message):
        """One transaction; True when the session may carry on."""
        message.attempts += 1
        case, number = message.case, message.number
        code, line = await session.command("MAIL FROM:<%s>" % soak_cases.sender_of(number))
        if case.refusal is not None and line == case.refusal:
            self.finish(message, "refused", line)
            return True
        if code != 250:
            if 400 <= code < 500:
                raise TemporaryFailure(line)
            self.finish(message, "unexpected", line)
            await session.command("RSET")
            return True
        code, line = await session.command("RCPT TO:<%s>" % soak_cases.RECIPIENT)
        if code != 250:
            await session.command("RSET")
            if 400 <= code < 500:
                raise TemporaryFailure(line)
            self.finish(message, "unexpected", line)
            return True
        code, line = await session.command("DATA")
        if code != 354:
            if 400 <= code < 500:
                raise TemporaryFailure(line)
            self.finish(message, "unexpected", line)
            await session.command("RSET")
            return True
        ident = soak_cases.message_id(number)
        body = ("Subject: %s\r\nFrom: <%s>\r\nTo: <%s>\r\nMessage-ID: <%s@soak.test>\r\n"
                "X-Soak-Id: %s\r\n\r\nsoak message %d, %s\r\n.\r\n"
                % (ident, soak_cases.sender_of(number), soak_cases.RECIPIENT, ident, ident, number,
                   case.result))
        session.writer.write(body.encode())
        await session.writer.drain()
        code, line = await session.reply()
        if code == 250:
            self.finish(message, "accepted", line)
            return True
        if 400 <= code < 500:
            raise TemporaryFailure(line)
        self.finish(message, "unexpected", line)
        return True

    def next_client(self, slot):
        # Slots alternate between the two clients, and take the other when
        # theirs has nothing queued.
        clients = sorted(self.queues)
        preferred = clients[slot % len(clients)]
        for client in [preferred] + [c for c in clients if c != preferred]:
            if self.queues[client]:
                return client
        return None

    async def slot(self, number):
        while self.pending > 0:
            client = self.next_client(number)
            if client is None:
                await asyncio.sleep(0.05)  # the rest is in flight or waiting to be retried
                continue
            try:
                session = await self.open_session(client)
            except (TemporaryFailure, OSError, asyncio.TimeoutError):
                self.session_failures += 1
                await asyncio.sleep(random.uniform(0.2, 0.6))
                continue
            self.sessions += 1
            self.open += 1
            self.peak = max(self.peak, self.open)
            if not self.all_open.is_set():
                await self.wait_for_all_open()
            message = None
            try:
                for _ in range(self.args.per_session):
                    if not self.queues[client]:
                        break
                    message = self.queues[client].popleft()
                    await self.send(session, message)
                    message = None
            except (TemporaryFailure, OSError, asyncio.TimeoutError) as error:
                if message is not None and message.outcome is None:
                    self.retry_later(message, str(error) or type(error).__name__)
            finally:
                self.open -= 1
                await session.close()

    async def wait_for_all_open(self):
        # The first session of every slot waits (bounded) until all of them are
        # open: then S sessions are open at once for sure, through Postfix
        # (one smtpd each) to the milter (one connection each).
        if self.open >= self.args.sessions:
            self.all_open.set()
        try:
            await asyncio.wait_for(self.all_open.wait(), ALL_OPEN_TIMEOUT)
        except asyncio.TimeoutError:
            self.all_open.set()  # go on; the peak tells how many it was

    async def report_progress(self):
        while True:
            done = len(self.messages) - self.pending
            if self.args.progress:
                with open(self.args.progress + ".tmp", "w") as out:
                    out.write("done %d of %d, open %d, peak %d\n" % (done, len(self.messages), self.open, self.peak))
                os.replace(self.args.progress + ".tmp", self.args.progress)
            await asyncio.sleep(0.5)

    async def run(self):
        progress = asyncio.create_task(self.report_progress())
        slots = [asyncio.create_task(self.slot(n)) for n in range(self.args.sessions)]
        try:
            await asyncio.wait_for(asyncio.gather(*slots), self.args.deadline)
        except asyncio.TimeoutError:
            print("deadline of %d s passed with %d messages not done" % (self.args.deadline, self.pending),
                  flush=True)
        progress.cancel()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--messages", type=int, required=True)
    parser.add_argument("--sessions", type=int, required=True)
    parser.add_argument("--per-session", type=int, default=5)
    parser.add_argument("--max-attempts", type=int, default=12)
    parser.add_argument("--deadline", type=float, default=150)
    parser.add_argument("--report", required=True)
    parser.add_argument("--progress")
    args = parser.parse_args()
    soak = Soak(args)
    asyncio.run(soak.run())
    with open(args.report, "w") as out:
        for message in soak.messages:
            out.write(json.dumps({"number": message.number, "result": message.case.result,
                                  "outcome": message.outcome or "unfinished", "reply": message.reply,
                                  "attempts": message.attempts, "tempfails": message.tempfails}) + "\n")
    outcomes = collections.Counter(message.outcome or "unfinished" for message in soak.messages)
    print("soak client: %d messages in %.1f s over %d sessions (%d could not start), peak %d open at once; %s"
          % (len(soak.messages), time.monotonic() - soak.started, soak.sessions, soak.session_failures,
             soak.peak, ", ".join("%s %d" % item for item in sorted(outcomes.items()))), flush=True)
    return 0 if outcomes["accepted"] + outcomes["refused"] == len(soak.messages) else 1


if __name__ == "__main__":
    sys.exit(main())
