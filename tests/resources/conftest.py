import io
import zipfile

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from django.utils.text import slugify

from resources.indexing import resource_index
from resources.models import Resource
from tooling.demo.resources import WORD_PARTS, word_document_xml


def make_resource(title="Run chart tool", *, topics=(), **fields) -> Resource:
    fields.setdefault("summary", "A simple tool for plotting data over time.")
    fields.setdefault("kind", Resource.Kind.TOOL)
    fields.setdefault("link", "https://example.org/run-chart-tool")
    fields.setdefault("status", Resource.Status.PUBLISHED)
    fields.setdefault("audience", Resource.Audience.PUBLIC)
    fields.setdefault("published_on", timezone.localdate())
    if fields["status"] != Resource.Status.DRAFT and "suggested_at" not in fields:
        # In the library now, or archived after it was: a suggestion turned down says so.
        fields.setdefault("first_published_at", timezone.now())
    resource = Resource.objects.create(
        title=title, slug=fields.pop("slug", slugify(title)), **fields
    )
    resource.topics.set(topics)
    resource_index(resource)
    return resource


def pdf_bytes(text="Falls prevention in care homes") -> bytes:
    """A one-page PDF whose text pypdf can read back."""
    stream = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(
        b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    )
    return out.getvalue()


def docx_parts(text="Anticipatory care planning with families") -> dict:
    """The parts of a Word file with one paragraph, as Word lays them out."""
    return {**WORD_PARTS, "word/document.xml": word_document_xml([("", text)])}


def zip_of(parts: dict) -> bytes:
    """A zip archive of the parts, deflated; a part may be a list of chunks, written one by one
    so that a part of hundreds of megabytes never sits in memory whole."""
    stream = io.BytesIO()
    with zipfile.ZipFile(stream, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, content in parts.items():
            with archive.open(name, "w") as part:
                for chunk in [content] if isinstance(content, (str, bytes)) else content:
                    part.write(chunk.encode() if isinstance(chunk, str) else chunk)
    return stream.getvalue()


def docx_bytes(text="Anticipatory care planning with families") -> bytes:
    return zip_of(docx_parts(text))


TEXT_LINE = b"BT /F1 12 Tf 72 720 Td (huddle) Tj ET\n"


def _helvetica(writer):
    from pypdf.generic import DictionaryObject, NameObject

    font = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Font"),
            NameObject("/Subtype"): NameObject("/Type1"),
            NameObject("/BaseFont"): NameObject("/Helvetica"),
        }
    )
    return DictionaryObject({NameObject("/Font"): DictionaryObject({NameObject("/F1"): font})})


def _written(writer) -> bytes:
    stream = io.BytesIO()
    writer.write(stream)
    return stream.getvalue()


def pdf_with_shared_content(megabytes: float, pages: int) -> bytes:
    """A small PDF whose pages all draw one large, packed content stream of words."""
    from pypdf import PdfWriter
    from pypdf.generic import DecodedStreamObject, NameObject

    writer = PdfWriter()
    content = DecodedStreamObject()
    content.set_data(TEXT_LINE * int(megabytes * 2**20 // len(TEXT_LINE)))
    shared = writer._add_object(content.flate_encode())
    fonts = _helvetica(writer)
    for _ in range(pages):
        page = writer.add_blank_page(612, 792)
        page[NameObject("/Contents")] = shared
        page[NameObject("/Resources")] = fonts
    return _written(writer)


def pdf_with_packed_streams(megabytes: int, streams: int) -> bytes:
    """A small one-page PDF whose page has several content streams of spaces, each packed from
    `megabytes` to a few kilobytes."""
    from pypdf import PdfWriter
    from pypdf.generic import ArrayObject, DecodedStreamObject, NameObject

    writer = PdfWriter()
    page = writer.add_blank_page(612, 792)
    packed = DecodedStreamObject()
    packed.set_data(b" " * (megabytes * 2**20))
    shared = packed.flate_encode()
    page[NameObject("/Contents")] = ArrayObject(writer._add_object(shared) for _ in range(streams))
    return _written(writer)


def pdf_drawing_a_form(times: int, kilobytes: int) -> bytes:
    """A one-page PDF of a kilobyte or so whose page draws one form of words again and again."""
    from pypdf import PdfWriter
    from pypdf.generic import (
        ArrayObject,
        DecodedStreamObject,
        DictionaryObject,
        NameObject,
        NumberObject,
    )

    writer = PdfWriter()
    form = DecodedStreamObject()
    form.set_data(TEXT_LINE * (kilobytes * 1024 // len(TEXT_LINE)))
    form.update(
        {
            NameObject("/Type"): NameObject("/XObject"),
            NameObject("/Subtype"): NameObject("/Form"),
            NameObject("/BBox"): ArrayObject([NumberObject(n) for n in (0, 0, 612, 792)]),
            NameObject("/Resources"): _helvetica(writer),
        }
    )
    drawn = writer._add_object(form.flate_encode())
    content = DecodedStreamObject()
    content.set_data(b"/X1 Do\n" * times)
    page = writer.add_blank_page(612, 792)
    page[NameObject("/Contents")] = writer._add_object(content.flate_encode())
    page[NameObject("/Resources")] = DictionaryObject(
        {NameObject("/XObject"): DictionaryObject({NameObject("/X1"): drawn})}
    )
    return _written(writer)


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content)


def executable_bytes() -> bytes:
    # The start of a Windows program: "MZ", then padding.
    return b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 200


def zip_bytes() -> bytes:
    stream = io.BytesIO()
    with zipfile.ZipFile(stream, "w") as archive:
        archive.writestr("notes.txt", "not an office document")
    return stream.getvalue()
