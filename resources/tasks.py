from celery import shared_task

from resources.indexing import resource_index
from resources.models import Resource
from resources.uploads import FILE_TEXT_SECONDS, file_text_of

# The worker's own limits on reading one file, beyond the budget file_text_of keeps itself: the
# soft one ends the reading as over budget, the hard one stops the worker process if even that
# does not return.
EXTRACT_SOFT_SECONDS = 3 * FILE_TEXT_SECONDS
EXTRACT_HARD_SECONDS = EXTRACT_SOFT_SECONDS + 30


@shared_task(
    bind=True,
    max_retries=3,
    soft_time_limit=EXTRACT_SOFT_SECONDS,
    time_limit=EXTRACT_HARD_SECONDS,
)
def extract_resource_text(self, resource_id: int) -> str:
    """Read the words of an uploaded PDF or Word file into the library's search.

    Only a file that cannot be opened is tried again; every outcome of reading it (read, over
    budget, unreadable) is final and recorded on the resource.
    """
    resource = Resource.objects.filter(pk=resource_id).first()
    if resource is None or not resource.file:
        return "no file"
    kind = resource.file.name.rsplit(".", 1)[-1].lower()
    try:
        with resource.file.open("rb") as stored:
            content = stored.read()
    except OSError as error:
        raise self.retry(exc=error, countdown=60) from error
    words = file_text_of(content, kind)
    # Only if the file is still the one read: an upload made meanwhile has its own task.
    updated = Resource.objects.filter(pk=resource_id, file=resource.file.name).update(
        file_text=words.text, file_text_outcome=words.outcome
    )
    if updated:
        resource.file_text = words.text
        resource_index(resource)
    return f"{words.outcome or 'not read'}: {len(words.text)} characters"
