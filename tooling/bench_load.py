"""One load run for `make bench`, in a process of its own:

    python -m tooling.bench_load URL COOKIE USERS RATE SECONDS [REPLY_TO [REPLY_SHARE]]

Each of USERS simulated members is a thread that opens a connection for each request, as a
browser does with a server that closes it. With a RATE (requests a second per member) each asks
on its own fixed schedule whatever the answers (an open loop): a slow answer does not put the
next question off, and a question that could only be sent late is timed from when it was due, so
a queue at the server shows in the latency instead of hiding. RATE 0 asks again as soon as
answered (saturation: throughput).

URL may be several addresses joined by "|": each request then asks for one of them at random
(mixed traffic). With REPLY_TO, a thread's address, a share of the requests (one in twenty unless
REPLY_SHARE says otherwise) posts a reply there through its form, CSRF token and all.

Prints one JSON line: median and 95th percentile (ms), requests, failures, requests a second.
Threads and the standard library only: a load generator built on gevent (locust) measured its
own scheduling on two shared cores, ten times what the server took.
"""

import http.client
import json
import random
import sys
import threading
import time
import urllib.parse

WARM_UP = 3  # seconds of load before measuring starts
REPLY_SHARE = 0.05
REPLY_BODY = "Thanks, this helps our ward too."


class Member:
    def __init__(self, host: str, port: int, cookie: str):
        self.host, self.port, self.cookie = host, port, cookie

    def ask(self, method: str, path: str, body: str = "", cookie: str = "") -> tuple[int, dict]:
        connection = http.client.HTTPConnection(self.host, self.port, timeout=60)
        headers = {"Cookie": cookie or self.cookie, "Host": f"{self.host}:{self.port}"}
        if body:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            connection.request(method, path, body=body or None, headers=headers)
            response = connection.getresponse()
            response.read()
            return response.status, response.headers
        finally:
            connection.close()

    def reply(self, path: str) -> bool:
        # As a browser does: the form's page first (it sets the CSRF cookie), then the post.
        status, headers = self.ask("GET", path)
        token = ""
        for cookie in headers.get_all("Set-Cookie") or []:
            name, _, rest = cookie.partition("=")
            if name.strip() == "csrftoken":
                token = rest.split(";", 1)[0]
        if status != 200 or not token:
            return False
        body = urllib.parse.urlencode({"body": REPLY_BODY, "csrfmiddlewaretoken": token})
        status, _ = self.ask("POST", path, body, cookie=f"{self.cookie}; csrftoken={token}")
        return status == 302


def main(argv: list[str]) -> None:
    urls, cookie, users, rate, seconds = (
        argv[0].split("|"),
        argv[1],
        int(argv[2]),
        float(argv[3]),
        float(argv[4]),
    )
    reply_to = argv[5] if len(argv) > 5 else None
    reply_share = float(argv[6]) if len(argv) > 6 else REPLY_SHARE
    first = urllib.parse.urlsplit(urls[0])
    paths = [
        urllib.parse.urlsplit(url).path
        + (f"?{urllib.parse.urlsplit(url).query}" if urllib.parse.urlsplit(url).query else "")
        for url in urls
    ]
    start = time.monotonic()
    measuring_from, end = start + WARM_UP, start + WARM_UP + seconds
    timings: list[float] = []
    failures: list[int] = []

    def simulate() -> None:
        member = Member(first.hostname, first.port or 80, cookie)
        # Members do not all click at the same instant: each starts at a random moment of the
        # first second, so a fixed rate arrives spread out, not in bursts.
        due = start + random.random() / (rate or 1)  # noqa: S311 (spreading load, not a secret)
        while True:
            now = time.monotonic()
            if rate and due > now:
                time.sleep(due - now)
            asked = due if rate else time.monotonic()
            if asked >= end:
                return
            if reply_to and random.random() < reply_share:  # noqa: S311
                ok = member.reply(reply_to)
            else:
                status, _ = member.ask("GET", random.choice(paths))  # noqa: S311
                ok = status == 200
            answered = time.monotonic()
            if asked >= measuring_from:
                timings.append((answered - asked) * 1000)
                if not ok:
                    failures.append(1)
            due = due + 1 / rate if rate else answered

    threads = [threading.Thread(target=simulate, daemon=True) for _ in range(users)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=seconds + WARM_UP + 120)
    timings.sort()
    print(
        json.dumps(
            {
                "median": round(timings[len(timings) // 2]) if timings else 0,
                "p95": round(timings[int(len(timings) * 0.95)]) if timings else 0,
                "requests": len(timings),
                "failures": len(failures),
                "rps": len(timings) / seconds,
            }
        )
    )


if __name__ == "__main__":
    main(sys.argv[1:])
