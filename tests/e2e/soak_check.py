#!/usr/bin/python3
"""soak_check.py: reconcile what the soak client was told with what reached the sink.

    soak_check.py --report FILE --sink DIR --host MTA_HOST

FILE is soak_client.py's report, DIR the sink's messages, MTA_HOST the name
the milter writes into its header fields (Postfix's myhostname). Every message
is accounted for by its X-Soak-Id:
  - each one ended accepted or refused as its case says (soak_cases.py), a
    refusal with the exact reply (code, enhanced code, text);
  - each accepted one is in the sink exactly once, with exactly the milter's
    header fields of its case above Postfix's Received: field, and nothing
    refused, and nothing that was not sent, is in the sink;
  - every SPF result was among them, and some messages were tempfailed (the
    milter was restarted under load) and then sent again until done.
Prints one line per check ("ok   - ..." or "FAIL - ...", with examples of
what went wrong), then the summary
  soak: sent N delivered D refused R tempfailed-then-retried T lost L duplicated U
Exit status 0 when every check passed.
"""
import argparse
import collections
import glob
import json
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import soak_cases  # noqa: E402

EXAMPLES = 5  # mismatches shown per check


def header_fields(path):
    """The header fields of a sink file, unfolded, without the sink's own lines."""
    with open(path, "rb") as source:
        head = source.read().decode("utf-8", "replace").replace("\r\n", "\n").split("\n\n", 1)[0]
    fields = []
    for line in head.split("\n"):
        if line[:1] in (" ", "\t") and fields:
            fields[-1] += line
        else:
            fields.append(line)
    return [field for field in fields if not field.startswith("X-Sink-")]


class Checks:
    def __init__(self):
        self.failed = 0

    def check(self, what, problems):
        """problems: the list of what went wrong; empty means ok."""
        if problems:
            self.failed += 1
            print("FAIL - %s (%d wrong)" % (what, len(problems)))
            for problem in problems[:EXAMPLES]:
                print("#   %s" % problem)
        else:
            print("ok   - %s" % what)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--report", required=True)
    parser.add_argument("--sink", required=True)
    parser.add_argument("--host", required=True)
    args = parser.parse_args()
    checks = Checks()

    with open(args.report) as source:
        report = [json.loads(line) for line in source]
    by_number = {entry["number"]: entry for entry in report}

    # What the sink holds, by message number.
    copies = collections.defaultdict(list)
    strangers = []
    for path in sorted(glob.glob(os.path.join(args.sink, "msg-*.eml"))):
        fields = header_fields(path)
        ids = [f.split(":", 1)[1].strip() for f in fields if f.lower().startswith("x-soak-id:")]
        match = re.fullmatch(r"soak-(\d+)", ids[0]) if len(ids) == 1 else None
        if match and int(match.group(1)) in by_number:
            copies[int(match.group(1))].append((path, fields))
        else:
            strangers.append("%s: X-Soak-Id %s" % (os.path.basename(path), ids))

    outcome_problems, reply_problems, header_problems = [], [], []
    lost, duplicated, refused_delivered = [], [], []
    results = collections.Counter()
    retried = 0
    for entry in report:
        number, case = entry["number"], soak_cases.case_of(entry["number"])
        results[case.result] += 1
        retried += bool(entry["tempfails"]) and entry["outcome"] in ("accepted", "refused")
        wanted = "accepted" if case.refusal is None else "refused"
        where = "message %d (%s, %d attempt(s))" % (number, case.result, entry["attempts"])
        if entry["outcome"] != wanted:
            outcome_problems.append("%s: %s, expected %s; last reply %s; tempfails %s"
                                    % (where, entry["outcome"], wanted, entry["reply"], entry["tempfails"][-3:]))
        if wanted == "refused":
            if entry["outcome"] == "refused" and entry["reply"] != case.refusal:
                reply_problems.append("%s: got %r, expected %r" % (where, entry["reply"], case.refusal))
            if copies.get(number):
                refused_delivered.append("%s: %s" % (where, os.path.basename(copies[number][0][0])))
            continue
        if entry["outcome"] != "accepted":
            continue
        found = copies.get(number, [])
        if not found:
            lost.append(where)
            continue
        if len(found) > 1:
            duplicated.append("%s: %s" % (where, ", ".join(os.path.basename(path) for path, _ in found)))
        expected = soak_cases.expected_fields(number, args.host)
        for path, fields in found:
            above = []
            for field in fields:
                if field.startswith("Received: "):
                    break
                above.append(field)
            received_by_mta = any(f.startswith("Received: ") and re.search(r"\sby %s\s" % re.escape(args.host), f)
                                  for f in fields)
            if above != expected or not received_by_mta:
                header_problems.append("%s in %s: above Received: %s, expected %s"
                                       % (where, os.path.basename(path), above, expected))

    refused = sum(entry["outcome"] == "refused" for entry in report)
    checks.check("every one of the %d messages ended as its case says (accepted or refused)" % len(report),
                 outcome_problems)
    checks.check("every refusal is the exact reply of its case (code, enhanced code, text)", reply_problems)
    checks.check("every accepted message reached the sink (nothing lost)", lost)
    checks.check("no message reached the sink twice (nothing duplicated)", duplicated)
    checks.check("every delivered message carries exactly the milter's two header fields of its case",
                 header_problems)
    checks.check("no refused message reached the sink", refused_delivered)
    checks.check("the sink holds nothing that was not sent", strangers)
    checks.check("every SPF result was sent (%s)" % ", ".join("%s %d" % (c.result, results[c.result])
                                                              for c in soak_cases.CASES),
                 [c.result for c in soak_cases.CASES if results[c.result] == 0])
    # The soak restarts the milter under load: some sessions must have met the
    # gap (Postfix's 4xx for an absent milter) and sent their message again.
    reasons = collections.Counter(reply for entry in report for reply in entry["tempfails"])
    checks.check("the milter's restart was felt: %d message(s) got a 4xx or lost their session "
                 "and were sent again until done" % retried, [] if retried else ["no message was tempfailed"])
    for reply, count in reasons.most_common():
        print("#   %d time(s): %s" % (count, reply))
    delivered = sum(len(found) for found in copies.values())
    print("soak: sent %d delivered %d refused %d tempfailed-then-retried %d lost %d duplicated %d"
          % (len(report), delivered, refused, retried, len(lost), len(duplicated)))
    return 0 if checks.failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
