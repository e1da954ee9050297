from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST

from base.links import absolute_url
from base.shortcuts import free_slug, number_or_404
from communities import services, tasks
from communities.feeds import community_feed_path
from communities.filters import CommunityFilter
from communities.forms import (
    CommunityForm,
    DecisionForm,
    DigestForm,
    InvitationForm,
    JoinRequestForm,
    ReplyForm,
    ReportForm,
    ThreadForm,
)
from communities.models import (
    Community,
    Invitation,
    JoinRequest,
    Membership,
    Post,
    Report,
    Thread,
)
from communities.services import CommunityError
from members import hooks
from members.models import User
from members.second_factor import staff_page
from members.services import feed_key_for

PAGE_SIZE = 20
POSTS_PER_PAGE = 25


@dataclass
class Place:
    """A community as the viewer meets it: their membership and what they may do."""

    community: Community
    membership: Membership | None
    can_read: bool
    is_moderator: bool


def _place(request, slug: str) -> Place:
    community = services.community_for(request.user, slug)
    membership = services.membership_of(request.user, community)
    return Place(
        community=community,
        membership=membership,
        can_read=community.viewer_reads,
        is_moderator=community.viewer_moderates,
    )


def _feed_url(request, place: Place) -> str:
    """The member's private address of the community's feed of new threads: open communities
    only (communities.feeds says why)."""
    if not place.can_read or place.community.privacy != Community.Privacy.OPEN:
        return ""
    key = feed_key_for(request.user)
    return absolute_url(community_feed_path(place.community, key))


def _readable(request, slug: str) -> Place:
    place = _place(request, slug)
    if not place.can_read:
        # Its discussions are not for this viewer: as far as they know, there is nothing here.
        raise Http404("No such thread")
    return place


def _moderated(request, slug: str) -> Place:
    place = _place(request, slug)
    if not place.is_moderator:
        raise PermissionDenied
    return place


def community_list(request):
    communities = Community.objects.visible_to(request.user).order_by("-last_activity_at")
    community_filter = CommunityFilter(request.GET, queryset=communities)
    page = Paginator(services.community_listing(community_filter.qs), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "communities/list.html",
        {
            "filter": community_filter,
            "page": page,
            "filtered": any(value for key, value in request.GET.items() if key != "page"),
            "can_create": services.can_create_communities(request.user),
        },
    )


@login_required
@staff_page
@require_http_methods(["GET", "POST"])
def community_create(request):
    if not services.can_create_communities(request.user):
        raise PermissionDenied
    form = CommunityForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        community = form.save(commit=False)
        community.slug = free_slug(
            Community, community.name, reserved=services.RESERVED_SLUGS, fallback="community"
        )
        services.community_create(founder=request.user, community=community)
        form.save_m2m()
        messages.success(request, f"{community.name} is ready. You are its first moderator.")
        return redirect(community)
    return render(request, "communities/form.html", {"form": form, "creating": True})


