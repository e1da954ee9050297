"""What the library and the eBulletin add to a member's data export (members.hooks).

Nothing needs erasing here: ratings and "used in practice" marks stay as anonymous counts, a
contributed resource stays in the library without the name, and the unsubscribe token goes
with the profile.
"""

from resources.models import Delivery, Rating, Resource, Use


def export(member) -> dict:
    return {
        "contributed": [
            {
                "title": resource.title,
                "status": resource.status,
                "created_at": resource.created_at.isoformat(),
            }
            for resource in Resource.objects.filter(contributor=member).order_by("created_at")
        ],
        "ratings": [
            {"resource": rating.resource.title, "stars": rating.stars}
            for rating in Rating.objects.filter(member=member).select_related("resource")
        ],
        "used_in_practice": list(
            Use.objects.filter(member=member).values_list("resource__title", flat=True)
        ),
        "bulletins_sent_to_me": [
            {"bulletin": delivery.bulletin.title, "status": delivery.status}
            for delivery in Delivery.objects.filter(member=member).select_related("bulletin")
        ],
    }


def named_saved(sender, instance, created, **kwargs) -> None:
    """A topic or an organisation saved: rebuild the search text of the resources naming it."""
    if not created:
        from resources.services import resources_index

        resources_index(instance.resources.all())
