#!/usr/bin/python3
"""metrics_client.py: read metrics over HTTP for the end-to-end tests.

    metrics_client.py get URL                  the body, on stdout
    metrics_client.py value URL SERIES         the value of the sample line
                                               "SERIES VALUE" in URL's text
    metrics_client.py status METHOD URL        the HTTP status code of METHOD URL
    metrics_client.py query PROMETHEUS EXPR    the value of the one sample
                                               Prometheus' API gives for EXPR
                                               (empty if it gives none yet)

Loopback only; every request times out after 5 seconds.
"""
import json
import sys
import urllib.error
import urllib.parse
import urllib.request


def get(url):
    with urllib.request.urlopen(url, timeout=5) as response:
        return response.read().decode("utf-8")


def main():
    mode, url = sys.argv[1], sys.argv[2]
    if mode == "get":
        sys.stdout.write(get(url))
    elif mode == "value":
        series = sys.argv[3]
        for line in get(url).splitlines():
            if line.startswith(series + " "):
                print(line[len(series) + 1:])
                return 0
        return 1
    elif mode == "status":
        method, url = sys.argv[2], sys.argv[3]
        try:
            with urllib.request.urlopen(urllib.request.Request(url, method=method, data=b"" if method == "POST" else None),
                                        timeout=5) as response:
                print(response.status)
        except urllib.error.HTTPError as error:
            print(error.code)
    elif mode == "query":
        answer = json.loads(get(url + "/api/v1/query?" + urllib.parse.urlencode({"query": sys.argv[3]})))
        results = answer.get("data", {}).get("result", [])
        if len(results) == 1:
            print(results[0]["value"][1])
    else:
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
