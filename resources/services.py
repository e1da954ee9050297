"""Rules of the resource library: who sees what, search, contributing and curating.

What a file may be and the words read from it are resources.uploads; the stored search vectors
are resources.indexing.
"""

from __future__ import annotations

from decimal import Decimal

from django.contrib.postgres.search import SearchQuery, SearchRank
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Avg, Count, F, QuerySet
from django.utils import timezone

from base.audit import audit_record
from base.errors import NotFound
from base.text_search import SEARCH_CONFIG
from members.models import User
from members.roles import CURATORS, is_curator
from members.services import named_to, notify, notify_role
from resources.audit import Action
from resources.models import Rating, Resource, Use
from resources.tasks import extract_resource_text
from resources.uploads import display_file_name, file_check, stored_name

# --- who may see what -----------------------------------------------------------------------


def can_curate(viewer) -> bool:
    return is_curator(viewer)


def resource_for(viewer, slug: str) -> Resource:
    """The resource, or 404 for anyone who may not see it (Resource.objects.visible_to); with
    whether the viewer may see its contributor named (`contributor_named`)."""
    resource = (
        Resource.objects.visible_to(viewer)
        .select_related("organisation", "contributor")
        .annotate(contributor_named=named_to(viewer, "contributor_id"))
        .filter(slug=slug)
        .first()
    )
    if resource is None:
        raise NotFound("No such resource")
    return resource


def can_edit(resource: Resource, viewer) -> bool:
    if can_curate(viewer):
        return True
    return (
        viewer.is_authenticated
        and resource.contributor_id == viewer.pk
        and resource.status == Resource.Status.DRAFT
    )


def resource_listing(resources: QuerySet[Resource]) -> QuerySet[Resource]:
    return resources.select_related("organisation").defer("file_text", "search_vector")


FEATURED_SHOWN = 3


def featured_resources(library: QuerySet[Resource]) -> QuerySet[Resource]:
    """The few featured resources the library shows above its list."""
    return resource_listing(library.filter(featured=True))[:FEATURED_SHOWN]


def resource_search(resources: QuerySet[Resource], text: str) -> QuerySet[Resource]:
    """Full text over title, summary, topics, author and the file's own words, best first."""
    text = " ".join(text.split())[:200]
    if not text:
        return resources
    query = SearchQuery(text, search_type="websearch", config=SEARCH_CONFIG)
    return (
        resources.filter(search_vector=query)
        .annotate(relevance=SearchRank(F("search_vector"), query))
        .order_by("-relevance", "-published_on", "pk")
    )


# --- contributing and curating --------------------------------------------------------------


@transaction.atomic
def resource_save(*, resource: Resource, by: User, upload=None, remove_file: bool = False) -> None:
    """Save a new or edited resource (its form has set the fields) with its file.

    A member who is not a curator suggests: the resource stays a draft until a curator reviews
    it, and the curators are told.
    """
    suggesting = resource.pk is None and not can_curate(by)
    before = (Resource.Status.DRAFT, False)
    if resource.pk is None:
        resource.contributor = by
    else:
        saved = (
            Resource.objects.select_for_update().values("status", "featured").get(pk=resource.pk)
        )
        before = (saved["status"], saved["featured"])
    if suggesting:
        resource.status = Resource.Status.DRAFT
        resource.featured = False
        resource.suggested_at = timezone.now()
    old_file = resource.file.name if resource.pk and resource.file else ""
    if upload is not None:
        kind = file_check(upload)
        resource.file_name = display_file_name(upload.name)
        resource.file_size = upload.size
        resource.file.save(stored_name(kind), upload, save=False)
        resource.file_text = ""
        resource.file_text_outcome = Resource.FileText.NOT_READ
    elif remove_file:
        resource.file = ""
        resource.file_name = ""
        resource.file_size = 0
        resource.file_text = ""
        resource.file_text_outcome = Resource.FileText.NOT_READ
    resource.save()
    if not suggesting:
        _curation_record(resource=resource, by=by, before=before)
    new_file = resource.file.name if resource.file else ""
    if old_file and old_file != new_file:
        storage = resource.file.storage
        transaction.on_commit(lambda: storage.delete(old_file))
    if upload is not None:
        extract_resource_text.delay_on_commit(resource.pk)
    if suggesting:
        notify_role(
            role=CURATORS,
            kind="resource_suggested",
            message=f"suggested a resource: {resource.title}",
            url=resource.get_absolute_url(),
            by=by,
        )


CURATOR_ACTIONS = {"publish", "archive", "feature", "unfeature", "draft"}


