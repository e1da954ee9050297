"""Files in the library: checked by content, stored under a generated name, served by permission."""

import tracemalloc

import pytest
from django.urls import reverse

from resources import uploads
from resources.models import Resource
from resources.tasks import extract_resource_text
from tests.resources.conftest import (
    docx_bytes,
    docx_parts,
    executable_bytes,
    make_resource,
    pdf_bytes,
    pdf_drawing_a_form,
    pdf_with_packed_streams,
    pdf_with_shared_content,
    upload,
    zip_bytes,
    zip_of,
)
from tooling.demo.resources import WORD

pytestmark = pytest.mark.django_db

NOT_SEARCHED = "The words inside this file are not searched"


def add_resource(client, file, **fields):
    return client.post(
        "/resources/new/",
        {
            "title": fields.pop("title", "Falls prevention toolkit"),
            "kind": "tool",
            "summary": "Everything our partnership used.",
            "audience": fields.pop("audience", "public"),
            "status": "published",
            "upload": file,
            **fields,
        },
    )


def read(response) -> bytes:
    return b"".join(response.streaming_content)


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("toolkit.pdf", executable_bytes(), "it is not a real PDF"),
        ("toolkit.docx", zip_bytes(), "it is not a real Word document"),
        ("toolkit.exe", executable_bytes(), "The file must be a PDF, Word, Excel"),
        ("toolkit.pdf", docx_bytes(), "but its name ends in “.pdf”"),
        ("toolkit.exe", pdf_bytes(), "but its name ends in “.exe”"),
        ("toolkit.pdf", b"", "The submitted file is empty."),
    ],
)
def test_a_file_that_is_not_what_it_says_is_refused(client, curator, name, content, message):
    client.force_login(curator)

    response = add_resource(client, upload(name, content))

    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Resource.objects.exists()


def test_a_file_over_the_size_limit_is_refused(client, curator, settings):
    settings.RESOURCE_MAX_UPLOAD_MB = 1
    client.force_login(curator)

    response = add_resource(client, upload("toolkit.pdf", pdf_bytes() + b"%" * 1_100_000))

    assert "The file must be smaller than 1 MB." in response.content.decode()
    assert not Resource.objects.exists()


def test_an_accepted_file_gets_a_generated_name_and_keeps_its_own_for_download(client, curator):
    client.force_login(curator)

    add_resource(client, upload("Falls toolkit (final).pdf", pdf_bytes()))

    resource = Resource.objects.get()
    assert resource.file.name.startswith("resources/")
    assert "Falls" not in resource.file.name and resource.file.name.endswith(".pdf")
    response = client.get(reverse("resources:file", args=[resource.slug]))
    assert response.status_code == 200
    assert response["X-Content-Type-Options"] == "nosniff"
    assert 'filename="Falls toolkit (final).pdf"' in response["Content-Disposition"]
    assert read(response).startswith(b"%PDF-")
    # Not reachable by the storage path either: nothing serves the media folder directly.
    assert client.get(f"/media/{resource.file.name}").status_code == 404


@pytest.mark.parametrize(
    ("name", "content", "words"),
    [
        ("toolkit.pdf", pdf_bytes("Falls prevention in care homes"), "care homes"),
        ("plan.docx", docx_bytes("Anticipatory care planning with families"), "families"),
    ],
)
def test_the_text_inside_pdf_and_word_files_is_searchable(client, curator, name, content, words):
    client.force_login(curator)
    add_resource(client, upload(name, content), title="Untitled upload")
    resource = Resource.objects.get()

    extract_resource_text(resource.pk)  # what the worker does after the upload commits

    found = client.get("/resources/", {"q": words}).context["page"].object_list
    assert [result.title for result in found] == ["Untitled upload"]
    assert NOT_SEARCHED not in client.get(resource.get_absolute_url()).content.decode()


