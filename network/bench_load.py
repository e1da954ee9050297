"""One load run for `make bench`, in a process of its own (locust patches the standard library
with gevent, which must not happen inside the Django process that orchestrates the benchmark).

    python -m network.bench_load URL COOKIE USERS RATE SECONDS [REPLY_TO [REPLY_SHARE]]

URL may be several addresses joined by "|": each request then asks for one of them at random
(mixed traffic). With REPLY_TO, a thread's address, a share of the requests (one in twenty
unless REPLY_SHARE says otherwise) posts a reply there.
RATE is requests per second per simulated member; 0 means as fast as the server answers.
Prints one JSON line: median and 95th percentile (ms), requests, failures, requests per second.
"""

import json
import random
import sys
from urllib.parse import urlsplit

import gevent
from locust import HttpUser, constant, constant_throughput, task
from locust.env import Environment

WARM_UP = 3  # seconds of load before measuring starts
REPLY_SHARE = 0.05


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
    base = "{0.scheme}://{0.netloc}".format(urlsplit(urls[0]))
    paths = [
        urlsplit(url).path + (f"?{urlsplit(url).query}" if urlsplit(url).query else "")
        for url in urls
    ]

    class Member(HttpUser):
        host = base
        wait_time = constant_throughput(rate) if rate else constant(0)

        def on_start(self):
            # Members do not all click at the same instant: each starts at a random moment of
            # the first second, so a fixed rate arrives spread out, not in bursts of `users`.
            gevent.sleep(random.random())  # noqa: S311 (spreading load, not a secret)

        @task
        def page(self):
            if reply_to and random.random() < reply_share:  # noqa: S311
                self.reply()
                return
            path = random.choice(paths)  # noqa: S311
            with self.client.get(
                path, headers={"Cookie": cookie}, allow_redirects=False, catch_response=True
            ) as response:
                if response.status_code != 200:
                    response.failure(f"answered {response.status_code}")

        def reply(self):
            # As a browser does: the form's page first (it sets the CSRF cookie), then the post.
            form = self.client.get(reply_to, headers={"Cookie": cookie}, name="reply form")
            token = form.cookies.get("csrftoken") or self.client.cookies.get("csrftoken", "")
            with self.client.post(
                reply_to,
                data={"body": "Thanks, this helps our ward too.", "csrfmiddlewaretoken": token},
                headers={"Cookie": f"{cookie}; csrftoken={token}", "Referer": base + reply_to},
                allow_redirects=False,
                catch_response=True,
                name="reply",
            ) as response:
                if response.status_code != 302:
                    response.failure(f"reply answered {response.status_code}")

    environment = Environment(user_classes=[Member])
    runner = environment.create_local_runner()
    runner.start(users, spawn_rate=users)
    gevent.sleep(WARM_UP)
    environment.stats.reset_all()
    gevent.sleep(seconds)
    total = environment.stats.total
    measured = {
        "median": total.median_response_time,
        "p95": total.get_response_time_percentile(0.95),
        "requests": total.num_requests,
        "failures": total.num_failures,
        "rps": total.num_requests / seconds,
    }
    runner.quit()
    print(json.dumps(measured))


if __name__ == "__main__":
    main(sys.argv[1:])
