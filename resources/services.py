"""Rules of the resource library and the eBulletin: who sees what, uploads, search, sending."""

from __future__ import annotations

import contextlib
import html
import io
import os
import re
import time
import urllib.parse
import uuid
import xml.sax
import xml.sax.handler
import zipfile
import zlib
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

import defusedxml.sax
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import Avg, Count, F, Max, OuterRef, Q, QuerySet, Subquery
from django.http import Http404
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape, strip_tags
from PIL import Image, UnidentifiedImageError

from base.audit import audit_record
from base.markdown import render_markdown
from base.text_search import SEARCH_CONFIG, joined_text
from members.models import Organisation, Profile, User
from members.roles import ANY_MEMBER, CURATORS, is_curator
from members.services import member_profiles, named_to, notify, notify_role
from resources.audit import Action
from resources.models import Bulletin, Delivery, Rating, Resource, Use

TOKEN = re.compile(r"[A-Za-z0-9_-]{20,64}")
FILE_TEXT_LIMIT = 200_000  # characters of a file's text kept for search
PDF_PAGE_LIMIT = 100
# What reading one PDF's words may cost: the decoded page content that text extraction parses
# (about a second per megabyte at worst), and the time it may take, whichever ends first.
PDF_CONTENT_BUDGET_MB = 10
FILE_TEXT_SECONDS = 20


class BulletinError(Exception):
    """A bulletin cannot do what was asked in its present state; the message says why."""


# --- who may see what -----------------------------------------------------------------------


def can_curate(viewer) -> bool:
    return is_curator(viewer)


def resource_for(viewer, slug: str) -> Resource:
    """The resource, or 404 for anyone who may not see it (Resource.objects.visible_to); with
    whether the viewer may see its contributor named (`contributor_named`)."""
    resource = (
        Resource.objects.visible_to(viewer)
        .select_related("organisation", "contributor")
        .annotate(contributor_named=named_to(viewer, "contributor_id"))
        .filter(slug=slug)
        .first()
    )
    if resource is None:
        raise Http404("No such resource")
    return resource


def can_edit(resource: Resource, viewer) -> bool:
    if can_curate(viewer):
        return True
    return (
        viewer.is_authenticated
        and resource.contributor_id == viewer.pk
        and resource.status == Resource.Status.DRAFT
    )


def resource_listing(resources: QuerySet[Resource]) -> QuerySet[Resource]:
    return resources.select_related("organisation").defer("file_text", "search_vector")


def resource_search(resources: QuerySet[Resource], text: str) -> QuerySet[Resource]:
    """Full text over title, summary, topics, author and the file's own words, best first."""
    text = " ".join(text.split())[:200]
    if not text:
        return resources
    query = SearchQuery(text, search_type="websearch", config=SEARCH_CONFIG)
    return (
        resources.filter(search_vector=query)
        .annotate(relevance=SearchRank(F("search_vector"), query))
        .order_by("-relevance", "-published_on", "pk")
    )


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


# --- uploads --------------------------------------------------------------------------------

# What the library accepts, recognised by content: extension -> what members are told it is.
FILE_TYPES = {
    "pdf": "PDF",
    "docx": "Word document",
    "xlsx": "Excel spreadsheet",
    "pptx": "PowerPoint presentation",
    "odt": "OpenDocument text",
    "ods": "OpenDocument spreadsheet",
    "odp": "OpenDocument presentation",
    "png": "PNG image",
    "jpg": "JPEG image",
}
OOXML_PARTS = {
    "word/document.xml": "docx",
    "xl/workbook.xml": "xlsx",
    "ppt/presentation.xml": "pptx",
}
ODF_TYPES = {
    b"application/vnd.oasis.opendocument.text": "odt",
    b"application/vnd.oasis.opendocument.spreadsheet": "ods",
    b"application/vnd.oasis.opendocument.presentation": "odp",
}
SAME_KIND = {"jpeg": "jpg"}
# The kinds that are zip archives: every part counts toward RESOURCE_MAX_UNPACKED_MB.
ZIP_KINDS = {"docx", "xlsx", "pptx", "odt", "ods", "odp"}
ALLOWED_TYPES_TEXT = "a PDF, Word, Excel, PowerPoint or OpenDocument file, or a PNG or JPEG image"


