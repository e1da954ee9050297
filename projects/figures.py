"""Figures as people write them: reading and checking the rows of a measure's figures, typed in
the table or uploaded as a CSV file, with one set of rules for both; and how periods and figures
are written back to them.

Nothing here touches the database: projects.measures saves what passes.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from base.fields import single_line
from base.spreadsheets import FORMULA_STARTS
from projects import spc
from projects.models import Measure

# Charts of a proportion or a rate: a numerator over a denominator, not a value.
RATIO_CHARTS = (Measure.Chart.P, Measure.Chart.U)
# Columns an upload reads; the analysis' own columns (a downloaded file's) are left alone.
UPLOAD_READS = ("period", "value", "numerator", "denominator", "note")
UPLOAD_LEAVES = ("phase", "centre", "lower", "upper", "signals")
PERIOD_ALIASES = ("date", "week", "month", "sample")
UPLOAD_MAX_BYTES = 1024 * 1024
UPLOAD_MAX_ROWS = 5000
# A figure must fit the database's column (14 digits, 4 after the point).
LARGEST = Decimal("9999999999.9999")
NOTE_LENGTH = 200
# The dates a chart can show: a year of four figures, each day with a day after it. A year
# typed wrong (9999, 0202) would otherwise stretch every chart of the measure to it.
FIRST_DAY = date(1900, 1, 1)
LAST_DAY = date(2100, 12, 31)

MONTHS = spc.MONTH_NAMES
_MONTH_NUMBERS = {name.lower(): number for number, name in enumerate(MONTHS, start=1)} | {
    name[:3].lower(): number for number, name in enumerate(MONTHS, start=1)
}


class OutsideTheCalendar(ValueError):
    """A date that reads as a date but that no chart can show, with the reason."""


class FileRefused(Exception):
    """An uploaded file that cannot be read as a measure's figures, with the reason."""


@dataclass(frozen=True)
class Problem:
    """What is wrong with one row of figures, in the member's words."""

    row: int
    field: str  # the column at fault ("period", "value", ...), or "" for the whole row
    reason: str

    def __str__(self) -> str:
        return f"Row {self.row}: {self.reason}"


class BadRows(Exception):
    """Rows of figures that cannot be saved; none of the rows given was saved."""

    def __init__(self, problems: Sequence[Problem]):
        super().__init__(f"{len(problems)} problems")
        self.problems = list(problems)

    @property
    def rows(self) -> list[int]:
        return sorted({problem.row for problem in self.problems})


@dataclass(frozen=True)
class Entry:
    """One row of figures as the member typed or uploaded it: text, not yet checked."""

    row: int
    period: str = ""
    value: str = ""
    numerator: str = ""
    denominator: str = ""
    note: str | None = ""  # None: the file had no note column, so a note kept stays
    sample: int | None = None  # the stored sample a row of the table shows
    remove: bool = False

    def blank(self) -> bool:
        return self.sample is None and not any(
            (self.period, self.value, self.numerator, self.denominator, self.note)
        )


@dataclass(frozen=True)
class Figures:
    """A row of figures, checked."""

    row: int
    period: date
    value: Decimal | None = None
    numerator: Decimal | None = None
    denominator: Decimal | None = None
    note: str | None = ""
    sample: int | None = None
    remove: bool = False


def period_start(period: str, on: date) -> date:
    """A week's figures belong to its Monday, a month's to its first day."""
    if period == Measure.Period.WEEK:
        return on - timedelta(days=on.weekday())
    if period == Measure.Period.MONTH:
        return on.replace(day=1)
    return on


def period_label(period: str, on: date) -> str:
    if period == Measure.Period.MONTH:
        return f"{MONTHS[on.month - 1]} {on.year}"
    if period == Measure.Period.WEEK:
        return f"Week of {on.day} {MONTHS[on.month - 1][:3]} {on.year}"
    return f"{on.day} {MONTHS[on.month - 1]} {on.year}"


def period_heading(period: str) -> str:
    return {
        Measure.Period.WEEK: "Week beginning",
        Measure.Period.MONTH: "Month",
    }.get(period, "Date of the sample")


def period_written(period: str, on: date) -> str:
    """A period as the figures table shows it in its box, ready to be read back: its year
    in four figures, as parse_period reads it."""
    if period == Measure.Period.MONTH:
        return f"{MONTHS[on.month - 1]} {on.year:04d}"
    return f"{on.day:02d}/{on.month:02d}/{on.year:04d}"


