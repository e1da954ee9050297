from django.apps import AppConfig


class MentoringConfig(AppConfig):
    name = "mentoring"

    def ready(self):
        from members import hooks
        from mentoring import hooks as mentoring_hooks

        hooks.register_home_panel("mentoring/_home_panel.html", mentoring_hooks.home_panel)
        hooks.register_export("mentoring", mentoring_hooks.export)
        hooks.register_eraser(mentoring_hooks.erase)