def _kind_of_zip(upload) -> str | None:
    try:
        with zipfile.ZipFile(upload) as archive:
            names = set(archive.namelist())
            if "mimetype" in names:
                # Read a few bytes only: a crafted entry could unpack to gigabytes.
                with archive.open("mimetype") as mimetype:
                    return ODF_TYPES.get(mimetype.read(100).strip())
            if "[Content_Types].xml" in names:
                for part, extension in OOXML_PARTS.items():
                    if part in names:
                        return extension
    except (zipfile.BadZipFile, KeyError, OSError, RuntimeError, ValueError, EOFError, zlib.error):
        return None
    return None


def _kind_of_image(upload) -> str | None:
    try:
        with Image.open(upload) as image:
            image_format = image.format
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, Image.DecompressionBombError):
        return None
    return {"PNG": "png", "JPEG": "jpg"}.get(image_format)


def file_kind(upload) -> str | None:
    """The library's name for what the file is, read from its content; None if not allowed."""
    upload.seek(0)
    head = upload.read(8)
    upload.seek(0)
    if head.startswith(b"%PDF-"):
        kind = "pdf"
    elif head.startswith(b"PK\x03\x04"):
        kind = _kind_of_zip(upload)
    elif head.startswith((b"\x89PNG", b"\xff\xd8\xff")):
        kind = _kind_of_image(upload)
    else:
        kind = None
    upload.seek(0)
    return kind


def file_check(upload) -> str:
    """Refuse what the library does not take; answer the extension the stored file gets.

    The name's extension must agree with the content: a program renamed "report.pdf" is refused,
    and so is a Word file called "report.pdf", which would open in the wrong application.
    """
    limit = settings.RESOURCE_MAX_UPLOAD_MB
    if upload.size > limit * 1024 * 1024:
        raise ValidationError(f"The file must be smaller than {limit} MB.", code="too_large")
    if upload.size == 0:
        raise ValidationError("The file is empty.", code="empty")
    kind = file_kind(upload)
    stated = os.path.splitext(upload.name or "")[1].lower().lstrip(".")
    stated = SAME_KIND.get(stated, stated)
    if kind is None and stated in FILE_TYPES:
        raise ValidationError(
            f"The file is called .{stated} but it is not a real {FILE_TYPES[stated]}: it may be "
            f"damaged, or another kind of file renamed. The library takes {ALLOWED_TYPES_TEXT}.",
            code="not_allowed",
        )
    if kind is None:
        raise ValidationError(f"The file must be {ALLOWED_TYPES_TEXT}.", code="not_allowed")
    if stated != kind:
        raise ValidationError(
            f"The file is a {FILE_TYPES[kind]}, but its name ends in “.{stated}”. "
            f"Rename it to end in .{kind} and upload it again.",
            code="wrong_extension",
        )
    if kind in ZIP_KINDS:
        unpacked = unpacked_size(upload)
        upload.seek(0)
        unpacked_limit = settings.RESOURCE_MAX_UNPACKED_MB
        if unpacked > unpacked_limit * 1024 * 1024:
            raise ValidationError(
                f"This {FILE_TYPES[kind]} unpacks to {unpacked / 2**20:,.0f} MB, and the library "
                f"takes files that unpack to at most {unpacked_limit} MB. Save it again without "
                "large embedded files, or upload it as a PDF.",
                code="unpacks_too_large",
            )
    return kind


def unpacked_size(source) -> int:
    """Every part of an Office or OpenDocument file added up, as its archive declares them.

    The declared sizes are what counts: zipfile never unpacks more of a part than its entry
    declares, so no part can be larger than this when it is read.
    """
    with zipfile.ZipFile(source) as archive:
        return sum(entry.file_size for entry in archive.infolist())


def stored_name(kind: str) -> str:
    """A generated name: nobody can guess another file's address from one they know."""
    return f"{uuid.uuid4().hex}.{kind}"


def display_file_name(name: str) -> str:
    """The contributor's name for the file, safe to put in a download header."""
    base = os.path.basename(name or "").replace('"', "").replace("\\", "")
    cleaned = "".join(character for character in base if character.isprintable())
    return cleaned[-150:] or "resource"


@dataclass(frozen=True)
class FileWords:
    """The words of a file for search, and how reading them ended (a Resource.FileText)."""

    text: str
    outcome: str


class _OverBudget(Exception):
    """Reading this file's words would take more work than the library spends on one file."""


class _Unreadable(Exception):
    """The file is damaged: it cannot be read for its words."""


