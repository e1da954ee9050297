from celery import shared_task

from search.services import words_refresh


@shared_task(soft_time_limit=5 * 60, time_limit=6 * 60)
def refresh_search_words() -> int:
    """Beat: learn the words new resources, events and discussions use, so slips of spelling
    in searches for them are corrected too."""
    return words_refresh()


def words_forget(member, *args) -> None:
    """A member closed their account or renamed themselves: their words leave the list within
    moments, rebuilt by a worker once this is saved, not at the next half-hourly refresh."""
    refresh_search_words.delay_on_commit()
