"""What the library takes as a file, and the words it reads from one for search.

A file is recognised by its content, never its name alone; Office and OpenDocument files are
measured by what they unpack to. Reading the words of a PDF or a Word file keeps to a budget, so
no upload can cost a worker more than that; the outcome is kept on the resource.
"""

from __future__ import annotations

import contextlib
import io
import os
import time
import uuid
import xml.sax
import xml.sax.handler
import zipfile
import zlib
from dataclasses import dataclass

import defusedxml.sax
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.exceptions import ValidationError
from PIL import Image, UnidentifiedImageError

from resources.models import Resource

FILE_TEXT_LIMIT = 200_000  # characters of a file's text kept for search
PDF_PAGE_LIMIT = 100
# What reading one PDF's words may cost: the decoded page content that text extraction parses
# (about a second per megabyte at worst), and the time it may take, whichever ends first.
PDF_CONTENT_BUDGET_MB = 10
FILE_TEXT_SECONDS = 20


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
