from django.apps import AppConfig


class ProjectsConfig(AppConfig):
    name = "projects"
    verbose_name = "Improvement projects"

    def ready(self):
        # The log names this app's decisions in words once the app is loaded.
        from projects import audit  # noqa: F401
