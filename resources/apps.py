from django.apps import AppConfig


class ResourcesConfig(AppConfig):
    name = "resources"
    verbose_name = "Resources and eBulletins"

    def ready(self):
        from members import hooks
        from resources import hooks as resource_hooks

        hooks.register_export("resources", resource_hooks.export)
