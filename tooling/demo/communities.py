"""Demo communities for seed_demo: believable groups, purposes and conversations."""

import random
from datetime import timedelta

from django.utils import timezone
from django.utils.text import slugify

from communities.models import Community, Membership, Post, Thread, ThreadSubscription
from communities.services import community_index, post_render
from members.models import Topic, User

# name, privacy, level, region, topics, purpose
COMMUNITIES = [
    (
        "Frailty Improvement Network",
        "open",
        "national",
        "",
        ["Frailty", "Falls prevention"],
        "We bring together everyone working to identify frailty early and keep older people well "
        "at home: sharing tools, measures and what we learned when things did not work.",
    ),
    (
        "Unscheduled Care Collaborative",
        "open",
        "national",
        "",
        ["Unscheduled care", "Delayed discharge"],
        "Front door, flow and discharge teams learning together how to give people the right care, "
        "in the right place, first time.",
    ),
    (
        "QI Coaches' Circle",
        "closed",
        "national",
        "",
        ["Improvement coaching", "Quality improvement methods"],
        "A safe space for improvement coaches to bring real coaching dilemmas, practise skills and "
        "support one another. Membership is for people coaching improvement teams.",
    ),
    (
        "Digital Health and Care Champions",
        "open",
        "national",
        "",
        ["Digital health and care", "Data and evaluation"],
        "Clinicians, care staff and analysts who champion digital ways of working that people "
        "actually want to use.",
    ),
    (
        "Highland Community Health Practitioners",
        "open",
        "regional",
        "north",
        ["Community health", "Primary care"],
        "Practitioners across Highland sharing what works for remote and rural community health.",
    ),
    (
        "Lothian Delayed Discharge Group",
        "closed",
        "partnership",
        "east",
        ["Delayed discharge", "Social care"],
        "Partnership, hospital and care-at-home staff in Lothian working on getting people home "
        "without delay.",
    ),
    (
        "Dementia Care Learning Network",
        "open",
        "national",
        "",
        ["Dementia", "Carers"],
        "Improving the experience of people living with dementia and those who care for them.",
    ),
    (
        "Palliative and End of Life Care Community",
        "open",
        "national",
        "",
        ["Palliative and end of life care", "Anticipatory care planning"],
        "Helping people live well until the end of life, with care that follows what matters "
        "to them.",
    ),
    (
        "Care Home Improvement Forum",
        "open",
        "national",
        "",
        ["Care homes", "Person-centred care"],
        "Care home managers and staff, and those who support them, sharing improvement ideas.",
    ),
    (
        "Mental Health Quality Improvement",
        "open",
        "national",
        "",
        ["Mental health"],
        "Using improvement methods to make mental health services safer and more person-centred.",
    ),
    (
        "West Workforce Wellbeing Leads",
        "closed",
        "regional",
        "west",
        ["Workforce wellbeing"],
        "Wellbeing leads in the West comparing what helps staff stay well at work.",
    ),
    (
        "Data and Measurement Clinic",
        "open",
        "national",
        "",
        ["Measurement for improvement (run charts, SPC)", "Data and evaluation"],
        "Bring a run chart or a measurement question and get help from people who love data.",
    ),
    (
        "Board Improvement Leads",
        "secret",
        "national",
        "",
        ["Leadership for improvement"],
        "Improvement leads of the territorial boards: candid peer support between colleagues.",
    ),
]

CONVERSATIONS = [
    (
        "How are you measuring {topic}?",
        "We are starting to test changes to {topic} and I would love to hear which measures others "
        "use. Outcome, process and balancing measures all welcome.",
        [
            "We track a weekly run chart of the outcome and one process measure. Happy to share "
            "the template.",
            "Keep the balancing measure simple: we use staff time per patient.",
            "Our analysts built an SPC chart in Excel; it took a morning to set up.",
        ],
    ),
    (
        "Spreading a test of change beyond one ward",
        "Our PDSA cycles on {topic} worked on one ward. What helped you spread it without losing "
        "what made it work?",
        [
            "Ask the next team what they would change first: ownership matters more than fidelity.",
            "We paired each new ward with a buddy from the first one for a month.",
        ],
    ),
    (
        "Involving people with lived experience",
        "How do you involve people and families in improving {topic}? Looking for practical tips.",
        [
            "We pay for people's time and travel, and meet where they already are.",
            "Co-design sessions work best when the questions are genuinely open.",
            "Start with stories: one family's experience changed our whole project.",
        ],
    ),
]


def seed(members: list[User]) -> list[Community]:
    chooser = random.Random(4242)  # noqa: S311 (the same demo communities on every run)
    coordinator = User.objects.get(email="coordinator@example.org")
    demo_member = User.objects.get(email="member@example.org")
    mentor = User.objects.get(email="mentor@example.org")
    topics = {topic.name: topic for topic in Topic.objects.all()}
    communities = []
    for number, (name, privacy, level, region, topic_names, purpose) in enumerate(COMMUNITIES):
        community, created = Community.objects.get_or_create(
            slug=slugify(name),
            defaults={
                "name": name,
                "privacy": privacy,
                "level": level,
                "region": region,
                "purpose": purpose,
                # A few communities were started by members, not the central team.
                "created_by": mentor if number % 4 == 1 else coordinator,
            },
        )
        community.topics.set([topics[topic] for topic in topic_names if topic in topics])
        community_index(community)
        communities.append(community)
        if not created:
            continue
        moderator = mentor if number % 4 == 1 else coordinator
        Membership.objects.create(
            community=community, member=moderator, role=Membership.Role.MODERATOR
        )
        joiners = chooser.sample(members, chooser.randint(12, 30))
        if number % 3 == 0 and privacy != "secret":
            joiners.append(demo_member)
        for member in joiners:
            Membership.objects.get_or_create(community=community, member=member)
        _conversations(community, [moderator, *joiners], topic_names[0].lower(), chooser)
    return communities


def _conversations(
    community: Community, people: list[User], topic: str, chooser: random.Random
) -> None:
    started = timezone.now() - timedelta(days=40)
    latest = started
    for title, opening, replies in CONVERSATIONS:
        author = chooser.choice(people)
        moment = started + timedelta(days=chooser.randint(0, 30), hours=chooser.randint(8, 17))
        thread = Thread.objects.create(
            community=community, author=author, title=title.format(topic=topic), created_at=moment
        )
        bodies = [(author, opening.format(topic=topic))]
        bodies += [(chooser.choice(people), reply) for reply in replies]
        for writer, body in bodies:
            moment += timedelta(hours=chooser.randint(1, 30))
            Post.objects.create(
                thread=thread,
                author=writer,
                body=body,
                body_html=post_render(body, []),
                created_at=moment,
            )
            ThreadSubscription.objects.get_or_create(
                thread=thread,
                member=writer,
                defaults={"state": ThreadSubscription.State.FOLLOWING},
            )
        Thread.objects.filter(pk=thread.pk).update(last_post_at=moment, post_count=len(bodies))
        latest = max(latest, moment)
    Community.objects.filter(pk=community.pk).update(last_activity_at=latest)
    # Nothing seeded is news: digests start from now.
    Membership.objects.filter(community=community).update(digest_sent_until=timezone.now())
