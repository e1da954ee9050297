"""Every change to someone's powers, and every moderator's and curator's decision, is in the audit
log an admin reads; nobody can edit it."""

from types import SimpleNamespace

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from playwright.sync_api import expect

from base.models import AuditEntry
from communities.audit import Action as CommunityAction
from communities.models import Membership, Post
from communities.services import join_request_create, reply_create, report_create, thread_start
from members.audit import Action as MemberAction
from members.roles import COORDINATORS
from resources.audit import Action as ResourceAction
from tests.communities.conftest import join, make_community
from tests.e2e.conftest import sign_in
from tests.factories import ProfileFactory
from tests.resources.conftest import make_resource

pytestmark = pytest.mark.django_db

# Each app names its own decisions; the test reads them all by one name.
Action = SimpleNamespace(
    **{
        decision.name: decision.value
        for vocabulary in (MemberAction, CommunityAction, ResourceAction)
        for decision in vocabulary
    }
)


def log() -> list[tuple]:
    return [
        (entry.actor.name, entry.action, entry.member.name if entry.member else None, entry.detail)
        for entry in AuditEntry.objects.order_by("id").select_related("actor", "member")
    ]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_an_admin_granting_and_removing_roles_in_the_admin_is_logged(
    live_server, page, admin_member
):
    Group.objects.get_or_create(name=COORDINATORS)
    colleague = ProfileFactory(member__name="Callum Coordinator").member
    change_page = f"{live_server.url}/admin/members/user/{colleague.pk}/change/"
    sign_in(page, live_server, admin_member)
    expect(page.get_by_test_id("signed-in-name")).to_have_text("Alex Admin")

    page.goto(change_page)
    page.get_by_label("Admin", exact=True).check()
    page.locator("#id_groups_from option", has_text=COORDINATORS).dblclick()
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")

    page.goto(change_page)
    page.get_by_label("Admin", exact=True).uncheck()
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")

    assert log() == [
        ("Alex Admin", Action.ROLE_GRANTED, "Callum Coordinator", "Admin site access"),
        ("Alex Admin", Action.ROLE_GRANTED, "Callum Coordinator", COORDINATORS),
        ("Alex Admin", Action.ROLE_REMOVED, "Callum Coordinator", "Admin site access"),
    ]
    page.goto(f"{live_server.url}/admin/base/auditentry/")
    expect(page.get_by_role("cell", name="Admin site access").first).to_be_visible()


def test_moderators_decisions_are_logged_with_who_and_where(client):
    moira = ProfileFactory(member__name="Moira Moderator").member
    pat = ProfileFactory(member__name="Pat Participant").member
    rowan = ProfileFactory(member__name="Rowan Requester").member
    community = make_community(moira, "Frailty leads", privacy="closed")
    join(community, pat)
    thread = thread_start(community=community, author=pat, title="Ward rounds", body="Who comes?")
    reply = reply_create(thread=thread, author=pat, body="Off-topic advert")
    report = report_create(post=reply, reporter=moira, reason="Advert")
    request = join_request_create(community=community, member=rowan, reason="I lead a ward.")
    client.force_login(moira)
    slug = community.slug

    client.post(
        reverse("communities:requests", args=[slug]), {"request": request.pk, "decision": "approve"}
    )
    client.post(reverse("communities:moderator", args=[slug, pat.pk]), {"appoint": "yes"})
    for _ in range(2):  # a double click is one decision
        client.post(reverse("communities:thread_action", args=[slug, thread.pk, "lock"]))
        client.post(reverse("communities:post_action", args=[slug, reply.pk, "hide"]))
    client.post(reverse("communities:reports", args=[slug]), {"report": report.pk})

    where = "Frailty leads: “Ward rounds”"
    assert log() == [
        ("Moira Moderator", Action.JOIN_APPROVED, "Rowan Requester", "Frailty leads"),
        ("Moira Moderator", Action.MODERATOR_APPOINTED, "Pat Participant", "Frailty leads"),
        ("Moira Moderator", Action.THREAD_LOCKED, "Pat Participant", where),
        ("Moira Moderator", Action.POST_HIDDEN, "Pat Participant", where),
    ], "the report was resolved by hiding the post, so dismissing it again logs nothing"
    assert Post.objects.get(pk=reply.pk).state == Post.State.HIDDEN
    assert Membership.objects.get(community=community, member=pat).is_moderator


