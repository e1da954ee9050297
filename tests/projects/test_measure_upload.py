"""Uploading a measure's figures as a CSV file: the same columns as the download, every bad row
named, nothing saved until all are right, and never an error page whatever the file holds."""

import random
from datetime import date
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from projects.models import Measure, Phase, Sample
from tests.projects.conftest import make_measure
from tests.projects.test_measures import AFTER, BEFORE, figures_of

pytestmark = pytest.mark.django_db


def upload_url(measure):
    return f"/projects/{measure.project.slug}/measures/{measure.pk}/data/upload/"


def upload(client, measure, content: bytes, name="figures.csv"):
    return client.post(
        upload_url(measure), {"file": SimpleUploadedFile(name, content, content_type="text/csv")}
    )


def monthly_csv(values, start_year=2025, header="period,value"):
    lines = [header]
    for offset, value in enumerate(values):
        lines.append(f"{start_year + offset // 12}-{offset % 12 + 1:02d}-01,{value}")
    return ("\n".join(lines) + "\n").encode()


@pytest.fixture
def falls(members_project):
    return make_measure(members_project, title="Falls with harm", direction="down", unit="falls")


def test_an_uploaded_file_shows_its_shift_on_the_chart(client, lead, falls):
    client.force_login(lead)
    data_page = client.get(f"/projects/{falls.project.slug}/measures/{falls.pk}/data/").text
    assert "A row for a month that already has figures replaces them" in data_page

    answer = upload(client, falls, monthly_csv(BEFORE + AFTER))
    assert answer.status_code == 302
    assert answer.headers["Location"] == falls.get_absolute_url()
    page = client.get(answer.headers["Location"])
    assert "The file is uploaded. 20 rows added." in page.text
    assert "A shift of 8 points below the median since January 2026: an improvement." in page.text
    signals = [line for line in page.text.splitlines() if "<td>shift" in line]
    assert len(signals) == 8  # each point of the shift is marked in the table
    falls.refresh_from_db()
    assert (falls.verdict, falls.verdict_since) == ("improvement", date(2026, 1, 1))


def test_a_file_as_excel_saves_it_is_read(client, lead, falls):
    """Excel's plain "CSV" on a Scottish computer: Windows code page, day-first dates, CRLF."""
    client.force_login(lead)
    content = 'Period,Value,Note\r\n31/01/2025,4,Café rota\r\n28/02/2025,"1,250",\r\n'.encode(
        "cp1252"
    )
    answer = upload(client, falls, content)
    assert answer.status_code == 302
    assert figures_of(falls) == [
        (date(2025, 1, 1), Decimal("4"), None, None, "Café rota"),
        (date(2025, 2, 1), Decimal("1250"), None, None, ""),
    ]


def test_a_unicode_text_file_from_excel_is_read(client, lead, falls):
    client.force_login(lead)
    content = "period\tvalue\n2025-01-01\t4\n".encode("utf-16")
    assert upload(client, falls, content).status_code == 302
    assert figures_of(falls)[0][:2] == (date(2025, 1, 1), Decimal("4"))


def test_a_period_already_held_is_replaced_and_others_are_added(client, lead, falls):
    Sample.objects.create(measure=falls, period=date(2025, 1, 1), value=5, note="Baseline audit")
    Sample.objects.create(measure=falls, period=date(2025, 2, 1), value=6, note="Kept")
    client.force_login(lead)
    answer = upload(client, falls, b"period,value\n2025-02-01,7\n2025-03-01,8\n")
    assert answer.status_code == 302
    page = client.get(falls.get_absolute_url())
    assert "The file is uploaded. 1 row added, 1 changed." in page.text
    assert figures_of(falls) == [
        (date(2025, 1, 1), Decimal("5"), None, None, "Baseline audit"),
        (date(2025, 2, 1), Decimal("7"), None, None, "Kept"),  # no note column: kept
        (date(2025, 3, 1), Decimal("8"), None, None, ""),
    ]


