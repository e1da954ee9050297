from django.apps import AppConfig


class MembersConfig(AppConfig):
    name = "members"

    def ready(self):
        # The log names this app's decisions in words once the app is loaded.
        from members import audit  # noqa: F401
