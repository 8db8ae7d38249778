#!/usr/bin/python3
"""smtp_send.py: one SMTP session that sends one message, as the e2e tests need it.

    smtp_send.py --port PORT [--server 127.0.0.1] [--source ADDR]
                 [--xclient-addr ADDR] [--auth USER:PASSWORD] --helo NAME --from ADDR --to ADDR [--to ADDR...]
                 --subject TEXT [--header "Name: value"...]

What swaks cannot do in one go: bind the client to a source address (the test's
network namespace puts documentation addresses on loopback), say XCLIENT ADDR=
to Postfix and then EHLO again, send the null sender (--from ''), and go on with
DATA when only some recipients were refused.

Prints one line per server reply, the command's verb first:
    CONNECT 220 mx.example ESMTP
    MAIL 550 5.7.23 <a@fail.example>... text
    RCPT <bob@example.net> 250 2.1.5 Ok
    DATA 250 2.0.0 Ok: queued as 3F1A2B
Exit status: 0 message accepted, 1 refused, 2 could not talk to the server.
"""
import argparse
import smtplib
import sys


def show(verb, code, text):
    text = text.decode("utf-8", "replace") if isinstance(text, bytes) else text
    print("%s %d %s" % (verb, code, text.replace("\n", " | ")), flush=True)


def session(args):
    client = smtplib.SMTP(timeout=30,
                          source_address=(args.source, 0) if args.source else None)
    show("CONNECT", *client.connect(args.server, args.port))
    if args.xclient_addr:
        # Postfix then starts a new session for the given client: a new
        # greeting, a new connect for the milter, and the client says EHLO again.
        show("EHLO", *client.ehlo(args.helo))
        address = args.xclient_addr
        if ":" in address:
            address = "IPv6:" + address
        show("XCLIENT", *client.docmd("XCLIENT", "ADDR=%s NAME=[UNAVAILABLE]" % address))
    show("EHLO", *client.ehlo(args.helo))
    if args.auth:
        user, password = args.auth.split(":", 1)
        show("AUTH", *client.login(user, password))
    code, text = client.mail(args.sender)
    show("MAIL", code, text)
    if code != 250:
        return 1
    accepted = 0
    for recipient in args.to:
        code, text = client.rcpt(recipient)
        show("RCPT <%s>" % recipient, code, text)
        accepted += code in (250, 251)
    if not accepted:
        return 1
    headers = ["Subject: " + args.subject,
               "From: <%s>" % (args.sender or "mailer-daemon@example.com"),
               "To: <%s>" % args.to[0]] + args.header
    body = "\r\n".join(headers) + "\r\n\r\nA test message.\r\n"
    code, text = client.data(body.encode())
    show("DATA", code, text)
    client.quit()
    return 0 if code == 250 else 1


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--server", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--source", help="local address to connect from")
    parser.add_argument("--xclient-addr", help="client address to present with XCLIENT")
    parser.add_argument("--auth", metavar="USER:PASSWORD", help="SMTP AUTH before MAIL FROM")
    parser.add_argument("--helo", required=True)
    parser.add_argument("--from", dest="sender", required=True, help="'' is the null sender")
    parser.add_argument("--to", action="append", required=True)
    parser.add_argument("--subject", required=True)
    parser.add_argument("--header", action="append", default=[], help="an extra header line")
    args = parser.parse_args()
    try:
        return session(args)
    except smtplib.SMTPResponseException as error:
        show("ERROR", error.smtp_code, error.smtp_error)
        return 1
    except (OSError, smtplib.SMTPException) as error:
        print("ERROR %s" % error, flush=True)
        return 2


if __name__ == "__main__":
    sys.exit(main())
