from django.core.mail.backends.base import BaseEmailBackend


class Backend(BaseEmailBackend):
    """A mail server that fails in a way nobody planned for."""

    def send_messages(self, email_messages):
        raise ValueError("the mail server answered something unexpected")