def file_text_of(content: bytes, kind: str, *, seconds: float = FILE_TEXT_SECONDS) -> FileWords:
    """Words of a PDF or Word file for search, and how reading them ended.

    Other kinds give none and nothing to say. A file over the library's budget, or one it
    cannot read, gives no words either: it stays a resource, downloadable as before, and its
    outcome says why (file_text_notice).
    """
    from pypdf.errors import LimitReachedError

    try:
        if kind == "pdf":
            text = _pdf_text(content, deadline=time.monotonic() + seconds)
        elif kind == "docx":
            if unpacked_size(io.BytesIO(content)) > settings.RESOURCE_MAX_UNPACKED_MB * 2**20:
                # Stored before the limit applied to uploads: still never unpacked.
                return FileWords("", Resource.FileText.UNPACKS_TOO_LARGE)
            text = word_text(content)
        else:
            return FileWords("", Resource.FileText.NOT_READ)
    except (_OverBudget, LimitReachedError, SoftTimeLimitExceeded):
        # pypdf's own limits (a stream that decompresses past 75 MB, too many operators) and
        # the worker's time limit are over budget too.
        return FileWords("", Resource.FileText.OVER_BUDGET)
    except Exception:
        # Broken or unusual files are still resources; they are just not searchable inside.
        return FileWords("", Resource.FileText.UNREADABLE)
    # PostgreSQL text cannot hold NUL characters.
    return FileWords(text.replace("\x00", " ")[:FILE_TEXT_LIMIT], Resource.FileText.READ)


def _pdf_text(content: bytes, *, deadline: float) -> str:
    """The text of a PDF's first pages, within PDF_CONTENT_BUDGET_MB of page content and the
    deadline (checked between pages and between the operators of each page)."""
    from pypdf import PdfReader

    def in_time(*_) -> None:
        if time.monotonic() > deadline:
            raise _OverBudget

    budget = PDF_CONTENT_BUDGET_MB * 2**20
    pages: list[str] = []
    length = 0
    for page in PdfReader(io.BytesIO(content)).pages[:PDF_PAGE_LIMIT]:
        budget -= _page_content_size(page, budget)
        if budget < 0:
            raise _OverBudget
        in_time()
        pages.append(page.extract_text(visitor_operand_before=in_time) or "")
        length += len(pages[-1])
        if length > FILE_TEXT_LIMIT:
            break
    return "\n".join(pages)


def _page_content_size(page, budget: int) -> int:
    """Decoded bytes that reading a page's text parses: its content streams and the forms it
    can draw (nested ones too). A stream that many pages share counts once for each page, as
    each page parses it again. Counting stops once it passes `budget`: a page of five streams
    that each unpack to 70 MB is over budget after the first 10 MB of the first, unpacked
    nowhere else."""
    from pypdf.generic import ArrayObject, DictionaryObject

    contents = page.get("/Contents")
    contents = contents.get_object() if contents is not None else None
    if isinstance(contents, ArrayObject):
        streams = [stream.get_object() for stream in contents]
    else:
        streams = [contents] if contents is not None else []
    seen: set[int] = set()
    holders = [page.get("/Resources")]
    while holders:
        holder = holders.pop()
        holder = holder.get_object() if holder is not None else None
        xobjects = holder.get("/XObject") if isinstance(holder, DictionaryObject) else None
        xobjects = xobjects.get_object() if xobjects is not None else None
        if not isinstance(xobjects, DictionaryObject):
            continue
        for reference in xobjects.values():
            drawn = reference.get_object()
            if id(drawn) in seen or drawn.get("/Subtype") != "/Form":
                continue
            seen.add(id(drawn))
            streams.append(drawn)
            holders.append(drawn.get("/Resources"))
    size = 0
    for stream in streams:
        size += _decoded_size(stream, budget - size)
        if size > budget:
            break
    return size


def _inflated_size(packed: bytes, limit: int) -> int:
    """The size of zlib data unpacked, counted a slice at a time and kept nowhere; counting
    stops just past `limit`."""
    inflate, size = zlib.decompressobj(), 0
    try:
        while packed and size <= limit:
            size += len(inflate.decompress(packed, 2**16))
            packed = inflate.unconsumed_tail
    except zlib.error:
        raise _Unreadable from None
    return size


def _decoded_size(stream, limit: int) -> int:
    """How many bytes a stream decodes to, unpacking no more than `limit` and one byte of it.
    Packed (Flate) streams, nearly every content stream, are counted by a bounded unpacking that
    keeps nothing; other filters are decoded by pypdf, whose own limit bounds each stream."""
    from pypdf.generic import ArrayObject

    filters = stream.get("/Filter")
    filters = filters.get_object() if filters is not None else None
    names = list(filters) if isinstance(filters, ArrayObject) else [filters]
    packed = getattr(stream, "_data", None)
    if names == [None] and isinstance(packed, bytes):
        return len(packed)
    if names == ["/FlateDecode"] and isinstance(packed, bytes):
        return _inflated_size(packed, limit)
    return len(stream.get_data())


