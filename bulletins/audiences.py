"""Who a bulletin goes to: its audience, the one rule for the count, the confirmation and the send.

The audience is kept on the bulletin (Bulletin.audience_*). Within one kind a member matches any
of the chosen values; across kinds they must match every kind chosen. So regions North and East
with the sector Third sector reach members in the North or the East who work in the third
sector. Nothing chosen of any kind: every subscribed member.
"""

from __future__ import annotations

import hashlib
import json

from django.db.models import Exists, OuterRef, Q, QuerySet

from bulletins.models import Bulletin
from communities.models import Community, Membership
from members.models import Organisation, Profile, Region, Sector, User
from members.roles import ANY_MEMBER
from members.services import member_profiles


def audience_members(*, bulletin: Bulletin) -> QuerySet[User]:
    """The subscribed members who will receive the bulletin (confirmed, active, subscribed, and
    matching its audience)."""
    profiles = member_profiles().filter(receives_bulletin=True)
    if bulletin.audience_regions:
        profiles = profiles.filter(region__in=bulletin.audience_regions)
    if bulletin.audience_organisation_kinds:
        profiles = profiles.filter(organisation__kind__in=bulletin.audience_organisation_kinds)
    if bulletin.audience_sectors:
        profiles = profiles.filter(sector__in=bulletin.audience_sectors)
    communities = bulletin.audience_communities.values("pk")
    if communities.exists():
        profiles = profiles.filter(
            Exists(
                Membership.objects.filter(
                    member_id=OuterRef("member_id"), community__in=communities
                )
            )
        )
    interests = bulletin.audience_interests.values("pk")
    if interests.exists():
        interested = Profile.interests.through.objects.filter(
            profile_id=OuterRef("pk"), topic__in=interests
        )
        profiles = profiles.filter(Exists(interested))
    return User.objects.filter(pk__in=profiles.values("member_id"))


def community_choices(*, curator, bulletin: Bulletin | None = None) -> QuerySet[Community]:
    """The communities a curator may address: those every member may know of (never a secret
    one), and the secret ones the curator belongs to. A bulletin to a secret community's members
    is read only by them (Bulletin.objects.visible_to).

    Those the bulletin is already addressed to stay offered, so that saving the audience never
    drops one silently (an admin's save, say, of a secret community chosen by its member); a
    curator who may see the bulletin may know of them (visible_to)."""
    known_to_all = Community.objects.visible_to(ANY_MEMBER).values("pk")
    own_secret = Community.objects.secret().joined_by(curator).values("pk")
    offered = Q(pk__in=known_to_all) | Q(pk__in=own_secret)
    if bulletin is not None and bulletin.pk:
        offered |= Q(pk__in=bulletin.audience_communities.values("pk"))
    return Community.objects.filter(offered).order_by("name")


def fingerprint(bulletin: Bulletin) -> str:
    """The audience in a few characters, to tell whether it is still the one a curator
    confirmed: any choice added or taken away, a community or topic deleted, changes it."""
    audience = [
        sorted(bulletin.audience_regions),
        sorted(bulletin.audience_organisation_kinds),
        sorted(bulletin.audience_sectors),
        sorted(bulletin.audience_communities.values_list("pk", flat=True)),
        sorted(bulletin.audience_interests.values_list("pk", flat=True)),
    ]
    return hashlib.sha256(json.dumps(audience).encode()).hexdigest()


def to_everyone(bulletin: Bulletin) -> bool:
    return Bulletin.objects.to_everyone().filter(pk=bulletin.pk).exists()


def audience_in_words(bulletin: Bulletin) -> str:
    """The audience as a curator reads it before sending: "members in the North or East region
    and who work in Third sector"; "every subscribed member" when nothing is chosen."""
    parts = []
    if bulletin.audience_regions:
        parts.append(f"in the {_either(bulletin.audience_regions, Region)} region")
    if bulletin.audience_organisation_kinds:
        kinds = _either(bulletin.audience_organisation_kinds, Organisation.Kind)
        parts.append(f"whose type of organisation is {kinds}")
    if bulletin.audience_sectors:
        parts.append(f"who work in {_either(bulletin.audience_sectors, Sector)}")
    communities = [community.name for community in bulletin.audience_communities.order_by("name")]
    if communities:
        parts.append(f"who belong to {_or(communities)}")
    interests = [topic.name for topic in bulletin.audience_interests.order_by("name")]
    if interests:
        parts.append(f"who are interested in {_or(interests)}")
    if not parts:
        return "every subscribed member"
    if len(parts) == 1:
        return f"members {parts[0]}"
    return f"members {', '.join(parts[:-1])} and {parts[-1]}"


def _either(values: list[str], choices) -> str:
    labels = dict(choices.choices)
    return _or([labels.get(value, value) for value in values])


def _or(words: list[str]) -> str:
    if len(words) == 1:
        return words[0]
    return f"{', '.join(words[:-1])} or {words[-1]}"
