from django.apps import AppConfig


class EventsConfig(AppConfig):
    name = "events"
    verbose_name = "Learning events"

    def ready(self):
        from events import audit, emails  # noqa: F401
        from events import hooks as event_hooks
        from members import hooks

        emails.register()

        hooks.register_home_panel("events/_home_panel.html", event_hooks.home_panel)
        hooks.register_profile_panel(
            "events/_profile_panel.html", event_hooks.profile_panel, shows_events=True
        )
        hooks.register_export("events", event_hooks.export)
        hooks.register_eraser(event_hooks.erase)

        from django.db.models.signals import post_save

        from members.models import Topic

        # A renamed topic is a renamed tag: the events that carry it are found by the new name.
        post_save.connect(event_hooks.topic_saved, sender=Topic, dispatch_uid="events-topic")