def next_period(period: str, on: date) -> date:
    """The start of the period after the one starting `on`; the calendar's last day for the
    last period it holds."""
    try:
        if period == Measure.Period.WEEK:
            return on + timedelta(days=7)
        if period == Measure.Period.MONTH:
            return date(on.year + on.month // 12, on.month % 12 + 1, 1)
        return on + timedelta(days=1)
    except (OverflowError, ValueError):
        return date.max


def written(amount: float | Decimal | None) -> str:
    """A figure as a table shows it: 1,250, 12.5, 0.833; blank for none."""
    if amount is None:
        return ""
    amount = float(amount)
    if amount == round(amount):
        return f"{amount:,.0f}"
    decimals = 1 if abs(amount) >= 100 else 2 if abs(amount) >= 1 else 3
    return f"{amount:,.{decimals}f}".rstrip("0").rstrip(".")


def figure_written(amount: Decimal | None) -> str:
    """A stored figure as a person writes it: 12.5, not 12.5000 (nor 1.25E+1)."""
    if amount is None:
        return ""
    return format(amount.normalize(), "f")


_ISO_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?")
_DAY_FIRST = re.compile(r"(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})(?: \d{1,2}:\d{2}(?::\d{2})?)?")
_ISO_MONTH = re.compile(r"(\d{4})-(\d{1,2})")
_MONTH_YEAR = re.compile(r"(\d{1,2})/(\d{4})")
_NAMED_MONTH = re.compile(r"([A-Za-z]+)\.?[ \-](\d{4})")
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)")
_GROUPED = re.compile(r"[+-]?\d{1,3}(?:,\d{3})+(?:\.\d*)?")


def _shown(text: str) -> str:
    return text if len(text) <= 40 else text[:39] + "…"


def parse_period(text: str, period: str) -> date | None:
    """A date as written in a table or a spreadsheet: 2026-03-31 or 31/03/2026 (and, for a
    month's figures, 2026-03, 03/2026 or March 2026). None if it is not a date;
    OutsideTheCalendar if it is one no chart can show (before 1900 or after 2100)."""
    text = text.strip()
    day = month = year = None
    if found := _ISO_DATE.fullmatch(text):
        year, month, day = (int(part) for part in found.groups())
    elif found := _DAY_FIRST.fullmatch(text):
        day, month, year = (int(part) for part in found.groups())
    elif period == Measure.Period.MONTH:
        day = 1
        if found := _ISO_MONTH.fullmatch(text):
            year, month = (int(part) for part in found.groups())
        elif found := _MONTH_YEAR.fullmatch(text):
            month, year = (int(part) for part in found.groups())
        elif (found := _NAMED_MONTH.fullmatch(text)) and (found.group(1).lower() in _MONTH_NUMBERS):
            month, year = _MONTH_NUMBERS[found.group(1).lower()], int(found.group(2))
    if year is None:
        return None
    try:
        when = date(year, month, day)
    except ValueError:
        return None
    if not FIRST_DAY <= when <= LAST_DAY:
        raise OutsideTheCalendar(
            f"{year:04d} is not a year the chart can show: use a date between"
            f" {FIRST_DAY.year} and {LAST_DAY.year}"
        )
    return when


def parse_figure(text: str) -> Decimal | None:
    """A number as a person or a spreadsheet writes it (12, 12.5, 1,250); None if it is not."""
    text = text.strip().replace(" ", "")
    if _GROUPED.fullmatch(text):
        text = text.replace(",", "")
    if not _NUMBER.fullmatch(text):
        return None
    try:
        return Decimal(text)
    except InvalidOperation:  # pragma: no cover (the pattern lets through only numbers)
        return None


def _check_figure(
    entry: Entry, column: str, *, required: str, whole: bool, at_least: str
) -> tuple[Decimal | None, list[Problem]]:
    """One figure of a row, read and held to its chart's rules."""
    text = getattr(entry, column).strip()
    if not text:
        return None, [Problem(entry.row, column, required)]
    amount = parse_figure(text)
    if amount is None:
        return None, [Problem(entry.row, column, f"{_shown(text)} is not a number")]
    if abs(amount) > LARGEST:
        return None, [Problem(entry.row, column, f"{_shown(text)} is too large")]
    if at_least == "positive" and amount <= 0:
        return None, [Problem(entry.row, column, f"the {column} must be more than 0")]
    if at_least == "zero" and amount < 0:
        return None, [Problem(entry.row, column, f"the {column} cannot be less than 0")]
    if whole and amount != amount.to_integral_value():
        return None, [Problem(entry.row, column, f"the {column} must be a whole number")]
    return amount.quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP), []