def test_a_members_only_file_is_refused_to_visitors(client, member):
    resource = make_resource(
        "Members' toolkit", audience=Resource.Audience.MEMBERS, link="", file="resources/x.pdf"
    )
    resource.file.storage.save("resources/x.pdf", upload("x.pdf", pdf_bytes()))
    file_url = reverse("resources:file", args=[resource.slug])

    assert client.get(file_url).status_code == 404
    client.force_login(member)
    assert client.get(file_url).status_code == 200


def test_a_drafts_file_is_refused_to_other_members(client, member, outsider):
    resource = make_resource(
        "Draft toolkit",
        status=Resource.Status.DRAFT,
        contributor=member,
        link="",
        file="resources/y.pdf",
    )
    resource.file.storage.save("resources/y.pdf", upload("y.pdf", pdf_bytes()))
    file_url = reverse("resources:file", args=[resource.slug])

    client.force_login(outsider)
    assert client.get(file_url).status_code == 404
    client.force_login(member)
    assert client.get(file_url).status_code == 200


def test_replacing_a_file_removes_the_old_one(client, curator, django_capture_on_commit_callbacks):
    client.force_login(curator)
    add_resource(client, upload("first.pdf", pdf_bytes()))
    resource = Resource.objects.get()
    old_name = resource.file.name

    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("resources:edit", args=[resource.slug]),
            {
                "title": resource.title,
                "kind": "tool",
                "summary": resource.summary,
                "audience": "public",
                "status": "published",
                "upload": upload("second.docx", docx_bytes()),
            },
        )

    resource.refresh_from_db()
    assert resource.file_name == "second.docx"
    assert not resource.file.storage.exists(old_name)


