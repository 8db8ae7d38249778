#!/usr/bin/python3
"""notify_listener.py: stand in for systemd's end of sd_notify(3).

    notify_listener.py SOCKET LOG [--probe UNIX_SOCKET]

Binds a unix datagram socket at SOCKET (the daemon's NOTIFY_SOCKET) and
appends each message it receives to LOG as one line, its assignments joined
by " | " ("READY=1 | STATUS=generation 1, ..."). With --probe, on each message
with READY=1 it also connects to UNIX_SOCKET and logs "probe: connected" or
"probe: refused (...)": READY=1 must come only once the milter accepts
connections. Runs until killed.
"""
import argparse
import os
import socket
import sys


def probe(path):
    client = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        client.connect(path)
        return "probe: connected"
    except OSError as error:
        return "probe: refused (%s)" % error
    finally:
        client.close()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("socket")
    parser.add_argument("log")
    parser.add_argument("--probe")
    arguments = parser.parse_args()
    if os.path.exists(arguments.socket):
        os.unlink(arguments.socket)
    server = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    server.bind(arguments.socket)
    # The daemon sends after dropping root to its service user.
    os.chmod(arguments.socket, 0o666)
    with open(arguments.log, "a", buffering=1) as log:
        log.write("listening\n")
        while True:
            message = server.recv(4096).decode("utf-8", "replace")
            lines = [line for line in message.split("\n") if line]
            log.write(" | ".join(lines) + "\n")
            if arguments.probe and "READY=1" in lines:
                log.write(probe(arguments.probe) + "\n")


if __name__ == "__main__":
    sys.exit(main())