def test_every_bad_row_of_the_file_is_named_and_nothing_is_saved(client, lead, members_project):
    measure = make_measure(members_project, title="Screened", chart="p", rules="mdc", values=())
    Sample.objects.create(measure=measure, period=date(2025, 1, 1), numerator=3, denominator=9)
    client.force_login(lead)
    content = (
        b"period,numerator,denominator,note\n"
        b"2025-01-01,4,10,\n"
        b"31/02/2026,3,8,\n"
        b"2025-03-01,3,0,\n"
        b"\n"
        b"2025-04-01,three,8,\n"
        b"2025-04-15,3,8,\n"
        b"2025-05-01,3.5,8,\n"
        b"2025-06-01,9,8,\n"
    )
    answer = upload(client, measure, content)
    assert answer.status_code == 400
    text = answer.text
    assert "5 rows of the file need changing (listed below): nothing was saved." in text
    assert "Row 3: 31/02/2026 is not a date" in text
    assert "Row 4: the denominator must be more than 0" in text
    assert "Row 6: three is not a number" in text
    assert "Row 7: April 2025 is already on row 6 of the file" not in text  # row 6 was bad
    assert "Row 8: the numerator must be a whole number" in text
    assert "Row 9: the numerator (9) is more than the denominator (8)" in text
    assert "Row 2:" not in text
    assert figures_of(measure) == [(date(2025, 1, 1), None, Decimal(3), Decimal(9), "")]


def test_a_year_no_chart_can_show_is_named_in_the_file(client, lead, falls):
    client.force_login(lead)
    answer = upload(client, falls, b"period,value\n2025-01-01,3\n9999-12-01,4\n01/03/0202,5\n")
    assert answer.status_code == 400
    assert "Row 3: 9999 is not a year the chart can show: use a date between 1900 and 2100" in (
        answer.text
    )
    assert "Row 4: 0202 is not a year the chart can show" in answer.text
    assert not falls.samples.exists()


def test_a_file_whose_first_row_is_a_far_date_is_told_to_name_its_columns(client, lead, falls):
    client.force_login(lead)
    answer = upload(client, falls, b"9999-12-01,4\n2025-01-01,3\n")
    assert "The first row must name the columns: period, value" in answer.text


def test_two_rows_for_one_month_are_named(client, lead, falls):
    client.force_login(lead)
    answer = upload(client, falls, b"period,value\n2025-01-01,3\n2025-01-31,4\n")
    assert "Row 3: January 2025 is already on row 2 of the file" in answer.text
    assert not falls.samples.exists()


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        (
            "figures.xlsx",
            b"period,value\n2025-01-01,3\n",
            "Choose a CSV file: its name ends in .csv.",
        ),
        ("figures.csv", b"PK\x03\x04\x14\x00\x06\x00", "This is a spreadsheet workbook"),
        ("figures.csv", bytes(range(256)) * 4, "This file is not a CSV file"),
        ("figures.csv", b"period,value\n2025\x00-01-01,5\n", "This file is not a CSV file"),
        ("figures.csv", b"", "The file is empty."),
        ("figures.csv", b" \r\n\r\n", "The file is empty."),
        ("figures.csv", b"\xef\xbb\xbf", "The file is empty."),
        ("figures.csv", b"2025-01-01,5\n2025-02-01,6\n", "The first row must name the columns"),
        ("figures.csv", b"month,count\n2025-01-01,5\n", "The file has no value column"),
        ("figures.csv", b"value,note\n5,\n", "The file has no period column"),
        ("figures.csv", b"period,value,period\n", "The column period is in the file twice."),
        ("figures.csv", b"period,value\n", "The file has its column names but no figures"),
        ("figures.csv", b"period,value\n" + b"2025-01-01,5\n" * 90_000, "larger than 1 MB"),
    ],
)
def test_a_file_that_cannot_be_read_is_refused_with_its_reason(
    client, lead, falls, name, content, reason
):
    Sample.objects.create(measure=falls, period=date(2024, 12, 1), value=9)
    client.force_login(lead)
    answer = upload(client, falls, content, name=name)
    assert answer.status_code == 400
    assert reason in answer.text
    assert 'href="#id_file"' in answer.text  # the error summary leads to the file box
    assert figures_of(falls) == [(date(2024, 12, 1), Decimal(9), None, None, "")]


def test_no_file_chosen(client, lead, falls):
    client.force_login(lead)
    answer = client.post(upload_url(falls), {})
    assert answer.status_code == 400
    assert "Choose a CSV file to upload." in answer.text