def file_text_notice(resource: Resource) -> str:
    """What those who can edit a resource are told when its file's words are not searched;
    nothing when they were read, or for kinds whose words the library does not read."""
    kept = "The file itself is kept and can be downloaded as before."
    notices = {
        Resource.FileText.OVER_BUDGET: (
            "The words inside this file are not searched: it has more text on its pages than "
            f"the library reads (at most {PDF_CONTENT_BUDGET_MB} MB of page content, read "
            f"within {FILE_TEXT_SECONDS} seconds). {kept} To have its words found, upload a "
            "shorter or simpler version, or put its key words in the summary."
        ),
        Resource.FileText.UNPACKS_TOO_LARGE: (
            "The words inside this file are not searched: it unpacks to more than "
            f"{settings.RESOURCE_MAX_UNPACKED_MB} MB, more than the library reads. {kept} To "
            "have its words found, save it again without large embedded files and upload that."
        ),
        Resource.FileText.UNREADABLE: (
            "The words inside this file are not searched: the library could not read them (the "
            f"file may be damaged or protected by a password). {kept}"
        ),
    }
    return notices.get(resource.file_text_outcome, "") if resource.file else ""


WORD_NAMESPACES = {
    "http://schemas.openxmlformats.org/wordprocessingml/2006/main",
    "http://purl.oclc.org/ooxml/wordprocessingml/main",  # Word's "strict" format
}


class _EnoughWords(Exception):
    """FILE_TEXT_LIMIT characters are read: the rest of the document is not needed."""


class _WordParagraphs(xml.sax.handler.ContentHandler):
    """The text of a Word document's paragraphs (tables' too), as it streams past."""

    def __init__(self):
        super().__init__()
        self.pieces: list[str] = []
        self.length = 0
        self.in_text = False

    def startElementNS(self, name, qname, attributes):
        namespace, element = name
        if namespace not in WORD_NAMESPACES:
            return
        if element == "t":
            self.in_text = True
        elif element == "tab":
            self._add("\t")
        elif element in ("br", "cr"):
            self._add("\n")

    def endElementNS(self, name, qname):
        namespace, element = name
        if namespace not in WORD_NAMESPACES:
            return
        if element == "t":
            self.in_text = False
        elif element == "p":
            self._add("\n")

    def characters(self, content):
        if self.in_text:
            self._add(content)

    def _add(self, piece: str) -> None:
        self.pieces.append(piece)
        self.length += len(piece)
        if self.length > FILE_TEXT_LIMIT:
            raise _EnoughWords


def word_text(content: bytes) -> str:
    """The words of a Word file, from its one part that holds them, word/document.xml.

    The part is streamed and parsed as it unpacks, with no DTD or entities allowed, and reading
    stops once FILE_TEXT_LIMIT characters are found. No other part (styles, numbering, media)
    is ever unpacked.
    """
    paragraphs = _WordParagraphs()
    parser = defusedxml.sax.make_parser()
    parser.forbid_dtd = True
    parser.setFeature(xml.sax.handler.feature_namespaces, True)
    parser.setContentHandler(paragraphs)
    with (
        zipfile.ZipFile(io.BytesIO(content)) as archive,
        archive.open("word/document.xml") as part,
        contextlib.suppress(_EnoughWords),
    ):
        parser.parse(part)
    return "".join(paragraphs.pieces)


# --- contributing and curating --------------------------------------------------------------


@transaction.atomic
def resource_save(*, resource: Resource, by: User, upload=None, remove_file: bool = False) -> None:
    """Save a new or edited resource (its form has set the fields) with its file.

    A member who is not a curator suggests: the resource stays a draft until a curator reviews
    it, and the curators are told.
    """
    from resources.tasks import extract_resource_text

    suggesting = resource.pk is None and not can_curate(by)
    before = (Resource.Status.DRAFT, False)
    if resource.pk is None:
        resource.contributor = by
    else:
        saved = (
            Resource.objects.select_for_update().values("status", "featured").get(pk=resource.pk)
        )
        before = (saved["status"], saved["featured"])
    if suggesting:
        resource.status = Resource.Status.DRAFT
        resource.featured = False
        resource.suggested_at = timezone.now()
    old_file = resource.file.name if resource.pk and resource.file else ""
    if upload is not None:
        kind = file_check(upload)
        resource.file_name = display_file_name(upload.name)
        resource.file_size = upload.size
        resource.file.save(stored_name(kind), upload, save=False)
        resource.file_text = ""
        resource.file_text_outcome = Resource.FileText.NOT_READ
    elif remove_file:
        resource.file = ""
        resource.file_name = ""
        resource.file_size = 0
        resource.file_text = ""
        resource.file_text_outcome = Resource.FileText.NOT_READ
    resource.save()
    if not suggesting:
        _curation_record(resource=resource, by=by, before=before)
    new_file = resource.file.name if resource.file else ""
    if old_file and old_file != new_file:
        storage = resource.file.storage
        transaction.on_commit(lambda: storage.delete(old_file))
    if upload is not None:
        extract_resource_text.delay_on_commit(resource.pk)
    if suggesting:
        notify_role(
            role=CURATORS,
            kind="resource_suggested",
            message=f"suggested a resource: {resource.title}",
            url=resource.get_absolute_url(),
            by=by,
        )


