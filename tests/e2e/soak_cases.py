"""soak_cases.py: what the soak sends and what must come of each message.

Shared by soak_client.py (which sends) and soak_check.py (which reconciles).
Seven cases, one per SPF result of the MAIL FROM identity, from the two clients
of world.zone (given to Postfix with XCLIENT). Every message has its own number
N; its sender is sN@DOMAIN, so the header fields the milter adds name the very
message they sit on (a mix-up between concurrent sessions would show).

The soak's milter (soak.conf) does not check HELO: it adds exactly one
Authentication-Results and one Received-SPF field to each message it accepts.
"""
from dataclasses import dataclass
from typing import Optional

DESIGNATED = ("192.0.2.25", "mail.example.com")  # designated by every domain
STRANGER = ("198.51.100.7", "stranger.example.net")  # designated by none
RECIPIENT = "bob@example.net"


@dataclass(frozen=True)
class Case:
    result: str  # the SPF result of MAIL FROM
    client: tuple  # (address, HELO name)
    domain: str
    # The exact reply to MAIL FROM ("CODE ENHANCED TEXT") when the message is
    # refused; None: accepted, with header fields.
    refusal: Optional[str] = None
    comment: str = ""  # the comment of the result in the header fields
    detail: str = ""  # mechanism= or problem= of Received-SPF


CASES = [
    Case("pass", DESIGNATED, "pass.example",
         comment="domain of {s} designates {ip} as permitted sender",
         detail='mechanism="a:mail.example.com"'),
    Case("fail", STRANGER, "fail.example",
         refusal="550 5.7.23 198.51.100.7 is not one of fail.example's designated mail servers"),
    Case("softfail", STRANGER, "softfail.example",
         comment="domain of transitioning {s} does not designate {ip} as permitted sender",
         detail="mechanism=~all"),
    Case("neutral", STRANGER, "neutral.example",
         comment="{ip} is neither permitted nor denied by domain of {s}",
         detail="mechanism=?all"),
    Case("none", STRANGER, "none.example",
         comment="domain of {s} does not designate permitted sender hosts"),
    Case("temperror", DESIGNATED, "temperror.example",
         refusal="451 4.7.24 SPF temperror: temporary DNS failure checking temperror.example, "
                 "try again later"),
    Case("permerror", DESIGNATED, "permerror.example",
         comment="permanent error in processing domain of {s}: "
                 "2 SPF records at permerror.example \\(exactly one is allowed\\)",
         detail='problem="2 SPF records at permerror.example (exactly one is allowed)"'),
]


def case_of(number):
    return CASES[number % len(CASES)]


def sender_of(number):
    return "s%d@%s" % (number, case_of(number).domain)


def message_id(number):
    return "soak-%d" % number


def expected_fields(number, host):
    """The milter's header fields on an accepted message, top down, unfolded."""
    case = case_of(number)
    sender, (ip, helo) = sender_of(number), case.client
    comment = case.comment.format(s=sender, ip=ip)
    received = ("Received-SPF: %s (%s: %s) receiver=%s; client-ip=%s; envelope-from=\"%s\"; "
                "helo=%s; identity=mailfrom" % (case.result, host, comment, host, ip, sender, helo))
    if case.detail:
        received += "; " + case.detail
    return ["Authentication-Results: %s; spf=%s (%s) smtp.mailfrom=%s" % (host, case.result, comment, sender),
            received]
