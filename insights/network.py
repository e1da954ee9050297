"""The network as a graph: who is tied to whom, and who and what bridges organisations.

Members are tied by shared communities and events (co-membership, co-attendance), mentoring
and replies. Secret communities are left out entirely, so no figure or ranking can come from
one. Betweenness is computed on the graph of members, communities and events (so communities
can be bridges too), sampled from a fixed seed on large networks so it stays quick and
repeatable.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass

import networkx as nx
from django.utils import timezone

from communities.models import Community, Membership, Post
from events.models import Event, Registration
from members.models import Organisation, Profile
from members.roles import ANY_MEMBER
from members.services import member_profiles
from mentoring.models import Match

SAMPLE = 300  # betweenness sources on networks larger than this


@dataclass
class Bridging:
    ties: int
    cross_organisation: int
    cross_sector: int
    bridging_members: list[tuple[int, float]]  # member id, betweenness
    bridging_communities: list[tuple[int, float]]  # community id, betweenness
    isolated_organisations: list[int]

    @property
    def cross_organisation_share(self) -> float:
        return self.cross_organisation / self.ties if self.ties else 0.0

    @property
    def cross_sector_share(self) -> float:
        return self.cross_sector / self.ties if self.ties else 0.0


def _crosses(first, second) -> bool:
    """Two known, different organisations (or sectors); an unknown one crosses nothing."""
    return bool(first and second and first != second)


def _groups(rows, known: dict) -> dict[int, list[int]]:
    """Members of each community (or event), counting only members still in the network."""
    groups: dict[int, list[int]] = defaultdict(list)
    for group, member in rows:
        if member in known:
            groups[group].append(member)
    return groups


def _pairs_across(groups: dict[int, list[int]], label: dict) -> tuple[int, int]:
    """All pairs within each group, and how many of them join two different labels, counted
    without listing the pairs (a community of 50 has 1,225)."""
    total = across = 0
    for members in groups.values():
        labelled = [label.get(member) for member in members]
        size = len(labelled)
        pairs = size * (size - 1) // 2
        same = sum(count * (count - 1) // 2 for value, count in Counter(labelled).items() if value)
        total += pairs
        across += pairs - same - _pairs_with_unknown(labelled)
    return total, across


def _pairs_with_unknown(labelled: list) -> int:
    # A pair with a member whose organisation (or sector) is unknown cannot be said to cross.
    unknown = sum(1 for value in labelled if not value)
    known = len(labelled) - unknown
    return unknown * (unknown - 1) // 2 + unknown * known


def bridging(*, top: int = 10) -> Bridging:
    profiles = member_profiles()
    organisation = dict(profiles.values_list("member_id", "organisation_id"))
    sector = dict(profiles.values_list("member_id", "sector"))

    # Only what every member may know of: nothing from a secret community, its events included.
    known = Community.objects.visible_to(ANY_MEMBER)
    communities = _groups(
        Membership.objects.filter(community__in=known).values_list("community_id", "member_id"),
        organisation,
    )
    events = _groups(
        # Events that have taken place: a place at a future one is not yet a meeting.
        Registration.objects.filter(
            status=Registration.Status.CONFIRMED,
            event__in=Event.objects.visible_to(ANY_MEMBER),
            event__ends_at__lt=timezone.now(),
        ).values_list("event_id", "member_id"),
        organisation,
    )
    direct = set()
    for mentor, mentee in Match.objects.values_list("mentor_id", "mentee_id"):
        direct.add(frozenset((mentor, mentee)))
    for replier, opener in (
        Post.objects.readable()
        .filter(thread__community__in=known)
        .exclude(author=None)
        .values_list("author_id", "thread__author_id")
        .distinct()
    ):
        if replier != opener:
            direct.add(frozenset((replier, opener)))
    direct = {pair for pair in direct if all(member in organisation for member in pair)}

    ties = cross_organisation = cross_sector = 0
    for groups in (communities, events):
        total, across = _pairs_across(groups, organisation)
        ties += total
        cross_organisation += across
        cross_sector += _pairs_across(groups, sector)[1]
    for pair in direct:
        first, second = tuple(pair)
        ties += 1
        cross_organisation += _crosses(organisation[first], organisation[second])
        cross_sector += _crosses(sector[first], sector[second])

    graph = nx.Graph()
    graph.add_nodes_from(("m", member) for member in organisation)
    for community, members in communities.items():
        graph.add_edges_from((("c", community), ("m", member)) for member in members)
    for event, members in events.items():
        graph.add_edges_from((("e", event), ("m", member)) for member in members)
    graph.add_edges_from((("m", first), ("m", second)) for first, second in map(tuple, direct))
    sample = SAMPLE if graph.number_of_nodes() > SAMPLE else None
    centrality = nx.betweenness_centrality(graph, k=sample, seed=2026, normalized=True)
    ranked = sorted(centrality.items(), key=lambda item: (-item[1], item[0]))
    members = [(node[1], score) for node, score in ranked if node[0] == "m" and score > 0][:top]
    bridges = [(node[1], score) for node, score in ranked if node[0] == "c" and score > 0][:top]

    return Bridging(
        ties=ties,
        cross_organisation=cross_organisation,
        cross_sector=cross_sector,
        bridging_members=members,
        bridging_communities=bridges,
        isolated_organisations=_isolated(organisation, communities, events, direct),
    )


def _isolated(organisation, communities, events, direct) -> list[int]:
    """Organisations whose members take part with others, but only with their own colleagues
    (an organisation whose members take no part at all is not counted as isolated)."""
    taking_part: set[int] = set()
    connected: set[int] = set()
    for groups in (communities, events):
        for members in groups.values():
            present = {organisation[member] for member in members if organisation[member]}
            if len(members) > 1:
                taking_part.update(present)
            if len(present) > 1:
                connected.update(present)
    for first, second in map(tuple, direct):
        pair = {organisation[first], organisation[second]} - {None}
        taking_part.update(pair)
        if _crosses(organisation[first], organisation[second]):
            connected.update(pair)
    return sorted(taking_part - connected)


def named(result: dict, viewer) -> dict:
    """A cached analysis (plain ids and scores) with names, for this viewer's page: members and
    communities as the viewer may see them, read now, so someone who closed their account or a
    community turned secret since the analysis ran is not named."""
    members = {member for member, _ in result["bridging_members"]}
    profiles = Profile.objects.visible_to(viewer).select_related("member", "organisation")
    profiles = {profile.member_id: profile for profile in profiles.filter(member_id__in=members)}
    communities = Community.objects.visible_to(viewer).in_bulk(
        [community for community, _ in result["bridging_communities"]]
    )
    return {
        "members": [
            (profiles[member], score)
            for member, score in result["bridging_members"]
            if member in profiles
        ],
        "communities": [
            (communities[community], score)
            for community, score in result["bridging_communities"]
            if community in communities
        ],
        "isolated": list(
            Organisation.objects.filter(pk__in=result["isolated_organisations"]).order_by("name")
        ),
    }
