#!/usr/bin/python3
"""milter_client.py: play the MTA's side of the milter protocol (version 6)
against a running milter, from a session script, and print what it answers.

    milter_client.py --socket unix:/path/milter.sock|inet:PORT@HOST
                     [--resume-file PATH] SCRIPT

SCRIPT holds one session (one milter connection), one step a line; '#' lines
and empty lines are skipped. Words are split as a shell would (quotes), except
that "mail" and "rcpt" split at blanks only and keep quotes (a quoted local
part), and "header" and "body" take the rest of the line as it is:

    macro connect j=mx.example.net "_=mail.example.com [192.0.2.25]"
    connect mail.example.com 192.0.2.25      # or 2001:db8::25, or unspec
    helo mail.example.com
    macro mail {auth_authen}=alice i=4F3A2B
    mail <alice@example.com> SIZE=1000       # the MAIL FROM arguments, as an MTA passes them
    rcpt <bob@example.net>
    header Subject: hello
    eom                                      # end of headers, body and message
    abort | quit
    pause                                    # wait until the --resume-file exists

"macro STAGE NAME=VALUE..." sends the macros an MTA sends before the command
of that stage (connect helo mail rcpt data header eoh eom). "eom" sends the end
of headers, a one-line body and the end of message, as an MTA does after
"data", which is sent first unless the script already did.

Output: one line per reply or action of the milter, after the step's name:

    connect: continue
    mail: reply 550 5.7.23 text of the reply
    eom: insheader 0 Received-SPF: pass (...) ...
    eom: chgheader 1 Authentication-Results (deleted)
    eom: continue

Header values are printed with \\r, \\n and \\t escaped. Like an MTA, the client
sends nothing more for a message the milter has accepted, rejected or
tempfailed (until the next "mail"), and nothing more at all once the milter has
decided at connect; such steps print "(not sent)". Exit status 0, or 2 when
the milter cannot be reached, closes the connection or breaks the protocol.
"""
import argparse
import os
import shlex
import socket
import struct
import sys
import time

VERSION = 6
ALL_ACTIONS = 0x1FF     # SMFIF_ADDHDRS ... SMFIF_SETSYMLIST: what Postfix and Sendmail offer
ALL_PROTOCOL = 0x1FFFFF  # SMFIP_NOCONNECT ... SMFIP_HDR_LEADSPC

# Protocol flags: the step is not sent at all (NO*), or sent without a reply (NR_*).
NOT_SENT = {"connect": 0x1, "helo": 0x2, "mail": 0x4, "rcpt": 0x8, "body": 0x10,
            "header": 0x20, "eoh": 0x40, "data": 0x200}
NO_REPLY = {"header": 0x80, "connect": 0x1000, "helo": 0x2000, "mail": 0x4000,
            "rcpt": 0x8000, "data": 0x10000, "eoh": 0x40000, "body": 0x80000}
MACRO_STAGE = {"connect": b"C", "helo": b"H", "mail": b"M", "rcpt": b"R", "data": b"T",
               "header": b"L", "eoh": b"N", "body": b"B", "eom": b"E"}
MESSAGE_STEPS = ("rcpt", "data", "header", "eoh", "body", "eom")
FINAL = {b"c": "continue", b"a": "accept", b"r": "reject", b"t": "tempfail",
         b"d": "discard", b"s": "skip"}


class ProtocolError(Exception):
    pass


def escape(text):
    return text.replace("\r", "\\r").replace("\n", "\\n").replace("\t", "\\t")


def cstrings(data):
    """Splits NUL-terminated strings."""
    return [part.decode("utf-8", "replace") for part in data.split(b"\0")[:-1]]


class Milter:
    def __init__(self, address, timeout):
        if address.startswith(("unix:", "local:")):
            self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            target = address.split(":", 1)[1]
        elif address.startswith(("inet:", "inet6:")):
            port, host = address.split(":", 1)[1].split("@", 1)
            family = socket.AF_INET6 if address.startswith("inet6:") else socket.AF_INET
            self.sock = socket.socket(family, socket.SOCK_STREAM)
            target = (host, int(port))
        else:
            raise ProtocolError("socket must be unix:PATH or inet:PORT@HOST, not " + address)
        self.sock.settimeout(timeout)
        self.sock.connect(target)
        self.protocol = 0

    def send(self, command, payload=b""):
        self.sock.sendall(struct.pack("!I", len(payload) + 1) + command + payload)

    def receive(self):
        header = self._read(4)
        (length,) = struct.unpack("!I", header)
        if length < 1 or length > (1 << 20):
            raise ProtocolError("packet of length %d" % length)
        packet = self._read(length)
        return packet[:1], packet[1:]

    def _read(self, count):
        data = b""
        while len(data) < count:
            chunk = self.sock.recv(count - len(data))
            if not chunk:
                raise ProtocolError("the milter closed the connection")
            data += chunk
        return data

    def negotiate(self):
        self.send(b"O", struct.pack("!III", VERSION, ALL_ACTIONS, ALL_PROTOCOL))
        command, data = self.receive()
        if command != b"O" or len(data) < 12:
            raise ProtocolError("negotiation answered with %r" % command)
        _, self.actions, self.protocol = struct.unpack("!III", data[:12])

    def replies(self):
        """Reads modification actions up to and including the final reply."""
        lines = []
        while True:
            command, data = self.receive()
            if command in FINAL:
                lines.append(FINAL[command])
                return lines, FINAL[command]
            if command == b"y":
                lines.append("reply " + escape(cstrings(data)[0]))
                return lines, "reply"
            if command == b"p":  # progress: the milter asks for more time
                continue
            lines.append(describe_action(command, data))


