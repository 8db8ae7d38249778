#!/usr/bin/env python3
"""tests/fuzz/make_seeds.py: writes the seed corpora of the fuzz targets.

    python3 tests/fuzz/make_seeds.py            # into tests/fuzz/corpus/<target>/seed-*

Seeds come from the test data of the tree (the grammar's golden records, the
zones of tests/spf/golden and tests/e2e, packaging/spf-milter.conf) and, for the
reply target, from DNS replies built here octet by octet: libFuzzer seldom grows an
input past a few KB by itself, so the large and hostile replies (thousands of
character-strings in one TXT RR, thousands of RRs, 65,535-octet TCP answers,
compression pointers that loop or point forward, CNAME chains) are written here.
The output is deterministic; files the fuzzers added (named by their SHA-1) are
left alone. Only the seed-* files are rewritten.
"""
import pathlib
import re
import struct
import sys

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parent.parent
CORPUS = HERE / "corpus"


def write(target, name, data):
    directory = CORPUS / target
    directory.mkdir(parents=True, exist_ok=True)
    if isinstance(data, str):
        data = data.encode("latin-1")
    (directory / ("seed-" + name)).write_bytes(data)


def zone_txt_strings(path):
    """The joined TXT strings of a zone file, in file order."""
    texts = []
    for line in path.read_text().splitlines():
        parts = re.findall(r'"((?:[^"\\]|\\.)*)"', line)  # comments in these files hold no quotes
        if re.search(r"\sTXT\s", line) and parts:
            texts.append("".join(parts))
    return texts


# ---- record ---------------------------------------------------------------------

def record_seeds():
    for path in sorted((ROOT / "tests/spf/grammar").glob("*.record")):
        write("record", path.stem, path.read_bytes().rstrip(b"\n"))
    records = [t for p in [ROOT / "tests/e2e/world.zone", *sorted((ROOT / "tests/spf/golden").glob("*.zone"))]
               for t in zone_txt_strings(p) if t.lower().startswith("v=spf1")]
    for i, text in enumerate(dict.fromkeys(records)):
        write("record", "zone-%02d" % i, text)
    write("record", "every-term",
          "v=spf1 +all -include:_spf.example.com ~a ?a:mail.example.com/24//64 mx mx:%{d}/30 ptr ptr:example.org "
          "ip4:192.0.2.0/24 ip6:2001:db8::/32 ip6:::ffff:192.0.2.1 exists:%{ir}.%{l1r-}.%{v}._spf.%{d2} "
          "redirect=_spf.example.net exp=explain.%{d} x-unknown=%{h}%%%_%-")
    write("record", "macros", "v=spf1 a:%{S}.%{L}.%{O}.%{D4r}.%{i}.%{p}.%{v}.%{h}%{d}.example.com -all")


# ---- macro ----------------------------------------------------------------------
# First octet: bit 0 explain-string, bit 1 explanation context, bit 2 IPv6 client.

def macro_seeds():
    rfc_examples = ["%{s}", "%{o}", "%{d}", "%{d4}", "%{d3}", "%{d2}", "%{d1}", "%{dr}", "%{d2r}", "%{l}",
                    "%{l-}", "%{lr}", "%{lr-}", "%{l1r-}", "%{ir}.%{v}._spf.%{d2}", "%{lr-}.lp._spf.%{d2}",
                    "%{lr-}.lp.%{ir}.%{v}._spf.%{d2}", "%{ir}.%{v}.%{l1r-}.lp._spf.%{d2}",
                    "%{d2}.trusted-domains.example.net"]
    write("macro", "rfc-examples", b"\x00" + " ".join(rfc_examples).replace(" ", ".").encode())
    write("macro", "rfc-examples-ip6", b"\x04" + "%{ir}.%{v}._spf.%{d2}".encode())
    write("macro", "explanation-letters", b"\x03" + b"%{c} %{r} %{t} %{p} %{h} %{I} %{S} %{ir-+.,/_=} %% %_ %-")
    write("macro", "domain-spec-with-c", b"\x00" + b"%{c}.%{r}.%{t}.example.com")
    write("macro", "long-transformers", b"\x06" + b"%{i99999r.-+,/_=}%{s0}%{d128r}" * 4)
    write("macro", "url-escaped", b"\x02" + "%{L}%{S}%{O}+ünïcode".encode("utf-8"))
    exps = [t for p in [ROOT / "tests/e2e/world.zone", *sorted((ROOT / "tests/spf/golden").glob("*.zone"))]
            for t in zone_txt_strings(p) if not t.lower().startswith("v=spf1")]
    for i, text in enumerate(dict.fromkeys(exps)):
        write("macro", "exp-%02d" % i, b"\x03" + text.encode())