def _check_entry(measure: Measure, entry: Entry) -> tuple[Figures | None, list[Problem]]:
    if entry.remove and entry.sample is not None:
        return Figures(row=entry.row, period=date.min, sample=entry.sample, remove=True), []
    problems: list[Problem] = []
    when = None
    period_text = entry.period.strip()
    if not period_text:
        problems.append(
            Problem(entry.row, "period", f"give the {period_heading(measure.period).lower()}")
        )
    else:
        try:
            when = parse_period(period_text, measure.period)
        except OutsideTheCalendar as refusal:
            problems.append(Problem(entry.row, "period", str(refusal)))
        else:
            if when is None:
                problems.append(
                    Problem(entry.row, "period", f"{_shown(period_text)} is not a date")
                )
            else:
                when = period_start(measure.period, when)
    figures: dict[str, Decimal | None] = {}
    if measure.chart in RATIO_CHARTS:
        counted = "the count of events" if measure.chart == Measure.Chart.U else "the numerator"
        figures["numerator"], found = _check_figure(
            entry, "numerator", required=f"give {counted}", whole=True, at_least="zero"
        )
        problems += found
        figures["denominator"], found = _check_figure(
            entry,
            "denominator",
            required="give the denominator",
            whole=measure.chart == Measure.Chart.P,
            at_least="positive",
        )
        problems += found
        numerator, denominator = figures["numerator"], figures["denominator"]
        if (
            measure.chart == Measure.Chart.P
            and numerator is not None
            and denominator is not None
            and numerator > denominator
        ):
            problems.append(
                Problem(
                    entry.row,
                    "numerator",
                    f"the numerator ({figure_written(numerator)}) is more than the denominator"
                    f" ({figure_written(denominator)}): a proportion cannot be more than all",
                )
            )
    else:
        count = measure.chart == Measure.Chart.C
        figures["value"], found = _check_figure(
            entry,
            "value",
            required="give the count" if count else "give the value",
            whole=count,
            at_least="zero" if count else "",
        )
        problems += found
    note = entry.note
    if note is not None:
        note = single_line(" ".join(note.split()))
        if len(note) > NOTE_LENGTH:
            problems.append(
                Problem(entry.row, "note", f"the note is longer than {NOTE_LENGTH} characters")
            )
    if problems:
        return None, problems
    return Figures(row=entry.row, period=when, note=note, sample=entry.sample, **figures), []


def entries_check(
    *, measure: Measure, entries: Iterable[Entry]
) -> tuple[list[Figures], list[Problem]]:
    """Every row that is not blank, checked against the measure's chart: the rows that are
    right, and a problem for each one that is not."""
    checked: list[Figures] = []
    problems: list[Problem] = []
    for entry in entries:
        if entry.blank():
            continue
        figures, found = _check_entry(measure, entry)
        problems += found
        if figures is not None:
            checked.append(figures)
    return checked, problems


def refuse(problems: list[Problem]) -> None:
    if problems:
        raise BadRows(sorted(problems, key=lambda problem: problem.row))


def one_row_a_period(measure: Measure, figures: Sequence[Figures], where: str) -> list[Problem]:
    """Weeks and months have one row each: the second row for one is named."""
    if measure.period == Measure.Period.SAMPLE:
        return []
    first_row: dict[date, int] = {}
    problems = []
    for row in figures:
        if row.remove:
            continue
        if row.period in first_row:
            problems.append(
                Problem(
                    row.row,
                    "period",
                    f"{period_label(measure.period, row.period)} is already on row"
                    f" {first_row[row.period]} {where}: give each"
                    f" {'week' if measure.period == Measure.Period.WEEK else 'month'} one row",
                )
            )
        else:
            first_row[row.period] = row.row
    return problems


def _decode(raw: bytes) -> str:
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return raw.decode("utf-16")
        except UnicodeDecodeError:
            raise FileRefused("This file is not a CSV file we can read.") from None
    # Excel's "CSV UTF-8" starts with a byte-order mark; its plain "CSV" is in the Windows
    # code page, which every byte but five decodes in; Latin-1 takes whatever is left.
    for encoding in ("utf-8-sig", "cp1252", "latin-1"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise FileRefused("This file is not a CSV file we can read.")  # pragma: no cover


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f]")


def _column_name(cell: str) -> str:
    name = cell.strip().strip("\ufeff").strip().lower()
    return "period" if name in PERIOD_ALIASES else ("note" if name == "notes" else name)


def _unguarded(note: str) -> str:
    # Our own download puts an apostrophe before a note that a spreadsheet would run as a
    # formula (base.spreadsheets); the same file uploaded again keeps the note as it was.
    if len(note) > 1 and note[0] == "'" and note[1] in FORMULA_STARTS:
        return note[1:]
    return note


