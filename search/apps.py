from django.apps import AppConfig


class SearchConfig(AppConfig):
    name = "search"
    verbose_name = "Search"

    def ready(self):
        from members import hooks
        from search.tasks import words_forget

        # The words search corrects slips to may hold a member's old name and words.
        hooks.register_eraser(words_forget)
        hooks.register_renamer(words_forget)