# ---- check_host -----------------------------------------------------------------

def check_host_seeds():
    world = (ROOT / "tests/e2e/world.zone").read_text()
    write("check_host", "world-pass", "192.0.2.25 alice@pass.example mail.example.com\n" + world)
    write("check_host", "world-fail", "198.51.100.7 alice@fail.example stranger.example.net\n" + world)
    write("check_host", "world-helo", "2001:db8::25 <> mail.example.com helo\n" + world)
    for path in sorted((ROOT / "tests/spf/golden").glob("*.zone")):
        write("check_host", path.stem, "192.0.2.10 user@example.com mx.example.com\n" + path.read_text())
    write("check_host", "limits-and-ptr",
          "192.0.2.1 user@a.example mail.a.example\n"
          'a.example TXT "v=spf1 include:b.example mx:c.example ptr exists:%{p}.%{ir}.e.example a:missing.example '
          'a:missing2.example -all exp=why.a.example"\n'
          'b.example TXT "v=spf1 redirect=c.example"\n'
          'c.example TXT "v=spf1 mx ?all"\n'
          "c.example MX 10 m1.c.example\nc.example MX 20 m2.c.example\n"
          "m1.c.example A 198.51.100.1\nm2.c.example CNAME m1.c.example\n"
          "1.2.0.192.in-addr.arpa PTR a.example\na.example A 192.0.2.1\n"
          'why.a.example TXT "%{i} %{p} %{d} refused"\n'
          "slow.example TIMEOUT\nbroken.example SERVFAIL\n")
    write("check_host", "include-loop",
          "192.0.2.1 user@a.example h.example\n"
          'a.example TXT "v=spf1 include:b.example -all"\n'
          'b.example TXT "v=spf1 include:a.example ?all"\n')


# ---- envelope, config, sanitize -------------------------------------------------

def envelope_seeds():
    for i, argument in enumerate([
            "<alice@example.com>", "alice@example.com", "<>", "<@relay.example,@b.example:alice@example.com>",
            '<"odd@local"@example.com>', '<"a\\"b>c"@example.com>', " <Postmaster> ", "<alice@[192.0.2.1]>",
            "<alice@example.com", "<<>>", "<@relay.example>"]):
        write("envelope", "%02d" % i, argument)


def config_seeds():
    text = (ROOT / "packaging/spf-milter.conf").read_text()
    write("config", "example", text)
    write("config", "example-uncommented", re.sub(r"(?m)^# ([a-z_]+ =)", r"\1", text))
    write("config", "bad-value", "socket = inet:8894@127.0.0.1\nfail_action = maybe\n")
    write("config", "twice", "dns_timeout = 3\n\n# comment\ndns_timeout = 4\n")
    write("config", "lists", "trusted_networks = 127.0.0.0/8, ::1/128, 192.0.2.0/24\n"
                             "skip_sender_domains = .example.com, example.net\n"
                             "dns_servers = 127.0.0.1:5353, [::1]:53\nreject_text = %{i} refused for %{d}\n")


def sanitize_seeds():
    sep = b"\xff"
    write("sanitize", "plain", b"\x30" + sep.join([b"mail.example.com", b"alice@example.com", b"mx.example.net",
                                                  b"mx.example.net", b"", b"-all"]))
    write("sanitize", "hostile", b"\x6f" + sep.join([b"x; client-ip=192.0.2.1\r\nX-Evil: 1", b'"a b"@example.com',
                                                    b"(mx)\\", b'"id"', b"100% \x00\t\x80\xfe broken",
                                                    b"include:%{d}"]))
    write("sanitize", "long", b"\x59" + sep.join([b"h" * 300, b'"' * 300, b"r" * 300, b"a." * 150,
                                                 b"% " * 300, b"\\" * 300]))


