"""Demo library for seed_demo: 64 resources of every type, some with a Word file to search."""

import io
import random
import zipfile
from datetime import date, timedelta
from xml.sax.saxutils import escape

from django.core.files.base import ContentFile
from django.utils.text import slugify

from members.models import Organisation, Topic, User
from members.roles import CURATORS
from resources import services, uploads
from resources.indexing import resource_index
from resources.models import Resource

# Title patterns per type; {topic} is filled from the shared vocabulary.
TITLES = {
    Resource.Kind.TOOL: [
        "Driver diagram template for {topic}",
        "Run chart tool: tracking {topic} week by week",
        "PDSA cycle planner for {topic}",
    ],
    Resource.Kind.GUIDE: [
        "A practical guide to {topic}",
        "Getting started with {topic} in a partnership",
        "{topic}: measures that matter to people",
    ],
    Resource.Kind.CASE_STUDY: [
        "Case study: {topic} in a rural partnership",
        "How one ward improved {topic} in twelve weeks",
        "Case study: spreading {topic} across a health board",
    ],
    Resource.Kind.REPORT: [
        "Learning report: {topic} across Scotland",
        "Evaluation of the national {topic} collaborative",
    ],
    Resource.Kind.TEMPLATE: [
        "Project charter template: {topic}",
        "Family and carer feedback form for {topic}",
    ],
    Resource.Kind.RECORDING: [
        "Webinar recording: {topic} in practice",
        "Masterclass recording: leading change in {topic}",
    ],
    Resource.Kind.LINK: [
        "Useful reading on {topic}",
        "Evidence summary: {topic}",
    ],
}
SUMMARIES = [
    "Written by a team who tested it on the ground. It sets out **what they changed**, how they "
    "measured it and what they would do differently.\n\nUse it to plan your own first test of "
    "change.",
    "A short, practical resource for teams starting out. It includes:\n\n"
    "- a one-page overview\n- worked examples from health and social care\n"
    "- questions to discuss with your team",
    "Shared by members after a learning event. It brings together what several partnerships "
    "learned, with the data they used to decide what to keep.",
]
KINDS_WITH_FILES = {Resource.Kind.TEMPLATE, Resource.Kind.GUIDE}
RESOURCE_COUNT = 64


def seed(members: list[User]) -> list[Resource]:
    chooser = random.Random(7)  # noqa: S311 (the same demo library on every run)
    topics = list(Topic.objects.all())
    organisations = list(Organisation.objects.all())
    curator = User.objects.filter(groups__name=CURATORS).order_by("pk").first() or members[0]
    resources = [
        _resource(number, chooser, topics, organisations, curator, members)
        for number in range(RESOURCE_COUNT)
    ]
    return resources


def _resource(number, chooser, topics, organisations, curator, members) -> Resource:
    kind = list(TITLES)[number % len(TITLES)]
    topic = topics[(number * 7) % len(topics)]
    patterns = TITLES[kind]
    title = patterns[(number // len(TITLES)) % len(patterns)].format(topic=topic.name)
    title = title[0].upper() + title[1:]
    slug = slugify(title)[:180]
    published_on = date(2026, 11, 20) - timedelta(days=number * 9)
    file_fields = {}
    has_file = Resource.objects.filter(slug=slug).exclude(file="").exists()
    if kind in KINDS_WITH_FILES and not has_file:
        content = _document(title, topic.name)
        words = uploads.file_text_of(content, "docx")
        file_fields = {
            "file": ContentFile(content, name=uploads.stored_name("docx")),
            "file_name": f"{slug[:60]}.docx",
            "file_size": len(content),
            "file_text": words.text,
            "file_text_outcome": words.outcome,
        }
    resource, created = Resource.objects.update_or_create(
        slug=slug,
        defaults={
            **file_fields,
            "title": title,
            "kind": kind,
            "summary": SUMMARIES[number % len(SUMMARIES)],
            "organisation": chooser.choice(organisations),
            "author": "",
            "contributor": members[(number * 11) % len(members)] if number % 3 else curator,
            "published_on": published_on,
            "audience": Resource.Audience.MEMBERS if number % 4 == 0 else Resource.Audience.PUBLIC,
            "status": Resource.Status.PUBLISHED,
            "featured": number in (1, 5, 9),
            "link": "" if kind in KINDS_WITH_FILES else f"https://example.org/library/{slug}",
        },
    )
    resource.topics.set([topic, *chooser.sample(topics, 1)])
    resource_index(resource)
    if created:
        for member in chooser.sample(members, chooser.randint(0, 6)):
            services.rating_set(resource=resource, member=member, stars=chooser.randint(3, 5))
        for member in chooser.sample(members, chooser.randint(0, 8)):
            services.use_toggle(resource=resource, member=member)
    return resource


WORD = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
WORD_PARTS = {
    "[Content_Types].xml": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" '
        'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/word/document.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>'
        '<Override PartName="/word/styles.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.wordprocessingml.styles+xml"/></Types>'
    ),
    "_rels/.rels": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        'relationships/officeDocument" Target="word/document.xml"/></Relationships>'
    ),
    "word/_rels/document.xml.rels": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        'relationships/styles" Target="styles.xml"/></Relationships>'
    ),
    "word/styles.xml": (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:styles xmlns:w="{WORD}">'
        '<w:style w:type="paragraph" w:default="1" w:styleId="Normal"><w:name w:val="Normal"/>'
        "</w:style>"
        '<w:style w:type="paragraph" w:styleId="Heading1"><w:name w:val="heading 1"/>'
        '<w:basedOn w:val="Normal"/><w:pPr><w:outlineLvl w:val="0"/></w:pPr>'
        '<w:rPr><w:b/><w:sz w:val="32"/></w:rPr></w:style>'
        '<w:style w:type="paragraph" w:styleId="Heading2"><w:name w:val="heading 2"/>'
        '<w:basedOn w:val="Normal"/><w:pPr><w:outlineLvl w:val="1"/></w:pPr>'
        '<w:rPr><w:b/><w:sz w:val="26"/></w:rPr></w:style></w:styles>'
    ),
}


def word_document_xml(paragraphs: list[tuple[str, str]]) -> str:
    """Word's main part for (style, text) paragraphs; an empty style is Word's normal text."""
    body = "".join(
        "<w:p>"
        + (f'<w:pPr><w:pStyle w:val="{style}"/></w:pPr>' if style else "")
        + f"<w:r><w:t>{escape(text)}</w:t></w:r></w:p>"
        for style, text in paragraphs
    )
    return (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document xmlns:w="{WORD}">'
        f"<w:body>{body}</w:body></w:document>"
    )


def _document(title: str, topic: str) -> bytes:
    """A small Word file, so the demo shows downloads and searching inside files."""
    paragraphs = [
        ("Heading1", title),
        (
            "",
            f"This template helps a team plan and record tests of change on {topic.lower()}. "
            "Start with the aim, agree the measures, then plan the first small test.",
        ),
    ]
    for heading in ("Aim", "Measures", "Change ideas", "What we learned"):
        paragraphs += [("Heading2", heading), ("", "Write here.")]
    stream = io.BytesIO()
    with zipfile.ZipFile(stream, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, part in WORD_PARTS.items():
            archive.writestr(name, part)
        archive.writestr("word/document.xml", word_document_xml(paragraphs))
    return stream.getvalue()
