from django.apps import AppConfig


class BulletinsConfig(AppConfig):
    name = "bulletins"
    verbose_name = "eBulletins"

    def ready(self):
        from bulletins import emails
        from bulletins import hooks as bulletin_hooks
        from members import hooks

        emails.register()
        hooks.register_export("bulletins", bulletin_hooks.export)