# ---- reply: DNS messages, RFC 1035 §4.1 ------------------------------------------
# First octet: the question type (0 TXT, 1 A, 2 AAAA, 3 MX, 4 PTR); +5 asks "EXAMPLE.com".

TXT, A, AAAA, MX, PTR, CNAME, OPT, NULL = 16, 1, 28, 15, 12, 5, 41, 10
CHOICE = {TXT: 0, A: 1, AAAA: 2, MX: 3, PTR: 4}
QNAME_AT = 0xC00C  # a pointer to the question's name, right after the header


def name(text):
    out = b""
    for label in text.split("."):
        out += bytes([len(label)]) + label.encode()
    return out + b"\x00"


def header(ancount, qdcount=1, rcode=0, tc=False, nscount=0, arcount=0):
    flags = 0x8180 | rcode | (0x0200 if tc else 0)
    return struct.pack(">HHHHHH", 0x1234, flags, qdcount, ancount, nscount, arcount)


def question(qtype, qname="example.com"):
    return name(qname) + struct.pack(">HH", qtype, 1)


def rr(owner, rtype, rdata, ttl=300):
    return owner + struct.pack(">HHIH", rtype, 1, ttl, len(rdata)) + rdata


def ptr(offset):
    return struct.pack(">H", 0xC000 | offset)


def strings(*parts):
    return b"".join(bytes([len(p)]) + p for p in parts)


def reply(qtype, answers, **flags):
    return header(len(answers), **flags) + question(qtype) + b"".join(answers)


def write_reply(label, qtype, message):
    assert len(message) <= 65535, label
    write("reply", label, bytes([CHOICE[qtype]]) + message)


