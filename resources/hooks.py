"""What the library adds to a member's data export and erasure (members.hooks).

A resource that was in the library stays after its contributor leaves, without their name;
ratings and "used in practice" marks stay as anonymous counts. What never reached the library
(drafts, suggestions turned down) goes with the account, files included, so the export holds
those files.
"""

from django.db import transaction
from django.db.models import Value
from django.db.models.functions import Replace

from base.models import AuditEntry
from members.models import Notification
from members.services import file_export
from resources.models import Rating, Resource, Use


def _never_published(member):
    return Resource.objects.filter(contributor=member, first_published_at__isnull=True)


def export(member) -> dict:
    leaving = set(_never_published(member).values_list("pk", flat=True))
    return {
        "contributed": [
            {
                "title": resource.title,
                "type": resource.get_kind_display(),
                "summary": resource.summary,
                "link": resource.link,
                "author": resource.author,
                "status": resource.status,
                "created_at": resource.created_at.isoformat(),
                "suggested_at": resource.suggested_at.isoformat()
                if resource.suggested_at
                else None,
                "topics": [topic.name for topic in resource.topics.all()],
                # A file in the library stays downloadable there; one that never was goes with
                # the account, so it comes with the export.
                "file": file_export(resource.file, name=resource.file_name)
                if resource.pk in leaving
                else resource.file_name,
            }
            for resource in Resource.objects.filter(contributor=member)
            .prefetch_related("topics")
            .order_by("created_at")
        ],
        "ratings": [
            {
                "resource": rating.resource.title,
                "stars": rating.stars,
                "rated_at": rating.created_at.isoformat(),
            }
            for rating in Rating.objects.filter(member=member).select_related("resource")
        ],
        "used_in_practice": [
            {"resource": use.resource.title, "marked_at": use.created_at.isoformat()}
            for use in Use.objects.filter(member=member).select_related("resource")
        ],
    }


def erase(member) -> None:
    """What never reached the library goes, its file too, and with it the curators' notices of
    it; the audit log keeps each decision, no longer naming what was decided on."""
    leaving = list(_never_published(member))
    files = [(resource.file.storage, resource.file.name) for resource in leaving if resource.file]
    for resource in leaving:
        Notification.objects.filter(url=resource.get_absolute_url()).delete()
        AuditEntry.objects.filter(member=member, detail__contains=resource.title).update(
            detail=Replace("detail", Value(resource.title), Value("a suggestion since removed"))
        )
    Resource.objects.filter(pk__in=[resource.pk for resource in leaving]).delete()

    def delete_files():
        for storage, name in files:
            storage.delete(name)

    transaction.on_commit(delete_files)


def named_saved(sender, instance, created, **kwargs) -> None:
    """A topic or an organisation saved: rebuild the search text of the resources naming it."""
    if not created:
        from resources.indexing import resources_index

        resources_index(instance.resources.all())
