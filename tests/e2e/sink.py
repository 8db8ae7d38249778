#!/usr/bin/python3
"""sink.py: the SMTP server both MTAs relay every message to, in the e2e tests.

    sink.py --port PORT --outdir DIR [--address 127.0.0.1]

Accepts every message and writes it to DIR/msg-NNNN.eml exactly as received
(dot-unstuffed), after three lines that record the envelope:

    X-Sink-Helo: NAME
    X-Sink-Mail-From: <ADDR>
    X-Sink-Rcpt-To: <ADDR>, <ADDR>

A message is written to a temporary name and renamed, so a test never reads
half of one. Runs until SIGTERM. Standard library only.
"""
import argparse
import itertools
import os
import signal
import socketserver
import sys
import threading

_numbers = itertools.count(1)
_numbers_lock = threading.Lock()


class Session(socketserver.StreamRequestHandler):
    timeout = 60

    def reply(self, line):
        self.wfile.write(line.encode() + b"\r\n")

    def handle(self):
        self.reply("220 sink.test ESMTP test sink")
        helo, sender, recipients = "", None, []
        while True:
            line = self.rfile.readline(4096)
            if not line:
                return
            command = line.decode("utf-8", "replace").rstrip("\r\n")
            verb = command[:4].upper()
            if verb == "EHLO":
                helo = command[5:]
                self.reply("250-sink.test\r\n250-8BITMIME\r\n250 ENHANCEDSTATUSCODES")
            elif verb == "HELO":
                helo = command[5:]
                self.reply("250 sink.test")
            elif verb == "MAIL":
                sender, recipients = command.split(":", 1)[1].split(" ")[0], []
                self.reply("250 2.1.0 ok")
            elif verb == "RCPT":
                recipients.append(command.split(":", 1)[1].split(" ")[0])
                self.reply("250 2.1.5 ok")
            elif verb == "DATA" and sender is not None and recipients:
                self.reply("354 end with .")
                if not self.receive(helo, sender, recipients):
                    return
                sender, recipients = None, []
            elif verb == "RSET":
                sender, recipients = None, []
                self.reply("250 2.0.0 ok")
            elif verb == "NOOP":
                self.reply("250 2.0.0 ok")
            elif verb == "QUIT":
                self.reply("221 2.0.0 bye")
                return
            else:
                self.reply("503 5.5.1 not here")

    def receive(self, helo, sender, recipients):
        lines = []
        while True:
            line = self.rfile.readline(1 << 20)
            if not line:
                return False
            if line in (b".\r\n", b".\n"):
                break
            lines.append(line[1:] if line.startswith(b".") else line)
        with _numbers_lock:
            number = next(_numbers)
        path = os.path.join(self.server.outdir, "msg-%04d.eml" % number)
        with open(path + ".tmp", "wb") as out:
            out.write(("X-Sink-Helo: %s\r\nX-Sink-Mail-From: %s\r\nX-Sink-Rcpt-To: %s\r\n"
                       % (helo, sender, ", ".join(recipients))).encode())
            out.writelines(lines)
        os.rename(path + ".tmp", path)
        self.reply("250 2.0.0 queued as sink-%04d" % number)
        return True


class Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True
    # The default backlog (5) overflows when the MTA opens many connections at
    # once (the soak): a handshake whose last ACK is dropped leaves the MTA
    # waiting minutes for a greeting that never comes.
    request_queue_size = 128


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--address", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--outdir", required=True)
    args = parser.parse_args()
    os.makedirs(args.outdir, exist_ok=True)
    server = Server((args.address, args.port), Session)
    server.outdir = args.outdir
    # SIGTERM ends serve_forever() from another thread, then the process exits.
    signal.signal(signal.SIGTERM,
                  lambda *_: threading.Thread(target=server.shutdown).start())
    print("sink listening on %s:%d" % (args.address, args.port), file=sys.stderr, flush=True)
    server.serve_forever()
    server.server_close()


if __name__ == "__main__":
    main()