def reply_seeds():
    q = ptr(12)
    write_reply("txt-spf", TXT, reply(TXT, [rr(q, TXT, strings(b"v=spf1 ip4:192.0.2.0/24 -all"))]))
    write_reply("txt-three-strings", TXT,
                reply(TXT, [rr(q, TXT, strings(b"v=spf1 ", b"ip4:192.0.2.1 ", b"-all")),
                            rr(q, A, bytes([192, 0, 2, 1])), rr(q, TXT, strings(b"", b"hello"))]))
    # The quadratic cases: thousands of character-strings in one TXT RR.
    write_reply("txt-20000-strings", TXT, reply(TXT, [rr(q, TXT, strings(*[b"x"] * 20000))]))
    body = header(1) + question(TXT)
    count = (65535 - len(body) - 12) // 2
    write_reply("txt-max-tcp-one-rr", TXT, reply(TXT, [rr(q, TXT, strings(*[b"y"] * count))]))
    write_reply("txt-255-octet-strings", TXT, reply(TXT, [rr(q, TXT, strings(*[b"z" * 255] * 250))]))
    write_reply("txt-2400-rrs", TXT, reply(TXT, [rr(q, TXT, strings(b"v=spf1 -all"))] * 2400))
    write_reply("txt-250-rrs-of-70-strings", TXT, reply(TXT, [rr(q, TXT, strings(*[b"ab"] * 70))] * 250))
    write_reply("txt-empty", TXT, reply(TXT, [rr(q, TXT, b""), rr(q, TXT, b"\x00")]))
    write_reply("txt-string-overrun", TXT, reply(TXT, [rr(q, TXT, b"\x05abc")]))
    write_reply("a-4000-rrs", A, reply(A, [rr(q, A, bytes([192, 0, 2, i % 256])) for i in range(4000)]))
    write_reply("aaaa-2300-rrs", AAAA, reply(AAAA, [rr(q, AAAA, bytes.fromhex("20010db8") + bytes(10) +
                                                                  struct.pack(">H", i)) for i in range(2300)]))
    write_reply("a-bad-lengths", A, reply(A, [rr(q, A, bytes(5)), rr(q, AAAA, bytes(4)), rr(q, A, bytes(3))]))
    write_reply("mx-1000-rrs", MX, reply(MX, [rr(q, MX, struct.pack(">H", i % 50) + bytes([6]) +
                                                   b"mx%04d" % i + q) for i in range(1000)]))
    write_reply("mx-null-and-root", MX, reply(MX, [rr(q, MX, struct.pack(">H", 0) + b"\x00"),
                                                   rr(q, MX, struct.pack(">H", 10) + name("mail.example.com"))]))
    write_reply("ptr-1000-rrs", PTR, reply(PTR, [rr(q, PTR, bytes([5]) + b"h%04d" % i + q) for i in range(1000)]))
    odd = bytes([63]) + b"a.b\\c\x00\xff" + b"o" * 56 + bytes([63]) + b"." * 63 + bytes([63]) + b"p" * 63 + \
        bytes([61]) + b"q" * 61 + b"\x00"
    write_reply("ptr-255-octet-odd-labels", PTR, reply(PTR, [rr(q, PTR, odd)]))
    # CNAME chains: 200 links, then the records; a loop; a chain to a name without records.
    links = []
    offset = len(header(0)) + len(question(TXT))
    owner = q
    for i in range(200):
        target = bytes([4]) + b"c%03d" % i + q
        links.append(rr(owner, CNAME, target))
        owner = ptr(offset + 12)  # the target's first label, inside the rdata just written
        offset += len(links[-1])
    write_reply("cname-chain-200", TXT, reply(TXT, links + [rr(owner, TXT, strings(b"v=spf1 -all"))]))
    a_to_b = rr(q, CNAME, bytes([1]) + b"a" + q)
    offset = len(header(0)) + len(question(TXT))
    b_owner = ptr(offset + 12)
    write_reply("cname-loop", TXT, reply(TXT, [a_to_b, rr(b_owner, CNAME, q)]))
    write_reply("cname-to-nothing", A, reply(A, [rr(q, CNAME, name("elsewhere.example"))]))
    # Compression pointers: to itself, forward, in a long chain, beyond the end.
    start = len(header(0)) + len(question(TXT))
    write_reply("pointer-loop", TXT, reply(TXT, [rr(ptr(start), TXT, strings(b"v=spf1 -all"))]))
    rdata = strings(b"v=spf1 ", b"-all")
    forward = rr(ptr(start + 12 + len(rdata)), TXT, rdata)  # the name written after this RR
    write_reply("pointer-forward", TXT, reply(TXT, [forward]) + name("example.com"))
    # 8000 pointers, each to the one before, the first to the question's name; then
    # 1000 TXT RRs whose owner is the last pointer (ldns caps the hops or walks them).
    chain_at = start + 1 + 10  # the rdata of a NULL RR owned by the root
    chain = b"".join(ptr(12 if i == 0 else chain_at + 2 * (i - 1)) for i in range(8000))
    holder = rr(b"\x00", NULL, chain)
    last = ptr(chain_at + 2 * 7999)
    message = header(1001) + question(TXT) + holder + b"".join([rr(last, TXT, strings(b"v=spf1 -all"))] * 1000)
    write_reply("pointer-chain-8000", TXT, message)
    write_reply("pointer-past-end", TXT, reply(TXT, [rr(ptr(0x3fff), TXT, strings(b"x"))]))
    # Status: NXDOMAIN, SERVFAIL, REFUSED, NODATA, truncated, lying counts, short.
    write_reply("nxdomain", TXT, reply(TXT, [], rcode=3))
    write_reply("servfail", A, reply(A, [], rcode=2))
    write_reply("refused-with-answer", TXT, reply(TXT, [rr(q, TXT, strings(b"v=spf1 -all"))], rcode=5))
    write_reply("nodata-with-other-type", TXT, reply(TXT, [rr(q, A, bytes([192, 0, 2, 7]))]))
    write_reply("truncated-tc", TXT, reply(TXT, [rr(q, TXT, strings(b"v=spf1 -all"))], tc=True)[:-5])
    write_reply("ancount-lies", TXT, header(100) + question(TXT) + rr(q, TXT, strings(b"v=spf1 -all")))
    write_reply("header-only", TXT, header(0, qdcount=0))
    write_reply("other-owner-and-edns", A,
                header(2, arcount=1) + question(A) + rr(name("other.example"), A, bytes([192, 0, 2, 9])) +
                rr(q, A, bytes([192, 0, 2, 10])) + b"\x00" + struct.pack(">HHIH", OPT, 1232, 0, 0))


def main():
    if len(sys.argv) > 1:
        sys.exit(__doc__)
    record_seeds()
    macro_seeds()
    check_host_seeds()
    envelope_seeds()
    config_seeds()
    sanitize_seeds()
    reply_seeds()


if __name__ == "__main__":
    main()
