"""`make run PORT=…`: the links in the e-mails its worker sends lead to the port the site is on."""

import pytest

from members.services import notify
from tests.bulletins.conftest import worker_for
from tests.factories import ProfileFactory
from tooling import devservers
from tooling.smtp_sink import SmtpSink
from tooling.worker_process import stop_worker


def test_the_site_worker_and_beat_are_told_the_port_unless_site_url_is_set():
    assert devservers.serve_environment({"DEBUG": "true"}, 8101) == {
        "DEBUG": "true",
        "SITE_URL": "http://127.0.0.1:8101",
    }
    given = {"SITE_URL": "https://network.example.org"}
    assert devservers.serve_environment(given, 8101)["SITE_URL"] == "https://network.example.org"


@pytest.mark.django_db(transaction=True)
def test_an_email_from_the_worker_of_make_run_links_to_its_port():
    reader = ProfileFactory(member__name="Nia Reader").member
    environment = devservers.serve_environment({}, 8101)
    with SmtpSink() as sink:
        worker = worker_for(sink, SITE_URL=environment["SITE_URL"])
        try:
            notify(
                member=reader,
                kind="reply",
                message="Iona replied to your thread",
                url="/communities/frailty/threads/1/",
            )
            assert sink.mailbox.wait_for(1)
        finally:
            stop_worker(worker)
        (message,) = sink.mailbox.messages()

    body = message.get_content()
    assert "http://127.0.0.1:8101/communities/frailty/threads/1/" in body
    assert "http://127.0.0.1:8101/members/me/preferences/" in body
    assert ":8000" not in body
