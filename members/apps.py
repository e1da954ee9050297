from django.apps import AppConfig


class MembersConfig(AppConfig):
    name = "members"

    def ready(self):
        from base import outbox

        # The log names this app's decisions in words once the app is loaded.
        from members import audit, emails, hooks  # noqa: F401
        from members.services import NOTIFICATION_EMAIL

        outbox.register(NOTIFICATION_EMAIL, emails.notifications)
        hooks.register_eraser(emails.erase)
