from django.apps import AppConfig


class MembersConfig(AppConfig):
    name = "members"

    def ready(self):
        from allauth.account.signals import user_logged_in
        from allauth.socialaccount.signals import social_account_added, social_account_removed

        from base import outbox

        # The log names this app's decisions in words once the app is loaded.
        from members import audit, emails, hooks  # noqa: F401
        from members.services import NOTIFICATION_EMAIL

        outbox.register(NOTIFICATION_EMAIL, emails.notifications)
        hooks.register_eraser(emails.erase)

        from members import adapter

        user_logged_in.connect(adapter.note_second_factor, dispatch_uid="members.second_factor")
        social_account_added.connect(adapter.record_connected, dispatch_uid="members.connected")
        social_account_removed.connect(
            adapter.record_disconnected, dispatch_uid="members.disconnected"
        )
