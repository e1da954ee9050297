from django.apps import AppConfig


class ResourcesConfig(AppConfig):
    name = "resources"
    verbose_name = "Resource library"

    def ready(self):
        # The log names this app's decisions in words once the app is loaded.
        from members import hooks
        from resources import audit  # noqa: F401
        from resources import hooks as resource_hooks

        hooks.register_export("resources", resource_hooks.export)
        hooks.register_eraser(resource_hooks.erase)

        from django.db.models.signals import post_save

        from members.models import Organisation, Topic

        # A renamed topic or organisation: the resources that name it are found by the new name.
        for model in (Topic, Organisation):
            post_save.connect(
                resource_hooks.named_saved, sender=model, dispatch_uid=f"resources-{model.__name__}"
            )
