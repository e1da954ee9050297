from django.apps import AppConfig


class InsightsConfig(AppConfig):
    name = "insights"
    verbose_name = "Network impact"

    def ready(self):
        from insights import hooks as insight_hooks
        from members import hooks

        hooks.register_export("stories", insight_hooks.export)
        hooks.register_eraser(insight_hooks.erase)