CURATOR_ACTIONS = {"publish", "archive", "feature", "unfeature", "draft"}


@transaction.atomic
def resource_curate(*, resource: Resource, action: str, by: User) -> str:
    """A curator's decision on a resource; answers what members will now see."""
    if not can_curate(by):
        raise Http404
    resource = Resource.objects.select_for_update().get(pk=resource.pk)
    before = (resource.status, resource.featured)
    answer = _curation_apply(resource=resource, action=action, by=by)
    _curation_record(resource=resource, by=by, before=before)
    return answer


CURATION_NAMES = {
    Resource.Status.PUBLISHED: "Published",
    Resource.Status.ARCHIVED: "Archived",
    Resource.Status.DRAFT: "Back to draft",
}


def _curation_record(*, resource: Resource, by: User, before: tuple[str, bool]) -> None:
    """The audit log's entries for what a curator changed, from the curate buttons or the form."""
    status, featured = before
    changes = []
    if resource.status != status:
        changes.append(CURATION_NAMES[resource.status])
    if resource.featured != featured:
        changes.append("Featured" if resource.featured else "No longer featured")
    for change in changes:
        audit_record(
            actor=by,
            action=Action.RESOURCE_CURATED,
            member=resource.contributor,
            detail=f"{change}: {resource.title}",
        )


def _curation_apply(*, resource: Resource, action: str, by: User) -> str:
    if action == "publish":
        was_suggestion = resource.status == Resource.Status.DRAFT and resource.suggested_at
        resource.status = Resource.Status.PUBLISHED
        resource.published_on = resource.published_on or timezone.localdate()
        resource.save(update_fields=["status", "published_on", "updated_at"])
        if was_suggestion and resource.contributor_id and resource.contributor_id != by.pk:
            notify(
                member=resource.contributor,
                kind="resource_published",
                message=f"Your suggested resource is now in the library: {resource.title}",
                url=resource.get_absolute_url(),
                actor=by,
            )
        return "The resource is published."
    if action == "archive":
        turned_down = resource.status == Resource.Status.DRAFT and resource.suggested_at
        resource.status = Resource.Status.ARCHIVED
        resource.featured = False
        resource.save(update_fields=["status", "featured", "updated_at"])
        if turned_down and resource.contributor_id and resource.contributor_id != by.pk:
            notify(
                member=resource.contributor,
                kind="resource_not_added",
                message=f"A curator did not add your suggestion to the library: {resource.title}",
                url=resource.get_absolute_url(),
                actor=by,
            )
        return "The resource is archived: it is no longer listed, but its address still works."
    if action == "draft":
        resource.status = Resource.Status.DRAFT
        resource.featured = False
        resource.save(update_fields=["status", "featured", "updated_at"])
        return "The resource is a draft again: only curators and its contributor can see it."
    if action in ("feature", "unfeature"):
        if action == "feature" and resource.status != Resource.Status.PUBLISHED:
            raise ValidationError("Publish the resource before featuring it.")
        resource.featured = action == "feature"
        resource.save(update_fields=["featured", "updated_at"])
        return (
            "The resource is featured on the home page."
            if resource.featured
            else "The resource is no longer featured."
        )
    raise Http404


def _check_published(resource: Resource) -> None:
    if resource.status != Resource.Status.PUBLISHED:
        raise ValidationError("Only resources in the library can be rated or marked as used.")


def _recount(resource_id: int) -> None:
    ratings = Rating.objects.filter(resource_id=resource_id).aggregate(
        count=Count("pk"), average=Avg("stars")
    )
    average = ratings["average"]
    Resource.objects.filter(pk=resource_id).update(
        rating_count=ratings["count"],
        rating_average=Decimal(average).quantize(Decimal("0.01")) if average else None,
        use_count=Use.objects.filter(resource_id=resource_id).count(),
    )