def test_garbage_never_makes_an_error_page(client, lead, falls):
    client.force_login(lead)
    generator = random.Random(19)
    for _ in range(25):
        content = bytes(generator.randrange(256) for _ in range(generator.randrange(1, 400)))
        if generator.random() < 0.5:
            content = b"period,value\n" + content
        assert upload(client, falls, content).status_code in (302, 400)


def test_a_downloaded_file_uploads_again_unchanged(client, lead, falls):
    for offset, value in enumerate(BEFORE + AFTER):
        Sample.objects.create(
            measure=falls,
            period=date(2025 + offset // 12, offset % 12 + 1, 1),
            value=Decimal(value) + Decimal("0.25") * (offset % 3) - 1,
            note="Huddles started" if offset == 12 else "",
        )
    Phase.objects.create(measure=falls, starts_on=date(2026, 1, 1), label="Huddles")
    client.force_login(lead)
    before = figures_of(falls)
    download = client.get(falls.get_absolute_url(), {"format": "csv"}).content
    assert b"huddles" not in download.lower()  # the download holds no notes

    answer = upload(client, falls, download, name="falls-with-harm.csv")
    assert answer.status_code == 302
    assert "The file is uploaded. Nothing changed." in client.get(falls.get_absolute_url()).text
    assert figures_of(falls) == before

    # Opened in Excel and saved again: day-first dates, no byte-order mark.
    lines = download.decode("utf-8-sig").splitlines()
    resaved = [lines[0]] + [
        f"{line[8:10]}/{line[5:7]}/{line[0:4]}{line[10:]}" for line in lines[1:]
    ]
    assert upload(client, falls, "\r\n".join(resaved).encode()).status_code == 302
    assert figures_of(falls) == before


def test_a_p_chart_s_download_uploads_again_unchanged(client, lead, members_project):
    measure = make_measure(members_project, title="Screened", chart="p", rules="anhoj")
    for month, (numerator, denominator) in enumerate([(1, 3), (2, 7), (5, 11), (0, 4)], start=1):
        Sample.objects.create(
            measure=measure,
            period=date(2025, month, 1),
            numerator=numerator,
            denominator=denominator,
        )
    client.force_login(lead)
    before = figures_of(measure)
    download = client.get(measure.get_absolute_url(), {"format": "csv"}).content
    assert b"2025-01-01,0.3333333333333333,1,3,1," in download
    assert upload(client, measure, download).status_code == 302
    assert figures_of(measure) == before
    assert client.get(measure.get_absolute_url(), {"format": "json"}).json()["rules"] == "anhoj"


def test_samples_of_one_date_are_replaced_together(client, lead, members_project):
    measure = make_measure(
        members_project, title="Door to needle", period="sample", chart="i", rules="mdc"
    )
    client.force_login(lead)
    content = b"period,value,note\n2025-03-04,41,Night\n2025-03-04,35,Day\n2025-03-05,50,\n"
    assert upload(client, measure, content).status_code == 302
    assert upload(client, measure, content).status_code == 302
    assert figures_of(measure) == [
        (date(2025, 3, 4), Decimal(41), None, None, "Night"),
        (date(2025, 3, 4), Decimal(35), None, None, "Day"),
        (date(2025, 3, 5), Decimal(50), None, None, ""),
    ]
    assert upload(client, measure, b"period,value\n2025-03-04,39\n").status_code == 302
    assert [figure[1] for figure in figures_of(measure)] == [Decimal(39), Decimal(50)]
    assert Measure.objects.get(pk=measure.pk).samples.count() == 2


def test_a_note_guarded_for_a_spreadsheet_comes_back_as_written(client, lead, falls):
    client.force_login(lead)
    upload(client, falls, b"period,value,note\n2025-01-01,3,'=new rota\n")
    assert figures_of(falls)[0][4] == "=new rota"


def test_columns_the_upload_does_not_read_are_named(client, lead, falls):
    client.force_login(lead)
    upload(client, falls, b"period,value,ward\n2025-01-01,3,Ward 3\n")
    page = client.get(falls.get_absolute_url()).text
    assert "The file is uploaded. 1 row added. The column ward went unread." in page
