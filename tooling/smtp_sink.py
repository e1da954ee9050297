"""A real SMTP server on loopback (aiosmtpd, a development dependency) that keeps what it receives:
the e-mail tests and the bulletin benchmark send to it."""

import email
import email.policy
import logging
import socket
import threading
import time

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Mailbox:
    """Handler: every accepted message in arrival order. Messages are parsed only when asked
    for, so the sink stays fast enough to measure senders. `delay` slows each one down, so a
    test can stop a worker in the middle of a batch. `refusals` maps an address to the reply
    that refuses it ("550 5.1.1 No such mailbox" for good, "451 …" for now)."""

    def __init__(self, delay: float = 0.0):
        self.delay = delay
        self.refusals: dict[str, str] = {}
        self._received: list[tuple[list[str], bytes, object]] = []
        self._lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        refusal = self.refusals.get(address)
        if refusal:
            return refusal
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.delay:
            time.sleep(self.delay)
        with self._lock:
            self._received.append((list(envelope.rcpt_tos), envelope.content, session.peer))
        return "250 Message accepted for delivery"

    # A method, not a property: aiosmtpd inspects its handler's attributes on every connection.
    def messages(self) -> list[email.message.EmailMessage]:
        with self._lock:
            received = list(self._received)
        return [
            email.message_from_bytes(content, policy=email.policy.default)
            for _, content, _ in received
        ]

    def recipients(self) -> list[str]:
        with self._lock:
            return [address for addresses, _, _ in self._received for address in addresses]

    def connections(self) -> int:
        """How many SMTP connections the messages came over."""
        with self._lock:
            return len({peer for _, _, peer in self._received})

    def clear(self) -> None:
        with self._lock:
            self._received.clear()

    def wait_for(self, count: int, seconds: float = 60) -> bool:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if len(self.recipients()) >= count:
                return True
            time.sleep(0.05)
        return False


class SmtpSink:
    def __init__(self, delay: float = 0.0):
        # aiosmtpd logs every command at INFO: thousands of lines, and slower than the sending.
        logging.getLogger("mail.log").setLevel(logging.WARNING)
        self.mailbox = Mailbox(delay)
        self.port = free_port()
        self.controller = Controller(self.mailbox, hostname="127.0.0.1", port=self.port)

    def __enter__(self):
        self.controller.start()
        return self

    def __exit__(self, *exc):
        self.controller.stop()