@transaction.atomic
def rating_set(*, resource: Resource, member: User, stars: int) -> None:
    _check_published(resource)
    if not 1 <= stars <= 5:
        raise ValidationError("Choose from 1 to 5 stars.")
    # The lock makes the fresh count below see every rating made at the same moment.
    Resource.objects.select_for_update().filter(pk=resource.pk).first()
    Rating.objects.update_or_create(resource=resource, member=member, defaults={"stars": stars})
    _recount(resource.pk)


@transaction.atomic
def use_toggle(*, resource: Resource, member: User) -> bool:
    """Mark or unmark "I used this in practice"; answers whether it is now marked."""
    _check_published(resource)
    Resource.objects.select_for_update().filter(pk=resource.pk).first()
    removed, _ = Use.objects.filter(resource=resource, member=member).delete()
    if not removed:
        Use.objects.create(resource=resource, member=member)
    _recount(resource.pk)
    return not removed


# --- bulletins: composing -------------------------------------------------------------------


def bulletin_for(viewer, slug: str) -> Bulletin:
    """The bulletin, or 404 for anyone who may not see it (Bulletin.objects.visible_to)."""
    bulletin = Bulletin.objects.visible_to(viewer).filter(slug=slug).first()
    if bulletin is None:
        raise Http404("No such bulletin")
    return bulletin


def section_choices() -> dict[str, QuerySet]:
    """What a curator may pick for a section: only what every recipient may see. Bulletins go
    to every subscribed member, so a pick must be visible to any member (ANY_MEMBER): never a
    secret community's event or name, whoever the curator is."""
    from communities.models import Community
    from events.models import Event

    return {
        "resources": Resource.objects.visible_to(ANY_MEMBER)
        .listed()
        .order_by("-featured", "-published_on", "title"),
        "events": Event.objects.visible_to(ANY_MEMBER)
        .filter(starts_at__gt=timezone.now())
        .order_by("starts_at"),
        "communities": Community.objects.visible_to(ANY_MEMBER).order_by("name"),
    }


def _absolute(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


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
                # Markdown reads well as it is: the plain-text e-mail uses it unrendered.
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
        "url": _absolute(resource.get_absolute_url()),
        "label": resource.get_kind_display(),
        "summary": _first_paragraph(resource.summary),
    }


def _event_entry(event) -> dict:
    starts = timezone.localtime(event.starts_at)
    return {
        "title": event.title,
        "url": _absolute(event.get_absolute_url()),
        "label": f"{event.get_kind_display()}, {starts:%A %-d %B %Y, %H:%M}",
        "summary": _first_paragraph(event.summary),
    }


def _community_entry(community) -> dict:
    return {
        "title": community.name,
        "url": _absolute(community.get_absolute_url()),
        "label": "Community of practice",
        "summary": _first_paragraph(community.purpose),
    }


def _first_paragraph(text: str, limit: int = 300) -> str:
    """Plain words for a summary line: the Markdown rendered, its tags dropped, cut at a word."""
    plain = " ".join(html.unescape(strip_tags(render_markdown(text))).split())
    return plain if len(plain) <= limit else plain[: limit - 1].rsplit(" ", 1)[0] + "…"


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


def next_section_position(bulletin: Bulletin) -> int:
    last = bulletin.sections.order_by("-position").values_list("position", flat=True).first()
    return (last or 0) + 1


# --- bulletins: sending ---------------------------------------------------------------------


def subscribers() -> QuerySet[User]:
    """Members who want the bulletin: confirmed, active, subscribed."""
    return User.objects.filter(
        pk__in=member_profiles().filter(receives_bulletin=True).values("member_id")
    )


@transaction.atomic
def bulletin_schedule(*, bulletin: Bulletin, when: datetime) -> None:
    bulletin = Bulletin.objects.select_for_update().get(pk=bulletin.pk)
    if not bulletin.is_editable:
        raise BulletinError("This bulletin has already been sent.")
    if when <= timezone.now():
        raise BulletinError("Choose a time in the future.")
    _check_not_empty(bulletin)
    bulletin.status = Bulletin.Status.SCHEDULED
    bulletin.scheduled_for = when
    bulletin.save(update_fields=["status", "scheduled_for"])