def test_a_crafted_zip_is_refused_without_unpacking_it(client, curator):
    import io
    import zipfile

    stream = io.BytesIO()
    with zipfile.ZipFile(stream, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("mimetype", b"\0" * 50_000_000)  # 50 MB of nothing, a few KB packed
    client.force_login(curator)

    response = add_resource(client, upload("toolkit.odt", stream.getvalue()))

    assert "it is not a real OpenDocument text" in response.content.decode()


def test_a_damaged_zip_gets_a_message_not_an_error(client, curator):
    import io
    import zipfile

    stream = io.BytesIO()
    with zipfile.ZipFile(stream, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("mimetype", b"application/vnd.oasis.opendocument.text" * 500)
    content = bytearray(stream.getvalue())
    content[40:60] = b"\xff" * 20  # damage the packed data of the first entry
    client.force_login(curator)

    response = add_resource(client, upload("toolkit.odt", bytes(content)))

    assert response.status_code == 200
    assert "it is not a real OpenDocument text" in response.content.decode()
    assert not Resource.objects.exists()


def styles_of_megabytes(megabytes: int):
    """A styles part of that many megabytes of blank space: a few kilobytes once packed."""
    yield f'<w:styles xmlns:w="{WORD}">'.encode()
    for _ in range(megabytes):
        yield b" " * 2**20
    yield b"</w:styles>"


def test_an_office_file_that_unpacks_to_more_than_the_limit_is_refused(client, curator):
    bomb = zip_of({**docx_parts(), "word/styles.xml": styles_of_megabytes(110)})
    assert len(bomb) < 1_000_000
    client.force_login(curator)

    response = add_resource(client, upload("toolkit.docx", bomb))

    assert response.status_code == 200
    error = response.context["form"].errors["upload"][0]
    assert error == (
        "This Word document unpacks to 110 MB, and the library takes files that unpack to at "
        "most 100 MB. Save it again without large embedded files, or upload it as a PDF."
    )
    assert 'id="id_upload_error"' in response.content.decode()
    assert not Resource.objects.exists()


def test_the_words_of_a_word_file_are_read_from_its_text_alone(client, curator):
    # Styles that are not even XML: reading them would fail, so finding the words proves that
    # only the document's own text part is read.
    content = zip_of(
        {
            **docx_parts("Anticipatory care planning with families"),
            "word/styles.xml": b"<w:styles this is not XML at all",
        }
    )
    client.force_login(curator)
    add_resource(client, upload("plan.docx", content), title="Untitled upload")
    resource = Resource.objects.get()

    extract_resource_text(resource.pk)

    found = client.get("/resources/", {"q": "families"}).context["page"].object_list
    assert [result.title for result in found] == ["Untitled upload"]


def test_a_word_file_stored_before_the_limit_is_not_unpacked_for_its_words(client, curator):
    bomb = zip_of(
        {**docx_parts("Anticipatory care planning"), "word/styles.xml": styles_of_megabytes(110)}
    )
    resource = make_resource("Old upload", link="", file="resources/old.docx")
    resource.file.storage.save("resources/old.docx", upload("old.docx", bomb))

    extract_resource_text(resource.pk)

    resource.refresh_from_db()
    assert resource.file_text == ""
    client.force_login(curator)
    assert not client.get("/resources/", {"q": "anticipatory"}).context["page"].object_list
    assert (
        "The words inside this file are not searched: it unpacks to more than 100 MB, more than "
        "the library reads." in client.get(resource.get_absolute_url()).content.decode()
    )


# --- reading PDFs within a budget -----------------------------------------------------------

OVER_BUDGET = (
    "The words inside this file are not searched: it has more text on its pages than the "
    "library reads (at most 10 MB of page content, read within 20 seconds). The file itself is "
    "kept and can be downloaded as before."
)


def test_a_pdf_with_more_on_its_pages_than_the_library_reads_is_kept_out_of_search(
    client, curator, member
):
    # 11 MB of words drawn by each of 50 pages: 42 KB to upload, 550 MB of page content to read.
    content = pdf_with_shared_content(11, pages=50)
    assert len(content) < 100_000
    client.force_login(curator)
    add_resource(client, upload("toolkit.pdf", content), title="Untitled upload")
    resource = Resource.objects.get()

    extract_resource_text(resource.pk)

    assert not client.get("/resources/", {"q": "huddle"}).context["page"].object_list
    assert OVER_BUDGET in client.get(resource.get_absolute_url()).content.decode()
    assert (
        OVER_BUDGET in client.get(reverse("resources:edit", args=[resource.slug])).content.decode()
    )
    client.force_login(member)
    page = client.get(resource.get_absolute_url()).content.decode()
    assert NOT_SEARCHED not in page
    assert "Download toolkit.pdf" in page
    assert read(client.get(reverse("resources:file", args=[resource.slug]))) == content


def test_the_member_who_suggested_a_pdf_is_told_its_words_are_not_searched(client, member):
    client.force_login(member)
    add_resource(client, upload("toolkit.pdf", pdf_with_shared_content(11, pages=50)))
    resource = Resource.objects.get(status=Resource.Status.DRAFT)

    extract_resource_text(resource.pk)

    assert OVER_BUDGET in client.get(resource.get_absolute_url()).content.decode()


def test_reading_a_pdf_stops_at_its_deadline_even_within_one_page():
    from resources.uploads import file_text_of

    # One page of 28 KB of content that draws a 20 KB form 4,000 times: 80 MB to parse.
    words = file_text_of(pdf_drawing_a_form(4000, kilobytes=20), "pdf", seconds=1)

    assert (words.text, words.outcome) == ("", Resource.FileText.OVER_BUDGET)


def test_a_pdf_whose_page_unpacks_to_hundreds_of_megabytes_is_measured_without_unpacking_it():
    """Five streams on one page, each unpacking to 40 MB: the budget is passed within the
    first, and nothing near its size is ever held in memory."""
    content = pdf_with_packed_streams(megabytes=40, streams=5)

    tracemalloc.start()
    try:
        words = uploads.file_text_of(content, "pdf")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert words.outcome == Resource.FileText.OVER_BUDGET
    assert peak < 2 * uploads.PDF_CONTENT_BUDGET_MB * 2**20
