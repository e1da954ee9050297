import redis
from django.conf import settings
from django.db import DatabaseError, connection
from django.http import HttpResponse, HttpResponseServerError, JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from bulletins.models import Bulletin
from events.models import Event
from events.services import event_listing, places_left
from insights.models import Story
from network.context_processors import site_context
from resources.models import Resource
from resources.services import resource_listing

# The five features of effective networks, which the home page explains and /insights/ measures.
NETWORK_FEATURES = [
    (
        "Common purpose",
        "Communities write down what they are for, and members join the ones that fit.",
    ),
    (
        "Cooperative structures",
        "Members lead communities, events and bulletins, not only the central team.",
    ),
    (
        "Critical mass",
        "Enough people from every region, sector and type of organisation take part.",
    ),
    ("Collective intelligence", "What one team learns becomes a resource the next team can use."),
    (
        "Community building",
        "People meet, mentor one another and keep in touch across organisations.",
    ),
]


def home(request):
    viewer = request.user
    upcoming = list(
        event_listing(
            Event.objects.visible_to(viewer).filter(starts_at__gt=timezone.now()), viewer
        ).order_by("starts_at")[:3]
    )
    for event in upcoming:
        event.places_left = places_left(event, event.places_taken)
    return render(
        request,
        "network/home.html",
        {
            "features": NETWORK_FEATURES,
            "upcoming": upcoming,
            "featured": list(
                resource_listing(
                    Resource.objects.visible_to(viewer).listed().filter(featured=True)
                )[:3]
            ),
            "latest_bulletin": Bulletin.objects.visible_to(viewer).sent().first(),
            "stories": list(Story.objects.visible_to(viewer).published().for_cards()[:3]),
        },
    )


def ping(request):
    """The smallest page Django can serve through all its middleware: "is the process up?" for
    a load balancer, and the benchmark's measure of the framework's own limit."""
    return HttpResponse("pong", content_type="text/plain")


def _database_answers() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except DatabaseError:
        return False


def _broker_answers() -> bool:
    try:
        client = redis.Redis.from_url(
            settings.REDIS_URL, socket_connect_timeout=1, socket_timeout=1
        )
        return bool(client.ping())
    except (redis.RedisError, OSError):
        return False


@never_cache
@require_GET
def health(request):
    """For load balancers and operators: 503 when the database is down, since no page works then."""
    database, broker = _database_answers(), _broker_answers()
    status = "ok" if database and broker else ("degraded" if database else "down")
    return JsonResponse(
        {
            "status": status,
            "database": "ok" if database else "down",
            "broker": "ok" if broker else "down",
        },
        status=200 if database else 503,
    )


def accessibility(request):
    return render(request, "network/accessibility.html")


def privacy(request):
    return render(request, "network/privacy.html")


def server_error(request):
    """The 500 page with the full layout, built without the database or the session."""
    return HttpResponseServerError(render_to_string("500.html", site_context()))