def bulletin_schedule_failed(*, bulletin: Bulletin, reason: str) -> None:
    """A scheduled bulletin that cannot go (emptied since): back to draft, its curator told."""
    updated = Bulletin.objects.filter(pk=bulletin.pk, status=Bulletin.Status.SCHEDULED).update(
        status=Bulletin.Status.DRAFT, scheduled_for=None
    )
    if updated and bulletin.created_by_id:
        notify(
            member=bulletin.created_by,
            kind="bulletin_not_sent",
            message=f"“{bulletin.title}” was not sent at its time: {reason}",
            url=bulletin.get_absolute_url(),
        )


@transaction.atomic
def bulletin_unschedule(*, bulletin: Bulletin) -> None:
    updated = Bulletin.objects.filter(pk=bulletin.pk, status=Bulletin.Status.SCHEDULED).update(
        status=Bulletin.Status.DRAFT, scheduled_for=None
    )
    if not updated:
        raise BulletinError("This bulletin is not scheduled.")


@transaction.atomic
def bulletin_send(*, bulletin: Bulletin) -> int:
    """Freeze the bulletin and make a delivery for every subscriber; the workers do the rest.

    The row lock makes a double click, or the scheduler and a curator at the same moment, send
    it once. Answers the number of deliveries.
    """
    from resources.tasks import fan_out_bulletin

    bulletin = Bulletin.objects.select_for_update().get(pk=bulletin.pk)
    if not bulletin.is_editable:
        raise BulletinError("This bulletin has already been sent.")
    _check_not_empty(bulletin)
    bulletin.frozen = bulletin_snapshot(bulletin)
    bulletin.status = Bulletin.Status.SENDING
    bulletin.sent_at = timezone.now()
    bulletin.save(update_fields=["frozen", "status", "sent_at"])
    recipients = subscribers().values_list("pk", flat=True).order_by("pk")
    Delivery.objects.bulk_create(
        (Delivery(bulletin=bulletin, member_id=member_id) for member_id in recipients.iterator()),
        batch_size=5000,
        ignore_conflicts=True,
    )
    fan_out_bulletin.delay_on_commit(bulletin.pk)
    return Delivery.objects.filter(bulletin=bulletin).count()


def _check_not_empty(bulletin: Bulletin) -> None:
    if not bulletin.sections.exists() and not bulletin.introduction.strip():
        raise BulletinError("The bulletin is empty: add an introduction or a section first.")


def bulletin_finish_if_done(bulletin_id: int) -> bool:
    """Mark the bulletin sent once no delivery is waiting or in flight."""
    unfinished = Delivery.objects.filter(
        bulletin_id=bulletin_id, status__in=[Delivery.Status.PENDING, Delivery.Status.SENDING]
    )
    return bool(
        Bulletin.objects.filter(pk=bulletin_id, status=Bulletin.Status.SENDING)
        .exclude(pk__in=unfinished.values("bulletin_id"))
        .update(status=Bulletin.Status.SENT, finished_at=timezone.now())
    )


def bulletin_progress(bulletin: Bulletin) -> dict:
    counts = Delivery.objects.filter(bulletin=bulletin).aggregate(
        **{status: Count("pk", filter=Q(status=status)) for status in Delivery.Status.values},
        in_doubt=Count("pk", filter=Q(in_doubt=True, status=Delivery.Status.FAILED)),
    )
    total = sum(counts[status] for status in Delivery.Status.values)
    pending = counts[Delivery.Status.PENDING] + counts[Delivery.Status.SENDING]
    return {
        "total": total,
        "sent": counts[Delivery.Status.SENT],
        "failed": counts[Delivery.Status.FAILED] - counts["in_doubt"],
        "in_doubt": counts["in_doubt"],
        "skipped": counts[Delivery.Status.SKIPPED],
        "pending": pending,
        "percent": round(100 * (total - pending) / total) if total else 100,
    }


@transaction.atomic
def deliveries_retry_failed(*, bulletin: Bulletin, in_doubt: bool = False) -> int:
    """Curators try the failed deliveries again; answers how many.

    Those in doubt (interrupted mid-send: they may have arrived) are retried only when asked,
    since their member may get a second copy.
    """
    from resources.tasks import fan_out_bulletin

    bulletin = Bulletin.objects.select_for_update().get(pk=bulletin.pk)
    if bulletin.frozen is None:
        raise BulletinError("This bulletin has not been sent.")
    retried = Delivery.objects.filter(
        bulletin=bulletin, status=Delivery.Status.FAILED, in_doubt=in_doubt
    ).update(
        status=Delivery.Status.PENDING,
        attempts=0,
        error="",
        in_doubt=False,
        claim=None,
        claimed_at=None,
        handed_over_at=None,
        queued_at=None,
    )
    if retried:
        Bulletin.objects.filter(pk=bulletin.pk).update(
            status=Bulletin.Status.SENDING, finished_at=None
        )
        fan_out_bulletin.delay_on_commit(bulletin.pk)
    return retried


