from django.apps import AppConfig


class CommunitiesConfig(AppConfig):
    name = "communities"
    verbose_name = "Communities of practice"

    def ready(self):
        # The log names this app's decisions in words once the app is loaded.
        from communities import audit, emails  # noqa: F401
        from communities import hooks as community_hooks
        from members import hooks

        emails.register()
        hooks.register_home_panel("communities/_home_panel.html", community_hooks.home_panel)
        hooks.register_profile_panel(
            "communities/_profile_panel.html", community_hooks.profile_panel
        )
        hooks.register_export("communities", community_hooks.export)
        hooks.register_eraser(community_hooks.erase)
        hooks.register_renamer(community_hooks.renamed)