@transaction.atomic
def resource_curate(*, resource: Resource, action: str, by: User) -> str:
    """A curator's decision on a resource; answers what members will now see."""
    if not can_curate(by):
        raise NotFound
    resource = Resource.objects.select_for_update().get(pk=resource.pk)
    before = (resource.status, resource.featured)
    answer = _curation_apply(resource=resource, action=action, by=by)
    _curation_record(resource=resource, by=by, before=before)
    return answer


CURATION_NAMES = {
    Resource.Status.PUBLISHED: "Published",
    Resource.Status.ARCHIVED: "Archived",
    Resource.Status.DRAFT: "Back to draft",
}


def _curation_record(*, resource: Resource, by: User, before: tuple[str, bool]) -> None:
    """The audit log's entries for what a curator changed, from the curate buttons or the form."""
    status, featured = before
    changes = []
    if resource.status != status:
        changes.append(CURATION_NAMES[resource.status])
    if resource.featured != featured:
        changes.append("Featured" if resource.featured else "No longer featured")
    for change in changes:
        audit_record(
            actor=by,
            action=Action.RESOURCE_CURATED,
            member=resource.contributor,
            detail=f"{change}: {resource.title}",
        )


def _curation_apply(*, resource: Resource, action: str, by: User) -> str:
    if action == "publish":
        was_suggestion = resource.status == Resource.Status.DRAFT and resource.suggested_at
        resource.status = Resource.Status.PUBLISHED
        resource.published_on = resource.published_on or timezone.localdate()
        resource.save(update_fields=["status", "published_on", "updated_at"])
        if was_suggestion and resource.contributor_id and resource.contributor_id != by.pk:
            notify(
                member=resource.contributor,
                kind="resource_published",
                message=f"Your suggested resource is now in the library: {resource.title}",
                url=resource.get_absolute_url(),
                actor=by,
            )
        return "The resource is published."
    if action == "archive":
        turned_down = resource.status == Resource.Status.DRAFT and resource.suggested_at
        resource.status = Resource.Status.ARCHIVED
        resource.featured = False
        resource.save(update_fields=["status", "featured", "updated_at"])
        if turned_down and resource.contributor_id and resource.contributor_id != by.pk:
            notify(
                member=resource.contributor,
                kind="resource_not_added",
                message=f"A curator did not add your suggestion to the library: {resource.title}",
                url=resource.get_absolute_url(),
                actor=by,
            )
        return "The resource is archived: it is no longer listed, but its address still works."
    if action == "draft":
        resource.status = Resource.Status.DRAFT
        resource.featured = False
        resource.save(update_fields=["status", "featured", "updated_at"])
        return "The resource is a draft again: only curators and its contributor can see it."
    if action in ("feature", "unfeature"):
        if action == "feature" and resource.status != Resource.Status.PUBLISHED:
            raise ValidationError("Publish the resource before featuring it.")
        resource.featured = action == "feature"
        resource.save(update_fields=["featured", "updated_at"])
        return (
            "The resource is featured on the home page."
            if resource.featured
            else "The resource is no longer featured."
        )
    raise NotFound


def _check_published(resource: Resource) -> None:
    if resource.status != Resource.Status.PUBLISHED:
        raise ValidationError("Only resources in the library can be rated or marked as used.")


def _recount(resource_id: int) -> None:
    ratings = Rating.objects.filter(resource_id=resource_id).aggregate(
        count=Count("pk"), average=Avg("stars")
    )
    average = ratings["average"]
    Resource.objects.filter(pk=resource_id).update(
        rating_count=ratings["count"],
        rating_average=Decimal(average).quantize(Decimal("0.01")) if average else None,
        use_count=Use.objects.filter(resource_id=resource_id).count(),
    )


@transaction.atomic
def rating_set(*, resource: Resource, member: User, stars: int) -> None:
    _check_published(resource)
    if not 1 <= stars <= 5:
        raise ValidationError("Choose from 1 to 5 stars.")
    # The lock makes the fresh count below see every rating made at the same moment.
    Resource.objects.select_for_update().filter(pk=resource.pk).first()
    Rating.objects.update_or_create(resource=resource, member=member, defaults={"stars": stars})
    _recount(resource.pk)


@transaction.atomic
def use_toggle(*, resource: Resource, member: User) -> bool:
    """Mark or unmark "I used this in practice"; answers whether it is now marked."""
    _check_published(resource)
    Resource.objects.select_for_update().filter(pk=resource.pk).first()
    removed, _ = Use.objects.filter(resource=resource, member=member).delete()
    if not removed:
        Use.objects.create(resource=resource, member=member)
    _recount(resource.pk)
    return not removed
