from django.apps import AppConfig


class ProjectsConfig(AppConfig):
    name = "projects"
    verbose_name = "Improvement projects"

    def ready(self):
        from communities.models import Community
        from events.models import Event
        from members import hooks
        from mentoring.models import Match

        # The log names this app's decisions in words once the app is loaded.
        from projects import audit  # noqa: F401
        from projects import hooks as project_hooks
        from resources.models import Resource

        hooks.register_home_panel("projects/_home_panel.html", project_hooks.home_panel)
        hooks.register_profile_panel("projects/_profile_panel.html", project_hooks.profile_panel)
        hooks.register_export("projects", project_hooks.export)
        hooks.register_eraser(project_hooks.erase)
        for model, panel in (
            (Community, project_hooks.helped_community),
            (Event, project_hooks.helped_event),
            (Resource, project_hooks.helped_resource),
            (Match, project_hooks.helped_match),
        ):
            hooks.register_page_panel(model, "projects/_helped_by.html", panel)