def describe_action(command, data):
    if command == b"h":
        name, value = cstrings(data)
        return "addheader %s: %s" % (name, escape(value))
    if command in (b"i", b"m"):
        (index,) = struct.unpack("!I", data[:4])
        name, value = cstrings(data[4:])
        verb = "insheader" if command == b"i" else "chgheader"
        if command == b"m" and value == "":
            return "chgheader %d %s (deleted)" % (index, name)
        return "%s %d %s: %s" % (verb, index, name, escape(value))
    if command in (b"+", b"-", b"e", b"q", b"2"):
        verb = {b"+": "addrcpt", b"-": "delrcpt", b"e": "chgfrom", b"q": "quarantine",
                b"2": "addrcpt_par"}[command]
        return "%s %s" % (verb, " ".join(cstrings(data)))
    if command == b"b":
        return "replbody %d bytes" % len(data)
    return "unknown action %r" % command


def connect_payload(hostname, address, port):
    if address == "unspec":
        return hostname.encode() + b"\0U"
    family = b"6" if ":" in address else b"4"
    return hostname.encode() + b"\0" + family + struct.pack("!H", port) + address.encode() + b"\0"


class Session:
    """Runs a script's steps, behaving like an MTA towards the milter's decisions."""

    def __init__(self, milter, resume_file=None):
        self.milter = milter
        self.resume_file = resume_file
        self.connection_decided = False
        self.message_decided = False
        self.data_sent = False

    def step(self, verb, words, rest):
        if verb == "pause":
            self.pause()
            return
        if verb == "macro":
            stage = words[0]
            pairs = b"".join(n.encode() + b"\0" + v.encode() + b"\0"
                             for n, v in (w.split("=", 1) for w in words[1:]))
            self.milter.send(b"D", MACRO_STAGE[stage] + pairs)
            return
        if self.connection_decided or (self.message_decided and verb in MESSAGE_STEPS):
            print("%s: (not sent)" % verb)
            return
        if verb == "connect":
            port = int(words[2]) if len(words) > 2 else 25
            self.exchange("connect", b"C", connect_payload(words[0], words[1], port))
        elif verb == "helo":
            self.exchange("helo", b"H", words[0].encode() + b"\0")
        elif verb in ("mail", "rcpt"):
            if verb == "mail":
                self.message_decided, self.data_sent = False, False
            payload = b"".join(w.encode() + b"\0" for w in words)
            self.exchange(verb, b"M" if verb == "mail" else b"R", payload)
        elif verb == "data":
            self.data()
        elif verb == "header":
            if not self.data_sent:
                self.data()
            name, value = rest.split(":", 1)
            if not self.milter.protocol & 0x100000:  # SMFIP_HDR_LEADSPC
                value = value.lstrip(" ")
            self.exchange("header", b"L", name.encode() + b"\0" + value.encode() + b"\0")
        elif verb == "body":
            self.exchange("body", b"B", rest.encode() + b"\r\n")
        elif verb == "eom":
            if not self.data_sent:
                self.data()
            self.exchange("eoh", b"N", b"", quiet=True)
            self.exchange("body", b"B", b"A test message.\r\n", quiet=True)
            self.exchange("eom", b"E", b"")
        elif verb == "abort":
            self.milter.send(b"A")
            self.message_decided = False
        elif verb == "quit":
            self.milter.send(b"Q")
        else:
            raise ProtocolError("unknown step " + verb)

    def pause(self):
        """Lets a test act (send a signal, say) in the middle of a session."""
        deadline = time.monotonic() + 30
        while not os.path.exists(self.resume_file):
            if time.monotonic() > deadline:
                raise ProtocolError("pause: %s did not appear" % self.resume_file)
            time.sleep(0.05)

    def data(self):
        self.data_sent = True
        self.exchange("data", b"T", b"", quiet=True)

    def exchange(self, verb, command, payload, quiet=False):
        """Sends one command; prints the milter's answer (quiet: unless it decides)."""
        if self.message_decided:
            return
        if verb in NOT_SENT and self.milter.protocol & NOT_SENT[verb]:
            if not quiet:
                print("%s: (not requested by the milter)" % verb)
            return
        self.milter.send(command, payload)
        if verb in NO_REPLY and self.milter.protocol & NO_REPLY[verb]:
            if not quiet:
                print("%s: (no reply requested)" % verb)
            return
        lines, final = self.milter.replies()
        if quiet and lines == ["continue"]:
            return
        for line in lines:
            print("%s: %s" % (verb, line))
        if final in ("continue", "skip"):
            return
        if verb in ("connect", "helo"):
            self.connection_decided = True  # libmilter: the decision is for the connection
        elif verb != "rcpt" or final in ("accept", "discard"):
            self.message_decided = True     # a refused recipient refuses only itself


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--socket", required=True)
    parser.add_argument("--timeout", type=float, default=20)
    parser.add_argument("--resume-file", help="what a pause step waits for")
    parser.add_argument("script")
    args = parser.parse_args()
    try:
        milter = Milter(args.socket, args.timeout)
        milter.negotiate()
        session = Session(milter, args.resume_file)
        with open(args.script, encoding="utf-8") as script:
            for line in script:
                line = line.rstrip("\n")
                if not line.strip() or line.lstrip().startswith("#"):
                    continue
                verb, _, rest = line.strip().partition(" ")
                if verb in ("header", "body"):
                    words = []
                elif verb in ("mail", "rcpt"):
                    words = rest.split()  # literal: a quoted local part keeps its quotes
                else:
                    words = shlex.split(rest, comments=True)
                session.step(verb, words, rest)
                sys.stdout.flush()
        milter.send(b"Q")
    except (OSError, ProtocolError) as error:
        print("error: %s" % error)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
