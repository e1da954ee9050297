"""What a bulletin carries: its text rendered and every pick turned into a link, fixed when it
goes out, and what each reader of a sent one sees of it."""

from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from base.links import absolute_url
from base.markdown import plain_summary, render_markdown
from bulletins.models import Bulletin
from members.roles import ANY_MEMBER
from resources.models import Resource


def bulletin_snapshot(bulletin: Bulletin) -> dict:
    """The bulletin as it would go out now: text rendered, every pick turned into a link.

    The picks are checked again, as they stand now, against what every recipient may see (an
    event may have moved to a secret community since it was picked); those that fail are left
    out. Each entry records whether visitors may see it, so the public archive can leave it out.
    """

    def seen(queryset, viewer) -> set[int]:
        return set(
            queryset.model.objects.visible_to(viewer)
            .filter(pk__in=queryset.values("pk"))
            .values_list("pk", flat=True)
        )

    visitor = AnonymousUser()
    sections = []
    for section in bulletin.sections.prefetch_related("events", "communities"):
        entries = []
        picks = [
            (section.resources.listed(), _resource_entry),
            (section.events.all(), _event_entry),
            (section.communities.all(), _community_entry),
        ]
        for chosen, entry in picks:
            for_members, for_visitors = seen(chosen, ANY_MEMBER), seen(chosen, visitor)
            for pick in chosen:
                if pick.pk in for_members:
                    entries.append({**entry(pick), "members_only": pick.pk not in for_visitors})
        sections.append(
            {
                "heading": section.heading,
                "html": str(render_markdown(section.text)),
                # Kept as typed: the plain-text e-mail turns it into plain words (plain_text).
                "text": section.text.strip(),
                "members_only": section.members_only,
                "entries": entries,
            }
        )
    return {
        "title": bulletin.title,
        "introduction_html": str(render_markdown(bulletin.introduction)),
        "introduction": bulletin.introduction.strip(),
        "sections": sections,
    }


def _resource_entry(resource: Resource) -> dict:
    return {
        "title": resource.title,
        "url": absolute_url(resource.get_absolute_url()),
        "label": resource.get_kind_display(),
        "summary": _first_paragraph(resource.summary),
    }


def _event_entry(event) -> dict:
    starts = timezone.localtime(event.starts_at)
    return {
        "title": event.title,
        "url": absolute_url(event.get_absolute_url()),
        "label": f"{event.get_kind_display()}, {starts:%A %-d %B %Y, %H:%M}",
        "summary": _first_paragraph(event.summary),
    }


def _community_entry(community) -> dict:
    return {
        "title": community.name,
        "url": absolute_url(community.get_absolute_url()),
        "label": "Community of practice",
        "summary": _first_paragraph(community.purpose),
    }


def _first_paragraph(text: str, limit: int = 300) -> str:
    """Plain words for a summary line, cut at a sentence or a word (as lists show them)."""
    return plain_summary(text, limit)


def bulletin_content(frozen: dict, viewer) -> dict:
    """What one reader of a sent bulletin sees: members all of it; visitors lose the sections
    for members only and every entry they may not see (as the snapshot recorded)."""
    if viewer.is_authenticated:
        return frozen
    sections = []
    for section in frozen["sections"]:
        if section["members_only"]:
            continue
        entries = [entry for entry in section["entries"] if not entry["members_only"]]
        if entries or section["html"]:
            sections.append({**section, "entries": entries})
    return {**frozen, "sections": sections}
