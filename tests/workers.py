"""A real Celery worker for the tests that need one, and a patient wait for what it does."""

import time

from tooling.smtp_sink import SmtpSink
from tooling.worker_process import start_worker


def worker_for(sink: SmtpSink, **environment):
    """A real Celery worker whose e-mail goes to the sink."""
    return start_worker(
        EMAIL_BACKEND="smtp",
        EMAIL_HOST="127.0.0.1",
        EMAIL_PORT=str(sink.port),
        **environment,
    )


def wait_until(condition, seconds: float = 90) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False