def stale_claims_release(bulletin_id: int) -> int:
    """Take back what a dead worker had claimed; answers how many deliveries wait again.

    A batch renews its claim before each message, so a claim with no sign of life for
    BULLETIN_CLAIM_TIMEOUT is dead. Of its rows, one that was handed to the SMTP server but not
    marked may have arrived: it is marked failed and in doubt, for a curator to decide, rather
    than risk a second copy. The rest were certainly not sent and wait for the next batch.
    """
    cutoff = timezone.now() - timezone.timedelta(seconds=settings.BULLETIN_CLAIM_TIMEOUT)
    dead_claims = (
        Delivery.objects.filter(bulletin_id=bulletin_id, status=Delivery.Status.SENDING)
        .values("claim")
        .annotate(last_sign=Max("claimed_at"))
        .filter(last_sign__lt=cutoff)
        .values_list("claim", flat=True)
    )
    released = 0
    for claim in list(dead_claims):
        with transaction.atomic():
            claimed = Delivery.objects.select_for_update().filter(
                bulletin_id=bulletin_id, claim=claim, status=Delivery.Status.SENDING
            )
            claimed.filter(handed_over_at__isnull=False).update(
                status=Delivery.Status.FAILED,
                in_doubt=True,
                error="Interrupted while sending: it may have arrived.",
            )
            released += claimed.filter(handed_over_at__isnull=True).update(
                status=Delivery.Status.PENDING, claim=None, claimed_at=None, queued_at=None
            )
    return released


# --- subscriptions --------------------------------------------------------------------------


def subscription_for_token(token: str) -> Profile | None:
    # Anything but a token's own characters (a NUL byte, say) is simply not a token.
    if not TOKEN.fullmatch(token or ""):
        return None
    return Profile.objects.select_related("member").filter(bulletin_token=token).first()


def bulletin_unsubscribe(*, profile: Profile) -> None:
    Profile.objects.filter(pk=profile.pk).update(receives_bulletin=False)


# --- bulletins: the e-mail ------------------------------------------------------------------

NAME_MARK = "%%MEMBER_NAME%%"
UNSUBSCRIBE_MARK = "%%UNSUBSCRIBE_URL%%"


class BulletinMail:
    """One bulletin's e-mail, rendered once and personalised per member by replacing two marks.

    Rendering the templates per member would cost more than the SMTP conversation itself.
    """

    def __init__(self, bulletin: Bulletin, frozen: dict, *, test: bool = False):
        context = {
            "bulletin": frozen,
            "web_url": _absolute(bulletin.get_absolute_url()),
            "member_name": NAME_MARK,
            "unsubscribe_url": UNSUBSCRIBE_MARK,
            "preferences_url": _absolute(reverse("members:preferences")),
            "site_name": settings.SITE_NAME,
            "site_url": settings.SITE_URL,
        }
        self.subject = f"{'[Test] ' if test else ''}{frozen['title']}"
        self.html = render_to_string("resources/email/bulletin.html", context)
        self.text = render_to_string("resources/email/bulletin.txt", context)

    def message(self, member: User, token: str, connection=None) -> EmailMultiAlternatives:
        unsubscribe_url = _absolute(reverse("resources:unsubscribe", args=[token]))
        name = member.get_short_name()
        message = EmailMultiAlternatives(
            subject=self.subject,
            body=self.text.replace(NAME_MARK, name).replace(UNSUBSCRIBE_MARK, unsubscribe_url),
            to=[member.email],
            connection=connection,
            headers={
                # RFC 2369 and RFC 8058: mail programs offer "unsubscribe" and POST to it.
                "List-Unsubscribe": f"<{unsubscribe_url}>",
                "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
                "List-Id": f"{settings.SITE_NAME} eBulletin <bulletin.{_list_host()}>",
                "Precedence": "bulk",
                "Auto-Submitted": "auto-generated",
            },
        )
        message.attach_alternative(
            self.html.replace(NAME_MARK, escape(name)).replace(
                UNSUBSCRIBE_MARK, escape(unsubscribe_url)
            ),
            "text/html",
        )
        return message


def _list_host() -> str:
    return urllib.parse.urlsplit(settings.SITE_URL).hostname or "localhost"
