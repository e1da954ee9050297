from celery import shared_task


@shared_task(soft_time_limit=5 * 60, time_limit=6 * 60)
def refresh_search_words() -> int:
    """Beat: learn the words new resources, events and discussions use, so slips of spelling
    in searches for them are corrected too."""
    from search.services import words_refresh

    return words_refresh()