def community_detail(request, slug):
    place = _place(request, slug)
    community = place.community
    threads = None
    if place.can_read:
        threads = Paginator(
            community.threads.select_related("author", "answer"), PAGE_SIZE
        ).get_page(request.GET.get("page"))
    counts = community.memberships.aggregate(members=Count("pk"))
    pending_request = None
    if request.user.is_authenticated and place.membership is None:
        pending_request = JoinRequest.objects.filter(
            community=community, member=request.user, status=JoinRequest.Status.PENDING
        ).first()
    return render(
        request,
        "communities/detail.html",
        {
            "place": place,
            "community": community,
            "topics": community.topics.all(),
            "threads": threads,
            "counts": counts,
            "pending_request": pending_request,
            "join_form": JoinRequestForm(),
            "next": _back_to(request, request.GET.get("next")),
            "digest_form": DigestForm(instance=place.membership) if place.membership else None,
            "panels": hooks.page_panels(community, request.user),
            "feed_url": _feed_url(request, place),
            "open_requests": (
                community.join_requests.filter(status=JoinRequest.Status.PENDING).count()
                if place.is_moderator
                else 0
            ),
            "open_reports": (
                Report.objects.filter(
                    post__thread__community=community, resolved_at__isnull=True
                ).count()
                if place.is_moderator
                else 0
            ),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def community_edit(request, slug):
    place = _moderated(request, slug)
    form = CommunityForm(
        request.POST if request.method == "POST" else None, instance=place.community
    )
    if request.method == "POST" and form.is_valid():
        community = form.save()
        services.community_update(community)
        messages.success(request, "The community has been updated.")
        return redirect(community)
    return render(request, "communities/form.html", {"form": form, "community": place.community})


@login_required
@require_POST
def join(request, slug):
    place = _place(request, slug)
    community = place.community
    # Joining from a thread returns the member to it.
    back_to = _back_to(request, request.POST.get("next"))
    try:
        if community.privacy == Community.Privacy.OPEN:
            services.membership_join(community=community, member=request.user)
            messages.success(request, f"Welcome to {community.name}.")
        else:
            form = JoinRequestForm(request.POST)
            if not form.is_valid():
                return render(
                    request,
                    "communities/join_request.html",
                    {"place": place, "community": community, "form": form, "next": back_to},
                )
            services.join_request_create(
                community=community, member=request.user, reason=form.cleaned_data["reason"]
            )
            messages.success(
                request,
                "Your request has been sent to the moderators. You can reply once one of them "
                "accepts it."
                if back_to
                else "Your request has been sent to the moderators.",
            )
    except CommunityError as error:
        messages.error(request, error.message)
    return redirect(back_to or community)


def _back_to(request, address: str | None) -> str:
    """Where to return after joining: a page of this site only, else nowhere."""
    safe = address and url_has_allowed_host_and_scheme(
        address, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return address if safe else ""


@login_required
@require_http_methods(["GET", "POST"])
def leave(request, slug):
    """Leaving is asked on a page of its own (a closed or secret community may not take one
    back); only its button leaves."""
    place = _place(request, slug)
    if place.membership is None:
        return redirect(place.community)
    if request.method == "GET":
        return render(
            request,
            "communities/leave.html",
            {
                "community": place.community,
                "membership": place.membership,
                "only_moderator": services.is_only_moderator(membership=place.membership),
            },
        )
    try:
        services.membership_leave(community=place.community, member=request.user)
        messages.success(request, f"You have left {place.community.name}.")
    except CommunityError as error:
        messages.error(request, error.message)
    return redirect(place.community)


@login_required
@require_POST
def digest(request, slug):
    place = _place(request, slug)
    if place.membership is None:
        raise Http404
    form = DigestForm(request.POST, instance=place.membership)
    if form.is_valid():
        membership = form.save(commit=False)
        # E-mails start from now: switching on must not send months of old posts.
        membership.digest_sent_until = timezone.now()
        membership.save()
        messages.success(request, "Your e-mail choice for this community has been saved.")
    else:
        messages.error(request, "Choose one of the options for e-mails.")
    return redirect(place.community)


@login_required
@require_http_methods(["GET", "POST"])
def join_requests(request, slug):
    place = _moderated(request, slug)
    if request.method == "POST":
        join_request = get_object_or_404(
            JoinRequest, pk=number_or_404(request.POST.get("request")), community=place.community
        )
        form = DecisionForm(request.POST)
        decision = request.POST.get("decision")
        if not form.is_valid():
            # Keep the moderator's message, with why, beside that request's box.
            return _join_requests_page(request, place, refused=(join_request.pk, form), status=400)
        if decision in {"approve", "refuse"}:
            try:
                services.join_request_decide(
                    join_request=join_request,
                    moderator=request.user,
                    approve=decision == "approve",
                    message=form.cleaned_data["message"],
                )
                verb = "approved" if decision == "approve" else "refused"
                messages.success(request, f"{join_request.member.display_name}'s request {verb}.")
            except CommunityError as error:
                messages.error(request, error.message)
        return redirect("communities:requests", slug=slug)
    return _join_requests_page(request, place)


def _join_requests_page(request, place: Place, *, refused=(None, None), status=200):
    pending = place.community.join_requests.filter(
        status=JoinRequest.Status.PENDING
    ).select_related("member__profile__organisation")
    page = Paginator(pending, PAGE_SIZE).get_page(request.GET.get("page"))
    refused_request, refused_form = refused
    return render(
        request,
        "communities/requests.html",
        {
            "place": place,
            "page": page,
            "community": place.community,
            "refused_request": refused_request,
            "form": refused_form,
        },
        status=status,
    )


@login_required
def members(request, slug):
    place = _readable(request, slug)
    memberships = place.community.memberships.select_related(
        "member__profile__organisation"
    ).order_by("-role", "member__name")
    page = Paginator(memberships, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "communities/members.html",
        {"place": place, "page": page, "community": place.community},
    )


@login_required
@require_POST
def moderator(request, slug, member_id):
    place = _moderated(request, slug)
    member = get_object_or_404(User, pk=member_id)
    try:
        services.moderator_set(
            community=place.community,
            moderator=request.user,
            member=member,
            appoint=request.POST.get("appoint") == "yes",
        )
        messages.success(request, "Moderators updated.")
    except CommunityError as error:
        messages.error(request, error.message)
    return redirect("communities:members", slug=slug)


@login_required
@require_http_methods(["GET", "POST"])
def invite(request, slug):
    place = _moderated(request, slug)
    form = InvitationForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.invitation_create(
                community=place.community, inviter=request.user, email=form.cleaned_data["email"]
            )
            messages.success(
                request, f"An invitation is on its way to {form.cleaned_data['email']}."
            )
            return redirect("communities:invite", slug=slug)
        except CommunityError as error:
            form.add_error("email", error.message)
    return render(
        request,
        "communities/invite.html",
        {"place": place, "form": form, "community": place.community},
    )


@login_required
@require_http_methods(["GET", "POST"])
def invitation(request, token):
    if request.method == "POST":
        try:
            community = services.invitation_accept(token=token, member=request.user)
        except CommunityError as error:
            messages.error(request, error.message)
            return redirect("communities:invitation", token=token)
        messages.success(request, f"Welcome to {community.name}.")
        return redirect(community)
    found = Invitation.objects.select_related("community").filter(token=token).first()
    return render(request, "communities/invitation.html", {"invitation": found})


@login_required
@require_http_methods(["GET", "POST"])
def thread_new(request, slug):
    place = _readable(request, slug)
    if place.membership is None:
        messages.error(request, "Join the community to start a thread.")
        return redirect(place.community)
    form = ThreadForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        thread = services.thread_start(
            community=place.community,
            author=request.user,
            title=form.cleaned_data["title"],
            body=form.cleaned_data["body"],
        )
        tasks.post_digests_ask(community=place.community, author=request.user)
        messages.success(request, "Your thread has been posted.")
        return redirect(thread)
    return render(
        request,
        "communities/thread_form.html",
        {"place": place, "form": form, "community": place.community},
    )


@require_http_methods(["GET", "POST"])
def thread(request, slug, thread_id):
    place = _readable(request, slug)
    thread = get_object_or_404(
        Thread.objects.select_related("author", "answer__author"),
        pk=thread_id,
        community=place.community,
    )
    form = ReplyForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        if place.membership is None:
            messages.error(request, "Join the community to reply.")
            return redirect(thread)
        if form.is_valid():
            try:
                post = services.reply_create(
                    thread=thread, author=request.user, body=form.cleaned_data["body"]
                )
            except CommunityError as error:
                # Locked since the page was opened: say so where the member will see it.
                messages.error(request, error.message)
                return redirect(thread)
            tasks.post_digests_ask(community=place.community, author=request.user)
            messages.success(request, "Your reply has been posted.")
            return redirect(f"{thread.get_absolute_url()}?page=last#post-{post.pk}")
    posts_seen = Post.objects.visible_to(request.user).filter(thread=thread)
    paginator = Paginator(posts_seen.select_related("author__profile"), POSTS_PER_PAGE)
    page_number = request.GET.get("page")
    posts = paginator.get_page(paginator.num_pages if page_number == "last" else page_number)
    subscription = None
    if request.user.is_authenticated:
        subscription = thread.subscriptions.filter(member=request.user).first()
    answer_page = None
    if thread.answer_id:
        earlier = posts_seen.filter(created_at__lt=thread.answer.created_at).count()
        answer_page = earlier // POSTS_PER_PAGE + 1
    return render(
        request,
        "communities/thread.html",
        {
            "place": place,
            "community": place.community,
            "thread": thread,
            "posts": posts,
            "form": form,
            "subscription": subscription,
            "can_mark_answer": request.user.pk == thread.author_id or place.is_moderator,
            "answer_page": answer_page,
        },
    )


THREAD_ACTIONS = {
    "follow": "member",
    "mute": "member",
    "unfollow": "member",
    "pin": "moderator",
    "unpin": "moderator",
    "lock": "moderator",
    "unlock": "moderator",
}


@login_required
@require_POST
def thread_action(request, slug, thread_id, action):
    place = _readable(request, slug)
    thread = get_object_or_404(Thread, pk=thread_id, community=place.community)
    if action not in THREAD_ACTIONS:
        raise Http404
    if THREAD_ACTIONS[action] == "moderator" and not place.is_moderator:
        raise PermissionDenied
    if action in {"follow", "mute", "unfollow"}:
        state = {"follow": "following", "mute": "muted", "unfollow": None}[action]
        services.subscription_set(thread=thread, member=request.user, state=state)
        messages.success(
            request,
            {
                "follow": "You will be told about new replies.",
                "mute": "This thread is muted: it stays out of your e-mails.",
                "unfollow": "You no longer follow this thread.",
            }[action],
        )
    else:
        services.thread_moderate(
            thread=thread,
            moderator=request.user,
            pinned={"pin": True, "unpin": False}.get(action),
            locked={"lock": True, "unlock": False}.get(action),
        )
        messages.success(
            request,
            {
                "pin": "Thread pinned.",
                "unpin": "Thread unpinned.",
                "lock": "Thread locked.",
                "unlock": "Thread unlocked.",
            }[action],
        )
    return redirect(thread)


POST_ACTIONS = {"hide": Post.State.HIDDEN, "show": Post.State.VISIBLE, "remove": Post.State.REMOVED}


@login_required
@require_http_methods(["GET", "POST"])
def post_action(request, slug, post_id, action):
    if request.method == "GET" and action != "remove":
        # Removing cannot be undone: it alone is asked on a page of its own first.
        return HttpResponseNotAllowed(["POST"])
    place = _readable(request, slug)
    post = get_object_or_404(
        Post.objects.select_related("thread"), pk=post_id, thread__community=place.community
    )
    if action == "answer":
        try:
            services.answer_mark(
                thread=post.thread, post=post, member=request.user, moderator=place.is_moderator
            )
        except CommunityError as error:
            messages.error(request, error.message)
        return redirect(post.thread)
    if action not in POST_ACTIONS:
        raise Http404
    if not place.is_moderator:
        raise PermissionDenied
    if request.method == "GET":
        return render(
            request,
            "communities/post_remove.html",
            {"community": place.community, "post": post, "thread": post.thread},
        )
    try:
        services.post_moderate(post=post, moderator=request.user, state=POST_ACTIONS[action])
    except CommunityError as error:
        messages.error(request, error.message)
        return redirect(post.thread)
    messages.success(
        request,
        {
            "hide": "The post is hidden from members.",
            "show": "The post is visible again.",
            "remove": "The post has been removed.",
        }[action],
    )
    return redirect(post.thread)


@login_required
@require_http_methods(["GET", "POST"])
def report(request, slug, post_id):
    place = _readable(request, slug)
    post = get_object_or_404(
        Post.objects.select_related("thread", "author"),
        pk=post_id,
        thread__community=place.community,
        state=Post.State.VISIBLE,
    )
    form = ReportForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.report_create(
                post=post, reporter=request.user, reason=form.cleaned_data["reason"]
            )
            messages.success(request, "Thank you: the moderators have been told.")
            return redirect(post.thread)
        except CommunityError as error:
            form.add_error("reason", error.message)
    return render(
        request,
        "communities/report.html",
        {"place": place, "post": post, "form": form, "community": place.community},
    )


@login_required
@require_http_methods(["GET", "POST"])
def reports(request, slug):
    place = _moderated(request, slug)
    if request.method == "POST":
        open_report = get_object_or_404(
            Report,
            pk=number_or_404(request.POST.get("report")),
            post__thread__community=place.community,
        )
        services.report_dismiss(report=open_report, moderator=request.user)
        messages.success(request, "The report has been dismissed.")
        return redirect("communities:reports", slug=slug)
    open_reports = Report.objects.filter(
        post__thread__community=place.community, resolved_at__isnull=True
    ).select_related("post__thread__community", "post__author", "reporter")
    page = Paginator(open_reports, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "communities/reports.html",
        {"place": place, "page": page, "community": place.community},
    )


@login_required
@staff_page
@require_POST
def founder(request, member_id):
    """Coordinators let a member start communities of their own."""
    member = get_object_or_404(User, pk=member_id, is_active=True)
    try:
        services.founder_allow(
            coordinator=request.user, member=member, allowed=request.POST.get("allowed") == "yes"
        )
    except CommunityError:
        raise PermissionDenied from None
    messages.success(request, "Saved.")
    return redirect(member.profile)
