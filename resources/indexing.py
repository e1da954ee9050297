"""The library's stored search vectors: title and topics first, the file's own words last."""

from django.contrib.postgres.search import SearchVector
from django.db.models import OuterRef, QuerySet, Subquery

from base.text_search import SEARCH_CONFIG, joined_text
from members.models import Organisation
from resources.models import Resource


def resources_index(resources: QuerySet[Resource]) -> None:
    """Rebuild the stored search vectors; call after the topics are saved."""
    topics = joined_text(
        Resource.topics.through.objects.filter(resource=OuterRef("pk")), "topic__name", "resource"
    )
    organisation = Subquery(
        Organisation.objects.filter(pk=OuterRef("organisation_id")).values("name")[:1]
    )
    vector = (
        SearchVector("title", topics, weight="A", config=SEARCH_CONFIG)
        + SearchVector("summary", weight="B", config=SEARCH_CONFIG)
        + SearchVector("author", organisation, weight="C", config="simple")
        + SearchVector("file_text", weight="D", config=SEARCH_CONFIG)
    )
    resources.update(search_vector=vector)


def resource_index(resource: Resource) -> None:
    # Reads the row afresh in the database: the text of its file may have been stored since.
    resources_index(Resource.objects.filter(pk=resource.pk))
