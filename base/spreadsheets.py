"""CSV downloads that a spreadsheet opens safely and reads correctly: every export writes through
csv_download."""

from __future__ import annotations

import csv

from django.http import HttpResponse

# A spreadsheet runs a cell that starts with one of these as a formula (or, with tab and line
# breaks, after skipping them). Excel also reads the full-width signs that East Asian keyboards
# type as their ASCII twins (U+FF1D, U+FF0B, U+FF0D, U+FF20), so a member's name written with
# a full-width equals sign runs too.
FORMULA_STARTS = frozenset("=+-@\t\r\n\uff1d\uff0b\uff0d\uff20")


def safe_cell(value):
    """Text that would run as a formula, prefixed with an apostrophe so it shows as typed."""
    if isinstance(value, str) and value[:1] in FORMULA_STARTS:
        return f"'{value}"
    return value


class SafeWriter:
    """csv.writer's writerow, every cell made safe first."""

    def __init__(self, response: HttpResponse):
        self._writer = csv.writer(response)

    def writerow(self, row) -> None:
        self._writer.writerow([safe_cell(value) for value in row])


def csv_download(filename: str) -> tuple[HttpResponse, SafeWriter]:
    """A CSV attachment and the writer for its rows."""
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    # Without a byte-order mark Excel reads the file in the computer's own code page, and
    # "Siobhán Ó Ceallaigh" comes out as "SiobhÃ¡n Ã“ Ceallaigh".
    response.write("\ufeff")
    return response, SafeWriter(response)
