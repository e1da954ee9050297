from django.apps import AppConfig


class MembersConfig(AppConfig):
    name = "members"

    def ready(self):
        from allauth.account.signals import user_logged_in, user_signed_up
        from allauth.mfa.signals import authenticator_added
        from allauth.socialaccount.signals import social_account_added, social_account_removed

        from base import outbox

        # The log names this app's decisions in words once the app is loaded; the start-up
        # checks register themselves.
        from members import audit, checks, emails, hooks, sso  # noqa: F401
        from members.services import NOTIFICATION_EMAIL

        outbox.register(NOTIFICATION_EMAIL, emails.notifications)
        outbox.register(sso.CONNECTED_EMAIL, emails.organisation_account_connected)
        hooks.register_eraser(emails.erase)

        from members import adapter, second_factor

        user_logged_in.connect(adapter.note_second_factor, dispatch_uid="members.second_factor")
        authenticator_added.connect(
            second_factor.authenticator_added, dispatch_uid="members.second_factor_shown"
        )
        social_account_added.connect(adapter.record_connected, dispatch_uid="members.connected")
        user_signed_up.connect(adapter.record_signed_up, dispatch_uid="members.signed_up")
        social_account_removed.connect(
            adapter.record_disconnected, dispatch_uid="members.disconnected"
        )