def test_a_curators_decision_on_a_suggestion_is_logged(client, curator):
    suggestion = make_resource("Falls toolkit", status="draft")
    client.force_login(curator)

    client.post(reverse("resources:curate", args=[suggestion.slug]), {"action": "publish"})

    client.post(reverse("resources:curate", args=[suggestion.slug]), {"action": "publish"})
    client.post(reverse("resources:curate", args=[suggestion.slug]), {"action": "feature"})

    decisions = AuditEntry.objects.order_by("id")
    assert [(entry.actor, entry.action, entry.detail) for entry in decisions] == [
        (curator, Action.RESOURCE_CURATED, "Published: Falls toolkit"),
        (curator, Action.RESOURCE_CURATED, "Featured: Falls toolkit"),
    ]


def test_a_decision_that_fails_leaves_no_entry(client, curator):
    draft = make_resource("Falls toolkit", status="draft")
    client.force_login(curator)

    client.post(reverse("resources:curate", args=[draft.slug]), {"action": "feature"})

    assert not AuditEntry.objects.exists(), "a draft cannot be featured: nothing was decided"


def test_a_curator_archiving_through_the_edit_form_is_logged(client, curator):
    guide = make_resource("Falls guide", featured=True)
    client.force_login(curator)
    form = client.get(reverse("resources:edit", args=[guide.slug])).context["form"]
    data = {
        name: value
        for name, value in form.initial.items()
        if value is not None and name not in {"topics", "upload", "featured"}
    }

    client.post(
        reverse("resources:edit", args=[guide.slug]),
        {**data, "status": "archived", "topics": [], "published_on": "2026-11-01"},
    )

    guide.refresh_from_db()
    assert guide.status == "archived"
    assert list(AuditEntry.objects.order_by("id").values_list("detail", flat=True)) == [
        "Archived: Falls guide",
        "No longer featured: Falls guide",
    ]


def test_a_member_finds_the_decisions_about_them_in_their_export(client):
    moira = ProfileFactory(member__name="Moira Moderator").member
    rowan = ProfileFactory(member__name="Rowan Requester").member
    community = make_community(moira, "Frailty leads", privacy="closed")
    request = join_request_create(community=community, member=rowan, reason="I lead a ward.")
    client.force_login(moira)
    client.post(
        reverse("communities:requests", args=[community.slug]),
        {"request": request.pk, "decision": "refuse"},
    )
    client.force_login(rowan)

    export = client.get(reverse("members:export")).json()

    [decision] = export["decisions_about_you"]
    assert (decision["decision"], decision["about"]) == ("Request to join refused", "Frailty leads")
    assert "Moira" not in str(decision)


def test_nobody_can_edit_or_delete_the_log_in_the_admin(client, admin_member):
    entry = AuditEntry.objects.create(
        actor=admin_member, action=Action.ROLE_GRANTED, detail=COORDINATORS
    )
    client.force_login(admin_member)

    change = client.post(
        reverse("admin:base_auditentry_change", args=[entry.pk]), {"detail": "nothing"}
    )
    delete = client.post(reverse("admin:base_auditentry_delete", args=[entry.pk]), {"post": "yes"})

    assert change.status_code == 403
    assert delete.status_code == 403
    assert AuditEntry.objects.get(pk=entry.pk).detail == COORDINATORS


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_moderator_appointed_in_the_admin_is_logged(live_server, page, admin_member):
    moira = ProfileFactory(member__name="Moira Moderator").member
    pat = ProfileFactory(member__name="Pat Participant").member
    community = make_community(moira, "Frailty leads")
    join(community, pat)
    sign_in(page, live_server, admin_member)
    expect(page.get_by_test_id("signed-in-name")).to_have_text("Alex Admin")

    page.goto(f"{live_server.url}/admin/communities/community/{community.pk}/change/")
    pat_row = page.locator("tr.dynamic-memberships, tr.form-row").filter(has_text="Pat Participant")
    pat_row.locator("select[name$='-role']").select_option(label="Moderator")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")

    assert log() == [
        ("Alex Admin", Action.MODERATOR_APPOINTED, "Pat Participant", "Frailty leads"),
    ]