def read_csv(upload, *, measure: Measure) -> tuple[list[Entry], tuple[str, ...]]:
    """The rows of an uploaded CSV file as entries, and the columns it had that are not read;
    FileRefused if the file itself cannot be read (too large, not CSV, no header, no figures)."""
    name = getattr(upload, "name", "") or ""
    if not name.lower().endswith(".csv"):
        raise FileRefused("Choose a CSV file: its name ends in .csv.")
    if (upload.size or 0) > UPLOAD_MAX_BYTES:
        raise FileRefused("The file is larger than 1 MB: choose the CSV of this measure's figures.")
    upload.seek(0)
    raw = upload.read(UPLOAD_MAX_BYTES + 1)
    if len(raw) > UPLOAD_MAX_BYTES:
        raise FileRefused("The file is larger than 1 MB: choose the CSV of this measure's figures.")
    if raw.startswith(b"PK\x03\x04") or raw.startswith(b"\xd0\xcf\x11\xe0"):
        raise FileRefused(
            "This is a spreadsheet workbook, not a CSV file: in Excel choose File, Save As,"
            " and CSV UTF-8, then upload that file."
        )
    text = _decode(raw)
    if _CONTROL.search(text):
        raise FileRefused("This file is not a CSV file: it holds data that is not text.")
    if not text.strip().strip("\ufeff").strip():
        raise FileRefused("The file is empty.")
    first_line = text.lstrip().splitlines()[0]
    delimiter = max((",", ";", "\t"), key=first_line.count)
    records = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    columns: dict[str, int] | None = None
    ignored: list[str] = []
    entries: list[Entry] = []
    number = 0
    try:
        for number, record in enumerate(records, start=1):
            if not any(cell.strip() for cell in record):
                continue
            if columns is None:
                columns, ignored = _header(record, measure=measure)
                continue
            if len(entries) >= UPLOAD_MAX_ROWS:
                raise FileRefused(
                    f"The file has more than {UPLOAD_MAX_ROWS:,} rows of figures:"
                    " upload it in parts."
                )
            entries.append(_entry(number, record, columns))
    except csv.Error:
        raise FileRefused(f"Row {number + 1} cannot be read as CSV: is this a CSV file?") from None
    if not entries:
        raise FileRefused("The file has its column names but no figures under them.")
    return entries, tuple(ignored)


def _entry(number: int, record: list[str], columns: dict[str, int]) -> Entry:
    def cell(column: str) -> str:
        at = columns.get(column)
        return record[at] if at is not None and at < len(record) else ""

    return Entry(
        row=number,
        period=cell("period"),
        value=cell("value"),
        numerator=cell("numerator"),
        denominator=cell("denominator"),
        note=_unguarded(cell("note").strip()) if "note" in columns else None,
    )


def _reads_as_a_date(text: str, period: str) -> bool:
    try:
        return parse_period(text, period) is not None
    except OutsideTheCalendar:
        return True


def upload_columns(measure: Measure) -> tuple[str, ...]:
    """The columns an upload of this measure's figures needs, then the optional note."""
    figures = ("numerator", "denominator") if measure.chart in RATIO_CHARTS else ("value",)
    return ("period", *figures, "note")


def _header(record: list[str], *, measure: Measure) -> tuple[dict[str, int], list[str]]:
    names = [_column_name(cell) for cell in record]
    wanted = ("numerator", "denominator") if measure.chart in RATIO_CHARTS else ("value",)
    if "period" not in names:
        if record and _reads_as_a_date(record[0], measure.period):
            raise FileRefused(
                "The first row must name the columns: period, "
                + ", ".join(wanted)
                + " (and a note if you wish). Add that row above your figures."
            )
        raise FileRefused(
            "The file has no period column: its first row must name the columns period, "
            + ", ".join(wanted)
            + " (and a note if you wish)."
        )
    columns: dict[str, int] = {}
    ignored: list[str] = []
    for at, name in enumerate(names):
        if not name:
            continue
        if name in columns:
            raise FileRefused(f"The column {name} is in the file twice.")
        if name in UPLOAD_READS:
            columns[name] = at
        elif name not in UPLOAD_LEAVES:
            ignored.append(record[at].strip()[:40])
    missing = [name for name in wanted if name not in columns]
    if missing:
        chart = measure.get_chart_display().split(":")[0]
        raise FileRefused(f"The file has no {' or '.join(missing)} column, which a {chart} needs.")
    return columns, ignored
