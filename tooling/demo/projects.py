"""Demo improvement projects for seed_demo: eight teams' aims, driver diagrams, PDSA ramps and
measures whose data shows what each kind of chart is for.

Across the eight, the charts show (tests/tooling/test_demo_projects.py holds them to it):

- a shift on a run chart (IHI rules: 6 or more points below the median after falls huddles);
- a trend (5 or more points rising as a care plan bundle spread);
- points outside the control limits (a storm week on a C chart, a form outage on an I chart);
- a P chart whose limits vary with each week's admissions;
- U charts of pressure ulcers and infections per 1,000 resident days;
- a new phase after a change (discharge to assess), with its own centre line and limits.

The figures are written out, not drawn at random, so that every run of seed_demo makes the same
charts; only their dates move, so that the latest point is always last month (or last week).
Idempotent: projects are found by their slug, their parts by their natural keys.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta

from django.utils import timezone

from communities.models import Community
from events.models import Event
from members.models import Organisation, Profile, Topic, User
from members.roles import ANY_MEMBER
from projects.measures import measure_analysed
from projects.models import (
    ChangeIdea,
    Cycle,
    Driver,
    Measure,
    Phase,
    Project,
    Sample,
    TeamMember,
)
from projects.services import projects_index
from resources.models import Resource

# --- what a demo project is made of ------------------------------------------------------------


@dataclass(frozen=True)
class DemoCycle:
    question: str
    prediction: str
    plan: str
    done: str
    study: str
    decision: str  # adopt, adapt or abandon; "" while the cycle is still running
    next_steps: str
    weeks_ago: int  # when it started, counted back from today
    weeks: int = 2  # how long it ran


@dataclass(frozen=True)
class DemoIdea:
    key: str  # the slug's end, unique across the demo
    title: str
    description: str
    driver: str  # the secondary driver's text it hangs from
    cycles: tuple[DemoCycle, ...] = ()
    adopts: str = ""  # the key of another project's idea it adopts (spread)


@dataclass(frozen=True)
class DemoMeasure:
    title: str
    kind: str
    definition: str
    chart: str
    rules: str
    direction: str
    period: str  # month or week: the points end with the last whole month or week
    values: tuple[float, ...] = ()  # run, I and C charts
    numerators: tuple[float, ...] = ()  # P and U charts
    denominators: tuple[float, ...] = ()
    unit: str = ""
    target: float | None = None
    baseline: int | None = None
    phase: tuple[int, str] | None = None  # (the point a new phase starts at, its label)
    notes: tuple[tuple[int, str], ...] = ()  # (point, what happened then)

    @property
    def points(self) -> int:
        return len(self.values or self.numerators)


@dataclass(frozen=True)
class DemoProject:
    slug: str
    title: str
    aim: str
    summary: str
    status: str
    level: str
    visibility: str
    organisations: tuple[str, ...]
    topics: tuple[str, ...]
    lead: str  # a demo account's address, or "" for one of the fictional members
    team: tuple[tuple[str, str], ...]  # (a demo account's address or "", role)
    drivers: tuple[tuple[str, tuple[str, ...]], ...]  # primary driver, its secondary drivers
    ideas: tuple[DemoIdea, ...]
    measures: tuple[DemoMeasure, ...]
    started_weeks_ago: int
    public_charts: bool = False
    communities: tuple[str, ...] = ()
    events: tuple[str, ...] = ()
    resource_topics: tuple[str, ...] = ()  # a published resource on each topic helped
    team_size: int = 4  # fictional members alongside the named ones


# --- the eight projects ------------------------------------------------------------------------

FALLS = DemoProject(
    slug="fewer-falls-in-fifes-community-hospitals",
    title="Fewer falls in Fife's community hospitals",
    aim=(
        "Reduce falls in our three community hospitals from 8.7 to 6 per 1,000 occupied bed days"
        " by March 2027, for the older people who stay with us while they recover."
    ),
    summary=(
        "Most of the people in our community hospital beds are over 80 and many are living with"
        " frailty or delirium. A fall can undo weeks of rehabilitation.\n\n"
        "We started with a **ten-minute safety huddle** at each shift change on one ward and"
        " have spread it to all three hospitals. Lying and standing blood pressure is now part"
        " of every admission. Our run chart shows a shift below the baseline median that has"
        " held for over a year."
    ),
    status=Project.Status.SPREADING,
    level=Project.Level.PARTNERSHIP,
    visibility=Project.Visibility.PUBLIC,
    public_charts=True,
    organisations=("Fife Health and Social Care Partnership", "NHS Fife"),
    topics=("Falls prevention", "Frailty", "Patient safety"),
    communities=("Frailty Improvement Network", "Data and Measurement Clinic"),
    events=("Huddles that stick: a learning session", "Measurement for improvement basics"),
    resource_topics=("Falls prevention",),
    lead="member@example.org",
    team=(("", TeamMember.Role.MEMBER), ("", TeamMember.Role.MEMBER)),
    drivers=(
        (
            "Everyone on shift knows who is at risk of falling",
            ("A shared picture of risk at every handover", "Risk reviewed when things change"),
        ),
        (
            "Causes of falls are found and treated",
            ("Lying and standing blood pressure on admission", "Medicines that raise the risk"),
        ),
        (
            "Wards that make falling less likely",
            ("Call bells, footwear and lighting in reach",),
        ),
    ),
    ideas=(
        DemoIdea(
            key="falls-safety-huddle",
            title="Ten-minute safety huddle at every shift change",
            description=(
                "Nurses, healthcare support workers and the physiotherapist stand together at"
                " the start of each shift for ten minutes, name each patient at risk of falling"
                " and agree one action for each."
            ),
            driver="A shared picture of risk at every handover",
            cycles=(
                DemoCycle(
                    question="Can we hold a ten-minute huddle at the morning handover on Ward 2?",
                    prediction="It will happen on four mornings out of five and take under ten"
                    " minutes.",
                    plan="The charge nurse leads it by the whiteboard at 07:45 for one week,"
                    " using a list of the patients flagged at risk.",
                    done="Held on five mornings in the week of 3 March; two ran to fifteen"
                    " minutes.",
                    study="It happened every day, better than predicted, but took longer when"
                    " the whiteboard was out of date. Staff said they knew the risks better.",
                    decision=Cycle.Decision.ADAPT,
                    next_steps="Update the whiteboard before the huddle; try the evening shift.",
                    weeks_ago=73,
                    weeks=1,
                ),
                DemoCycle(
                    question="Does the huddle work at the evening handover, with fewer staff?",
                    prediction="It will happen on three evenings out of five.",
                    plan="The nurse in charge leads it at 19:45 with the whiteboard updated by"
                    " the day team.",
                    done="Held on four evenings of five over two weeks; the night team joined"
                    " by phone once.",
                    study="Close to the prediction. Bank staff valued it most. The prompt card"
                    " kept it short.",
                    decision=Cycle.Decision.ADOPT,
                    next_steps="Every shift on Ward 2; test on Ward 3 next.",
                    weeks_ago=70,
                ),
                DemoCycle(
                    question="Will Ward 3 run the huddle with the same prompt card and no"
                    " coaching?",
                    prediction="It will happen on most shifts from the first week.",
                    plan="Give Ward 3 the prompt card and a ten-minute briefing; the Ward 2"
                    " charge nurse visits once.",
                    done="Held on 11 of 14 shifts in the first fortnight.",
                    study="Better than predicted. Ward 3 added a column for footwear on the board.",
                    decision=Cycle.Decision.ADOPT,
                    next_steps="Spread to Randolph Wemyss and Queen Margaret's community wards.",
                    weeks_ago=66,
                ),
            ),
        ),
        DemoIdea(
            key="falls-lying-standing-bp",
            title="Lying and standing blood pressure for everyone admitted",
            description=(
                "A drop in blood pressure on standing causes many falls in older people and is"
                " often missed. Measure it on admission and act on it."
            ),
            driver="Lying and standing blood pressure on admission",
            cycles=(
                DemoCycle(
                    question="How often is lying and standing blood pressure recorded within a"
                    " day of admission now?",
                    prediction="About half of admissions.",
                    plan="Audit the last 30 admissions' notes.",
                    done="Audited 30 sets of notes in one afternoon.",
                    study="Only 11 of 30 (37%), fewer than predicted. Most were missed at"
                    " weekends.",
                    decision=Cycle.Decision.ADAPT,
                    next_steps="Add it to the admission checklist and test at weekends.",
                    weeks_ago=60,
                ),
                DemoCycle(
                    question="Will a line on the admission checklist make it happen at weekends?",
                    prediction="Eight of ten weekend admissions will have it.",
                    plan="Add the line; the weekend nurse in charge checks it at 14:00.",
                    done="Two weekends, 12 admissions.",
                    study="9 of 12, close to the prediction. The manual cuff was hard to find"
                    " on one ward.",
                    decision=Cycle.Decision.ADOPT,
                    next_steps="A manual cuff on each ward's falls trolley.",
                    weeks_ago=56,
                ),
            ),
        ),
        DemoIdea(
            key="falls-call-bell-check",
            title="Call bell, glasses and footwear check on every intentional round",
            description="Everything a patient needs within reach before staff leave the bay.",
            driver="Call bells, footwear and lighting in reach",
        ),
    ),
    measures=(
        DemoMeasure(
            title="Falls per 1,000 occupied bed days",
            kind=Measure.Kind.OUTCOME,
            definition=(
                "Falls recorded in Datix for the three community hospitals in the month,"
                " divided by the occupied bed days from TrakCare, times 1,000. Counted on the"
                " fifth working day of the next month."
            ),
            chart=Measure.Chart.RUN,
            rules=Measure.Rules.IHI,
            direction=Measure.Direction.DOWN,
            period=Measure.Period.MONTH,
            unit="falls per 1,000 bed days",
            target=6,
            baseline=12,
            # 14 months around a median of 8.75, then the huddles: 17 points below it.
            values=(
                *(8.9, 7.6, 9.4, 8.2, 10.1, 8.7, 7.9, 9.8, 8.4, 9.1, 7.7, 8.8, 9.3, 8.1),
                *(7.4, 6.9, 7.8, 6.2, 6.6, 5.9, 7.1, 6.4, 5.8, 6.7, 6.0, 5.5, 6.3, 5.7, 6.1),
                5.6,
            ),
            notes=((14, "Huddles on Ward 2"), (19, "Huddles in all three hospitals")),
        ),
        DemoMeasure(
            title="Admissions with lying and standing blood pressure within 24 hours",
            kind=Measure.Kind.PROCESS,
            definition=(
                "Of the month's admissions to the three hospitals, those whose lying and"
                " standing blood pressure is recorded on the admission checklist within 24"
                " hours. Every admission's checklist is read."
            ),
            chart=Measure.Chart.P,
            rules=Measure.Rules.MDC,
            direction=Measure.Direction.UP,
            period=Measure.Period.MONTH,
            target=0.9,
            baseline=12,
            numerators=(
                *(22, 29, 27, 20, 33, 26, 24, 31, 19, 28, 25, 30, 27, 24),
                *(36, 42, 47, 45, 51, 44, 49, 53, 46, 50, 48, 55, 47, 52, 49, 51),
            ),
            denominators=(
                *(41, 46, 44, 35, 52, 43, 38, 49, 33, 45, 40, 47, 44, 39),
                *(48, 52, 55, 51, 57, 50, 55, 58, 52, 55, 53, 60, 51, 56, 54, 55),
            ),
        ),
    ),
    started_weeks_ago=78,
)

PRESSURE_ULCERS = DemoProject(
    slug="pressure-ulcer-free-care-homes-in-highland",
    title="Pressure ulcer free care homes in Highland",
    aim=(
        "Halve pressure ulcers of grade 2 to 4 in six Highland care homes, from 3 to 1.5 per"
        " 1,000 resident days, by the end of 2026, for the 230 people who live there."
    ),
    summary=(
        "Six care homes, the care home support team and tissue viability nurses working"
        " together. We use the **SSKIN bundle** (surface, skin inspection, keep moving,"
        " incontinence, nutrition) and borrowed the falls huddle from a Fife team."
    ),
    status=Project.Status.SUSTAINED,
    level=Project.Level.REGIONAL,
    visibility=Project.Visibility.MEMBERS,
    organisations=(
        "Scottish Care",
        "Highland Health and Social Care Partnership",
        "NHS Highland",
    ),
    topics=("Care homes", "Patient safety"),
    communities=("Care Home Improvement Forum", "Highland Community Health Practitioners"),
    events=("Care home quality improvement meet-up",),
    resource_topics=("Care homes",),
    lead="",
    team=(("", TeamMember.Role.MEMBER), ("", TeamMember.Role.SPONSOR)),
    drivers=(
        (
            "Skin damage is spotted early",
            ("Daily skin inspection by carers", "Carers confident to grade damage"),
        ),
        (
            "Residents at risk keep moving",
            ("Repositioning that fits each resident's day", "The right mattress in time"),
        ),
    ),
    ideas=(
        DemoIdea(
            key="pressure-ulcers-sskin-care-plan",
            title="SSKIN care plan reviewed weekly for every resident at risk",
            description="A one-page SSKIN plan by the bed, reviewed each week with the resident.",
            driver="Daily skin inspection by carers",
            cycles=(
                DemoCycle(
                    question="Can carers complete a one-page SSKIN plan with residents in under"
                    " fifteen minutes?",
                    prediction="Yes for most residents, longer for those living with dementia.",
                    plan="Two carers at Home A try it with five residents on one day.",
                    done="Five plans written in one afternoon.",
                    study="Eleven minutes on average; two residents living with dementia took"
                    " twenty-five minutes with a relative present.",
                    decision=Cycle.Decision.ADAPT,
                    next_steps="Invite relatives to the review for residents living with dementia.",
                    weeks_ago=100,
                ),
                DemoCycle(
                    question="Will weekly reviews happen if they are on the activity board?",
                    prediction="Nine of ten due reviews will be done.",
                    plan="Add reviews to Home A's weekly board for a month.",
                    done="38 of 44 reviews done in four weeks.",
                    study="86%, a little under the prediction; missed reviews were on the weekend.",
                    decision=Cycle.Decision.ADOPT,
                    next_steps="Move weekend reviews to Friday; spread to Homes B and C.",
                    weeks_ago=96,
                    weeks=4,
                ),
                DemoCycle(
                    question="Will Homes B and C keep the reviews going with one visit from"
                    " the support team?",
                    prediction="Above 80% of reviews done in each home by the second month.",
                    plan="One visit, the plan template and a weekly phone call.",
                    done="Two months in both homes.",
                    study="Home B 91%, Home C 74%: Home C had three carers leave.",
                    decision=Cycle.Decision.ADOPT,
                    next_steps="All six homes, with a buddy carer for new starters.",
                    weeks_ago=88,
                    weeks=8,
                ),
            ),
        ),
        DemoIdea(
            key="pressure-ulcers-safety-huddle",
            title="Daily safety huddle in each care home",
            description=(
                "Adopted from the Fife community hospitals' falls huddle: ten minutes at the"
                " morning handover to name residents at risk of skin damage."
            ),
            driver="Carers confident to grade damage",
            adopts="falls-safety-huddle",
            cycles=(
                DemoCycle(
                    question="Does the Fife huddle's prompt card work in a care home?",
                    prediction="It will need changes: care homes have fewer staff on shift.",
                    plan="Home A tries the card unchanged for one week.",
                    done="Held on six of seven mornings.",
                    study="It worked, but skin needed its own line on the card.",
                    decision=Cycle.Decision.ADAPT,
                    next_steps="A care home version of the card with a line for skin.",
                    weeks_ago=60,
                ),
                DemoCycle(
                    question="Will the care home card make carers raise skin concerns sooner?",
                    prediction="Two or more concerns a week raised at the huddle.",
                    plan="Use the new card at Homes A and D for a month.",
                    done="Four weeks in two homes.",
                    study="Three a week on average; tissue viability saw two residents a day"
                    " earlier than before.",
                    decision=Cycle.Decision.ADOPT,
                    next_steps="All six homes.",
                    weeks_ago=55,
                    weeks=4,
                ),
            ),
        ),
    ),
    measures=(
        DemoMeasure(
            title="Pressure ulcers (grade 2 to 4) per 1,000 resident days",
            kind=Measure.Kind.OUTCOME,
            definition=(
                "New pressure ulcers of grade 2 to 4 found in the six homes in the month,"
                " over the month's resident days in thousands (the homes' occupancy returns)."
            ),
            chart=Measure.Chart.U,
            rules=Measure.Rules.MDC,
            direction=Measure.Direction.DOWN,
            period=Measure.Period.MONTH,
            unit="per 1,000 resident days",
            target=1.5,
            baseline=12,
            numerators=(
                *(17, 14, 16, 19, 15, 13, 18, 16, 14, 17, 15, 16),
                *(12, 10, 9, 8, 7, 8, 6, 7, 9, 6, 7, 5, 7, 6, 8, 6),
            ),
            denominators=(
                *(5.4, 5.2, 5.6, 5.5, 5.3, 5.6, 5.5, 5.2, 5.6, 5.4, 5.6, 5.5),
                *(5.3, 5.6, 5.4, 5.6, 5.5, 5.3, 5.6, 5.5, 5.3, 5.5, 5.4, 5.6, 5.6, 5.1, 5.6, 5.4),
            ),
        ),
        DemoMeasure(
            title="Residents at risk with an SSKIN plan reviewed this week",
            kind=Measure.Kind.PROCESS,
            definition=(
                "Of residents with a Waterlow score of 10 or more on the last day of the month,"
                " the percentage whose SSKIN plan was reviewed in the previous seven days."
            ),
            chart=Measure.Chart.RUN,
            rules=Measure.Rules.IHI,
            direction=Measure.Direction.UP,
            period=Measure.Period.MONTH,
            unit="%",
            target=95,
            baseline=8,
            # A plateau, then seven months rising as the bundle spread home by home.
            values=(
                *(52, 57, 49, 55, 60, 51, 56, 54),
                *(58, 64, 71, 77, 83, 88, 92),
                *(90, 93, 91, 94, 92, 95, 93, 94, 96, 92, 95, 94, 93),
            ),
        ),
    ),
    started_weeks_ago=118,
)

DISCHARGE = DemoProject(
    slug="home-from-hospital-without-delay-in-edinburgh",
    title="Home from hospital without delay in Edinburgh",
    aim=(
        "Cut the bed days used by people whose discharge from the Royal Infirmary is delayed"
        " by a quarter, from 410 to 300 a week, by June 2026, so that people get home when"
        " they are ready."
    ),
    summary=(
        "A partnership project between the hospital's flow team, social work and care at home."
        " The biggest change was **discharge to assess**: people go home with a short package"
        " of care and are assessed there, not on the ward. The chart starts a new phase on the"
        " week it began."
    ),
    status=Project.Status.TESTING,
    level=Project.Level.PARTNERSHIP,
    visibility=Project.Visibility.MEMBERS,
    organisations=("Edinburgh Health and Social Care Partnership", "NHS Lothian"),
    topics=("Delayed discharge", "Unscheduled care", "Integration of health and social care"),
    communities=("Unscheduled Care Collaborative", "Lothian Delayed Discharge Group"),
    events=("Delayed discharge: what worked in 2026", "Flow and frailty at the front door"),
    resource_topics=("Delayed discharge",),
    lead="",
    team=(
        ("mentor@example.org", TeamMember.Role.MEMBER),
        ("coordinator@example.org", TeamMember.Role.SPONSOR),
    ),
    drivers=(
        (
            "Plans for going home start on the first day",
            ("An expected date of discharge for everyone", "Social work at the board round"),
        ),
        (
            "Care is ready when the person is",
            ("Assessment at home, not on the ward", "Care at home capacity matched to demand"),
        ),
        (
            "Families are part of the plan",
            ("Families told the plan within 48 hours",),
        ),
    ),
    ideas=(
        DemoIdea(
            key="discharge-social-worker-board-round",
            title="A social worker at the morning board round",
            description="Social work hears about every likely discharge on the first day.",
            driver="Social work at the board round",
            cycles=(
                DemoCycle(
                    question="Can a social worker join the 09:00 board round on Ward 107 three"
                    " days a week?",
                    prediction="Yes, and referrals to social work will come two days sooner.",
                    plan="One social worker, Monday, Wednesday and Friday for two weeks.",
                    done="Attended six board rounds.",
                    study="Referrals came on day one for 9 of 11 patients (usually day three).",
                    decision=Cycle.Decision.ADOPT,
                    next_steps="Every weekday; test on a second ward.",
                    weeks_ago=36,
                ),
                DemoCycle(
                    question="Does it work on a surgical ward with a later board round?",
                    prediction="It will, if the round moves to 09:30.",
                    plan="Ward 205, weekdays for two weeks, round at 09:30.",
                    done="Eight of ten rounds attended; the round moved back to 09:00 twice.",
                    study="Referrals earlier for most patients; clashes with the medical round"
                    " on Tuesdays.",
                    decision=Cycle.Decision.ADAPT,
                    next_steps="A fixed 09:30 slot agreed with the surgical team.",
                    weeks_ago=32,
                ),
            ),
        ),
        DemoIdea(
            key="discharge-to-assess",
            title="Discharge to assess",
            description=(
                "People well enough to leave go home with up to two weeks of care at home;"
                " their longer-term needs are assessed there."
            ),
            driver="Assessment at home, not on the ward",
            cycles=(
                DemoCycle(
                    question="Will five people a week go home to be assessed, from two wards?",
                    prediction="Four a week in the first fortnight.",
                    plan="The care at home reablement team holds five slots a week.",
                    done="Nine people in two weeks.",
                    study="Close to the prediction; two waited a day for equipment.",
                    decision=Cycle.Decision.ADAPT,
                    next_steps="Equipment ordered at the board round, not on discharge.",
                    weeks_ago=22,
                ),
                DemoCycle(
                    question="With equipment ordered earlier, can every slot be used?",
                    prediction="All ten slots a fortnight used.",
                    plan="Same two wards, equipment ordered the day the slot is booked.",
                    done="Ten of ten slots used.",
                    study="As predicted. None of the ten was readmitted within 30 days.",
                    decision=Cycle.Decision.ADOPT,
                    next_steps="Across the medical wards from the start of the month.",
                    weeks_ago=19,
                ),
                DemoCycle(
                    question="Can care at home hold the slots for all medical wards?",
                    prediction="Yes, if twelve carers move from long-term packages.",
                    plan="Twenty slots a week for six weeks.",
                    done="Running: 96 people so far.",
                    study="",
                    decision="",
                    next_steps="",
                    weeks_ago=12,
                    weeks=6,
                ),
            ),
        ),
        DemoIdea(
            key="discharge-family-call",
            title="A call to the family within 48 hours of admission",
            description="The named nurse calls the family to share the expected date of discharge.",
            driver="Families told the plan within 48 hours",
        ),
    ),
    measures=(
        DemoMeasure(
            title="Bed days used by people whose discharge is delayed, each week",
            kind=Measure.Kind.OUTCOME,
            definition=(
                "The sum over the week of patients at the Royal Infirmary recorded as delayed"
                " in the census at midnight (the delayed discharge census, all codes)."
            ),
            chart=Measure.Chart.INDIVIDUALS,
            rules=Measure.Rules.MDC,
            direction=Measure.Direction.DOWN,
            period=Measure.Period.WEEK,
            unit="bed days",
            target=300,
            phase=(21, "Discharge to assess"),
            values=(
                *(412, 398, 431, 405, 377, 420, 441, 396, 409, 388, 426, 415, 399, 437),
                *(402, 384, 418, 428, 393, 411, 404),
                *(336, 318, 311, 327, 305, 322, 314, 331, 309, 320),
                *(316, 325, 303, 319, 312, 328, 310, 321, 315),
            ),
            notes=((16, "Social worker at the board round"),),
        ),
        DemoMeasure(
            title="People home within 72 hours of being ready",
            kind=Measure.Kind.PROCESS,
            definition=(
                "Of the people recorded as fit for discharge in the week, those who left"
                " hospital within 72 hours of that moment."
            ),
            chart=Measure.Chart.P,
            rules=Measure.Rules.MDC,
            direction=Measure.Direction.UP,
            period=Measure.Period.WEEK,
            target=0.7,
            baseline=20,
            numerators=(
                *(14, 17, 12, 16, 13, 18, 15, 12, 16, 14, 17, 13, 15, 16, 14, 15, 13, 18, 16, 14),
                *(21, 24, 23, 27, 22, 26, 25, 28, 24, 27, 26, 29, 25, 28, 27, 30, 26, 29, 28, 27),
            ),
            denominators=(
                *(36, 39, 31, 42, 33, 44, 37, 30, 41, 35, 40, 32, 38, 39, 35, 37, 33, 43, 40, 34),
                *(38, 41, 37, 42, 35, 40, 38, 42, 36, 40, 38, 42, 36, 40, 38, 42, 36, 41, 39, 38),
            ),
        ),
    ),
    started_weeks_ago=44,
)

MEDICINES = DemoProject(
    slug="medicines-reconciliation-within-24-hours",
    title="Medicines reconciliation within 24 hours of admission",
    aim=(
        "By March 2027, 90% of adults admitted to the Queen Elizabeth University Hospital's"
        " acute receiving unit will have their medicines reconciled within 24 hours."
    ),
    summary=(
        "Unreconciled medicines are a common cause of harm in the first days of a stay. We put"
        " a pharmacy technician at the front door and changed how the admitting doctor records"
        " what people take at home."
    ),
    status=Project.Status.TESTING,
    level=Project.Level.LOCALITY,
    visibility=Project.Visibility.MEMBERS,
    organisations=("NHS Greater Glasgow & Clyde",),
    topics=("Medicines", "Patient safety", "Unscheduled care"),
    communities=("Unscheduled Care Collaborative",),
    events=("Medicines safety in the community",),
    resource_topics=("Medicines",),
    lead="",
    team=(("", TeamMember.Role.MEMBER), ("", TeamMember.Role.MEMBER)),
    drivers=(
        (
            "An accurate list of what people take at home",
            ("Two sources checked for every admission", "Patients and carers asked"),
        ),
        (
            "Pharmacy time where admissions happen",
            ("Pharmacy technicians in the receiving unit", "Weekend cover"),
        ),
    ),
    ideas=(
        DemoIdea(
            key="medicines-technician-front-door",
            title="A pharmacy technician in the acute receiving unit, 08:00 to 20:00",
            description="Technicians take the medicines history; pharmacists reconcile.",
            driver="Pharmacy technicians in the receiving unit",
            cycles=(
                DemoCycle(
                    question="How many admissions can one technician take a medicines history"
                    " for in a 12-hour shift?",
                    prediction="Twenty.",
                    plan="One technician on Tuesday, counting histories taken.",
                    done="One shift.",
                    study="Sixteen: the emergency care summary was slow to open.",
                    decision=Cycle.Decision.ADAPT,
                    next_steps="A second screen; test for a week.",
                    weeks_ago=26,
                    weeks=1,
                ),
                DemoCycle(
                    question="With a second screen, does the technician reach twenty a shift?",
                    prediction="Twenty or more on most days.",
                    plan="Weekdays for one week.",
                    done="Five shifts.",
                    study="Twenty-two a shift on average. Reconciliation within 24 hours rose"
                    " that week.",
                    decision=Cycle.Decision.ADOPT,
                    next_steps="Seven days a week from the next rota.",
                    weeks_ago=22,
                    weeks=1,
                ),
            ),
        ),
        DemoIdea(
            key="medicines-ask-the-patient",
            title="Ask the patient or carer to bring their medicines and list",
            description="A text message the day before a planned admission.",
            driver="Patients and carers asked",
        ),
    ),
    measures=(
        DemoMeasure(
            title="Admissions with medicines reconciled within 24 hours",
            kind=Measure.Kind.PROCESS,
            definition=(
                "Of adults admitted to the acute receiving unit in the week, those with a"
                " completed medicines reconciliation form in the electronic record within 24"
                " hours of admission. Weeks run Monday to Sunday."
            ),
            chart=Measure.Chart.P,
            rules=Measure.Rules.MDC,
            direction=Measure.Direction.UP,
            period=Measure.Period.WEEK,
            target=0.9,
            baseline=14,
            # Busy winter weeks and quiet summer ones: the limits narrow and widen with them.
            numerators=(
                *(41, 29, 52, 22, 48, 35, 56, 27, 44, 33, 50, 24, 46, 38),
                *(71, 58, 66, 49, 75, 62, 54, 70, 43, 68, 77, 60, 51, 73, 65, 57, 69, 72),
            ),
            denominators=(
                *(72, 48, 88, 38, 83, 61, 95, 47, 75, 57, 86, 41, 79, 66),
                *(90, 72, 84, 61, 93, 77, 68, 87, 53, 85, 95, 74, 64, 90, 80, 71, 85, 88),
            ),
            notes=((14, "Technician seven days a week"),),
        ),
        DemoMeasure(
            title="Median hours from admission to reconciliation",
            kind=Measure.Kind.PROCESS,
            definition="The median, over the week's admissions, of the hours from admission to"
            " a completed reconciliation form.",
            chart=Measure.Chart.RUN,
            rules=Measure.Rules.IHI,
            direction=Measure.Direction.DOWN,
            period=Measure.Period.WEEK,
            unit="hours",
            target=12,
            baseline=14,
            values=(
                *(31, 27, 33, 29, 35, 28, 30, 34, 26, 32, 29, 31, 28, 30),
                *(27, 24, 21, 18, 15, 13, 14, 12, 13, 11, 14, 12, 13, 12, 11, 13, 12, 11),
            ),
        ),
    ),
    started_weeks_ago=34,
)

SEPSIS = DemoProject(
    slug="sepsis-screening-at-triage-ninewells",
    title="Sepsis screening at triage in Ninewells emergency department",
    aim=(
        "By April 2027, 95% of adults arriving at Ninewells emergency department with"
        " suspected sepsis will be screened at triage and, if positive, given antibiotics"
        " within one hour."
    ),
    summary=(
        "A team-only project while we agree with the board how to share its data. We test"
        " changes to the electronic triage form and a sepsis trolley in resus."
    ),
    status=Project.Status.TESTING,
    level=Project.Level.LOCALITY,
    visibility=Project.Visibility.TEAM,
    organisations=("NHS Tayside",),
    topics=("Patient safety", "Unscheduled care"),
    communities=("Unscheduled Care Collaborative",),
    events=("Using data to spot deterioration",),
    lead="",
    team=(("", TeamMember.Role.MEMBER),),
    team_size=3,
    drivers=(
        (
            "Sepsis is suspected at the door",
            ("A screening prompt in the triage form", "Triage nurses trained in the tool"),
        ),
        (
            "Antibiotics given within the hour",
            ("Everything needed in one place",),
        ),
    ),
    ideas=(
        DemoIdea(
            key="sepsis-triage-prompt",
            title="A sepsis screening prompt in the electronic triage form",
            description="The form asks the screening questions when the early warning score"
            " is 5 or more.",
            driver="A screening prompt in the triage form",
            cycles=(
                DemoCycle(
                    question="Will a paper prompt card at triage raise screening rates?",
                    prediction="From about 60% to 75% in a week.",
                    plan="A card at each triage desk for a week.",
                    done="One week.",
                    study="68%: the card was missed in busy hours.",
                    decision=Cycle.Decision.ABANDON,
                    next_steps="Build the prompt into the electronic form instead.",
                    weeks_ago=24,
                    weeks=1,
                ),
                DemoCycle(
                    question="Does a prompt in the electronic form work in busy hours?",
                    prediction="Over 85% screened, busy hours included.",
                    plan="The form's test version, nights and weekends for two weeks.",
                    done="Two weeks.",
                    study="88%, and no difference between busy and quiet hours.",
                    decision=Cycle.Decision.ADOPT,
                    next_steps="Live for all triage from Monday.",
                    weeks_ago=18,
                ),
            ),
        ),
        DemoIdea(
            key="sepsis-trolley",
            title="A sepsis trolley in resus",
            description="Cultures, cannulas, fluids and first-dose antibiotics in one place.",
            driver="Everything needed in one place",
        ),
    ),
    measures=(
        DemoMeasure(
            title="Adults with suspected sepsis screened at triage",
            kind=Measure.Kind.PROCESS,
            definition="Of adults with an early warning score of 5 or more at triage, the"
            " percentage with a completed sepsis screen in the triage record.",
            chart=Measure.Chart.INDIVIDUALS,
            rules=Measure.Rules.MDC,
            direction=Measure.Direction.UP,
            period=Measure.Period.WEEK,
            unit="%",
            target=95,
            phase=(15, "Screening prompt in the triage form"),
            # The week the triage system was down shows below the new phase's lower limit.
            values=(
                *(61, 58, 64, 60, 57, 63, 59, 62, 60, 56, 65, 61, 68, 70, 74),
                *(86, 88, 85, 89, 87, 90, 62, 88, 91, 87, 89, 92, 90, 91, 88, 93, 90),
            ),
            notes=((21, "Triage system down for three days"),),
        ),
    ),
    started_weeks_ago=30,
)

HYDRATION = DemoProject(
    slug="drink-well-stay-well-fife-care-homes",
    title="Drink well, stay well: hydration in Fife care homes",
    aim=(
        "Reduce urinary tract infections treated with antibiotics in three Kirkcaldy care"
        " homes by 40% by September 2026, by helping residents drink enough every day."
    ),
    summary=(
        'Residents told us they did not want to be asked "do you want a drink?" all day. We'
        " tested a **tea round with a choice of six drinks**, jelly drops and a coloured cup."
    ),
    status=Project.Status.SUSTAINED,
    level=Project.Level.LOCALITY,
    visibility=Project.Visibility.PUBLIC,
    public_charts=True,
    organisations=("Fife Health and Social Care Partnership", "Scottish Care"),
    topics=("Care homes", "Person-centred care"),
    communities=("Care Home Improvement Forum",),
    events=("Care home quality improvement meet-up",),
    resource_topics=("Care homes", "Person-centred care"),
    lead="",
    team=(("member@example.org", TeamMember.Role.MEMBER), ("", TeamMember.Role.MEMBER)),
    drivers=(
        (
            "Residents want to drink",
            ("Drinks people like, when they like them", "Cups that are easy to hold"),
        ),
        (
            "Staff know who is drinking too little",
            ("A simple daily record",),
        ),
    ),
    ideas=(
        DemoIdea(
            key="hydration-tea-round",
            title="A tea round with a choice of six drinks, four times a day",
            description="Residents choose from the trolley; staff sit and drink with them.",
            driver="Drinks people like, when they like them",
            cycles=(
                DemoCycle(
                    question="Will residents drink more from a trolley with six choices?",
                    prediction="An extra cup a day for most residents.",
                    plan="One unit of Home A, the mid-morning round, for a week.",
                    done="Seven mornings, 18 residents.",
                    study="An extra 150 ml a day on average; milkshakes were the favourite.",
                    decision=Cycle.Decision.ADAPT,
                    next_steps="All four rounds, milkshakes every day.",
                    weeks_ago=90,
                    weeks=1,
                ),
                DemoCycle(
                    question="Can the whole home keep four rounds a day going?",
                    prediction="Yes on weekdays; weekends will be hard.",
                    plan="Home A, four rounds a day for a month.",
                    done="Four weeks; three weekend rounds missed.",
                    study="As predicted. Residents asked for the rounds on the weekend.",
                    decision=Cycle.Decision.ADOPT,
                    next_steps="The activity coordinator's weekend hours cover one round;"
                    " spread to Homes B and C.",
                    weeks_ago=86,
                    weeks=4,
                ),
                DemoCycle(
                    question="Do Homes B and C get the same rise in drinks?",
                    prediction="Within a month.",
                    plan="Both homes start on the same Monday.",
                    done="Six weeks.",
                    study="Home B within two weeks; Home C after a visit from Home A's staff.",
                    decision=Cycle.Decision.ADOPT,
                    next_steps="Keep it going; measure infections monthly.",
                    weeks_ago=80,
                    weeks=6,
                ),
            ),
        ),
        DemoIdea(
            key="hydration-coloured-cups",
            title="Coloured cups with two handles",
            description="Easier to see and hold for residents living with dementia.",
            driver="Cups that are easy to hold",
        ),
    ),
    measures=(
        DemoMeasure(
            title="Urinary tract infections treated per 1,000 resident days",
            kind=Measure.Kind.OUTCOME,
            definition="Courses of antibiotics started for a urinary tract infection in the"
            " three homes in the month, over the month's resident days in thousands.",
            chart=Measure.Chart.U,
            rules=Measure.Rules.MDC,
            direction=Measure.Direction.DOWN,
            period=Measure.Period.MONTH,
            unit="per 1,000 resident days",
            target=2.4,
            baseline=8,
            numerators=(
                *(9, 8, 10, 7, 9, 8, 10, 9),
                *(6, 5, 4, 5, 4, 3, 4, 5, 3, 4, 3, 4, 5, 3, 4, 3, 4, 3),
            ),
            denominators=(
                *(2.05, 1.86, 2.04, 1.98, 2.05, 1.97, 2.04, 2.05),
                *(1.99, 2.06, 1.96, 2.02, 2.01, 1.85, 2.05, 1.98, 2.04, 1.99, 2.05, 2.05),
                *(1.98, 2.04, 1.98, 2.05, 2.04, 1.92),
            ),
        ),
        DemoMeasure(
            title="Emergency admissions to hospital from the homes",
            kind=Measure.Kind.BALANCING,
            definition="Residents of the three homes admitted to hospital as an emergency in"
            " the month, from the partnership's admissions extract.",
            chart=Measure.Chart.C,
            rules=Measure.Rules.MDC,
            direction=Measure.Direction.DOWN,
            period=Measure.Period.MONTH,
            unit="admissions",
            baseline=8,
            # January's flu outbreak shows above the upper limit.
            values=(
                *(6, 5, 7, 4, 6, 5, 7, 6),
                *(4, 3, 5, 15, 4, 3, 2, 4, 3, 2, 3, 2, 3, 4, 2, 3, 2, 3),
            ),
            notes=((11, "Flu outbreak in Home B"),),
        ),
    ),
    started_weeks_ago=96,
)

DISTRICT_NURSING = DemoProject(
    slug="planned-district-nursing-visits-aberdeenshire",
    title="Planned district nursing visits in central Aberdeenshire",
    aim=(
        "By December 2026, reduce unplanned district nursing visits in the Inverurie and"
        " Huntly teams from about 46 to 35 a week, so that nurses spend more time on planned"
        " care and people know when to expect them."
    ),
    summary=(
        "Unplanned visits disrupt the day's plan and mean long drives. We call people the day"
        " before their visit, and we borrowed the daily huddle from the Fife falls team."
    ),
    status=Project.Status.TESTING,
    level=Project.Level.LOCALITY,
    visibility=Project.Visibility.MEMBERS,
    organisations=("Aberdeenshire Health and Social Care Partnership",),
    topics=("Community health", "Primary care"),
    communities=("Highland Community Health Practitioners",),
    events=("Primary care improvement exchange",),
    resource_topics=("Community health",),
    lead="",
    team=(("", TeamMember.Role.MEMBER),),
    drivers=(
        (
            "People know when the nurse is coming",
            ("A call the day before", "Visits grouped by area"),
        ),
        (
            "Problems are caught before they need a visit",
            ("A daily team huddle", "Carers know who to phone"),
        ),
    ),
    ideas=(
        DemoIdea(
            key="district-nursing-call-ahead",
            title="A call the day before each planned visit",
            description="The team's administrator calls to confirm the time and ask what matters.",
            driver="A call the day before",
            cycles=(
                DemoCycle(
                    question="Will a call the day before reduce calls to the team on the day?",
                    prediction="Half as many 'when is the nurse coming' calls.",
                    plan="Inverurie team, one week, every planned visit.",
                    done="112 calls made in a week.",
                    study="Calls on the day fell from 31 to 12. Three people asked for a"
                    " visit sooner: caught a day early.",
                    decision=Cycle.Decision.ADOPT,
                    next_steps="Huntly team next.",
                    weeks_ago=20,
                    weeks=1,
                ),
                DemoCycle(
                    question="Can Huntly make the calls with half an administrator?",
                    prediction="Most calls made; a few left to the nurses.",
                    plan="Huntly, two weeks.",
                    done="86% of calls made by the administrator.",
                    study="As predicted; the nurses made the rest at the end of the day.",
                    decision=Cycle.Decision.ADOPT,
                    next_steps="Both teams from now on.",
                    weeks_ago=17,
                ),
            ),
        ),
        DemoIdea(
            key="district-nursing-huddle",
            title="Daily team huddle at 08:30",
            description="Adopted from the Fife community hospitals' falls huddle.",
            driver="A daily team huddle",
            adopts="falls-safety-huddle",
        ),
    ),
    measures=(
        DemoMeasure(
            title="Unplanned district nursing visits each week",
            kind=Measure.Kind.OUTCOME,
            definition="Visits by the two teams not on the previous day's plan, from the"
            " scheduling system, Monday to Sunday.",
            chart=Measure.Chart.C,
            rules=Measure.Rules.MDC,
            direction=Measure.Direction.DOWN,
            period=Measure.Period.WEEK,
            unit="visits",
            target=35,
            baseline=20,
            # The storm week, when roads closed and carers could not get through, is far above
            # the upper limit: a concern, explained in the note.
            values=(
                *(47, 44, 49, 45, 51, 43, 48, 46, 42, 50, 45, 47, 74, 46),
                *(44, 48, 45, 43, 47, 46, 41),
                *(38, 36, 39, 34, 37, 35, 33, 36, 34, 32, 35, 33, 34, 31, 33),
            ),
            notes=((12, "Storm: roads closed for three days"), (21, "Calls the day before")),
        ),
    ),
    started_weeks_ago=40,
)

MENTAL_HEALTH = DemoProject(
    slug="psychological-therapies-within-18-weeks-lanarkshire",
    title="Psychological therapies within 18 weeks in Lanarkshire",
    aim=(
        "By March 2027, 90% of people referred to adult psychological therapies in Lanarkshire"
        " will start treatment within 18 weeks, in line with the national standard."
    ),
    summary=(
        "Waits had grown since 2022. We opened group-based first sessions and an opt-in"
        " letter that lets people choose a time; the chart starts a new phase when groups"
        " began."
    ),
    status=Project.Status.TESTING,
    level=Project.Level.REGIONAL,
    visibility=Project.Visibility.MEMBERS,
    organisations=("NHS Lanarkshire", "North Lanarkshire Health and Social Care Partnership"),
    topics=("Mental health",),
    communities=("Mental Health Quality Improvement",),
    resource_topics=("Mental health",),
    lead="",
    team=(("", TeamMember.Role.MEMBER), ("", TeamMember.Role.SPONSOR)),
    drivers=(
        (
            "Enough capacity for first sessions",
            ("Group sessions for common problems",),
        ),
        (
            "Fewer missed first appointments",
            ("People choose their time", "Reminders that work"),
        ),
    ),
    ideas=(
        DemoIdea(
            key="mental-health-group-first-sessions",
            title="Group-based first sessions for anxiety and low mood",
            description="A six-week group as the first offer, with one-to-one sessions after"
            " it for those who need them.",
            driver="Group sessions for common problems",
            cycles=(
                DemoCycle(
                    question="Will people on the waiting list accept a group as a first offer?",
                    prediction="Four in ten will.",
                    plan="Offer a group to the next 40 people on the Motherwell list.",
                    done="40 people offered a group by phone.",
                    study="22 of 40 accepted (55%), more than predicted.",
                    decision=Cycle.Decision.ADOPT,
                    next_steps="Run two groups and follow who completes them.",
                    weeks_ago=62,
                    weeks=3,
                ),
                DemoCycle(
                    question="Do people complete the six weeks?",
                    prediction="Seven in ten will attend four or more sessions.",
                    plan="Two groups in Motherwell, evenings and mornings.",
                    done="Two groups of eleven.",
                    study="16 of 22 attended four or more; the evening group did better.",
                    decision=Cycle.Decision.ADAPT,
                    next_steps="Evening groups first; add an online group.",
                    weeks_ago=56,
                    weeks=6,
                ),
                DemoCycle(
                    question="Does an online group keep the same completion?",
                    prediction="Similar completion, more people from rural areas.",
                    plan="One online group of twelve.",
                    done="Six weeks.",
                    study="9 of 12 completed; five lived outside the towns.",
                    decision=Cycle.Decision.ADOPT,
                    next_steps="Groups across Lanarkshire from April.",
                    weeks_ago=48,
                    weeks=6,
                ),
            ),
        ),
        DemoIdea(
            key="mental-health-opt-in-letter",
            title="An opt-in letter to choose a first appointment time",
            description="People book their own time rather than receive one.",
            driver="People choose their time",
            cycles=(
                DemoCycle(
                    question="Will an opt-in letter cut missed first appointments?",
                    prediction="From 18% missed to under 10%.",
                    plan="Letters for one month's referrals in Airdrie.",
                    done="64 letters.",
                    study="6% missed; eight people did not reply and were phoned.",
                    decision=Cycle.Decision.ADOPT,
                    next_steps="All localities.",
                    weeks_ago=40,
                    weeks=4,
                ),
            ),
        ),
    ),
    measures=(
        DemoMeasure(
            title="People starting therapy within 18 weeks of referral",
            kind=Measure.Kind.OUTCOME,
            definition="Of people who started psychological therapy in the month, those whose"
            " wait from referral was 18 weeks or less (the national waiting times return).",
            chart=Measure.Chart.P,
            rules=Measure.Rules.MDC,
            direction=Measure.Direction.UP,
            period=Measure.Period.MONTH,
            target=0.9,
            phase=(20, "Group first sessions across Lanarkshire"),
            numerators=(
                *(158, 171, 149, 182, 166, 153, 177, 160, 185, 151, 169, 174, 157, 180),
                *(163, 172, 148, 179, 168, 161),
                *(241, 243, 240, 251, 250, 247, 229, 255, 238, 251, 250, 237, 250, 241),
            ),
            denominators=(
                *(262, 281, 248, 297, 275, 259, 290, 266, 301, 251, 279, 287, 260, 296),
                *(271, 283, 246, 293, 277, 268),
                *(301, 312, 296, 318, 305, 309, 294, 315, 301, 306, 312, 300, 309, 301),
            ),
        ),
        DemoMeasure(
            title="Median weeks waited to start therapy",
            kind=Measure.Kind.OUTCOME,
            definition="The median wait, in weeks, of people who started therapy in the month.",
            chart=Measure.Chart.RUN,
            rules=Measure.Rules.IHI,
            direction=Measure.Direction.DOWN,
            period=Measure.Period.MONTH,
            unit="weeks",
            target=12,
            baseline=18,
            values=(
                *(21, 23, 20, 24, 22, 25, 21, 23, 22, 24, 20, 23, 22, 24, 21, 23, 22, 24),
                *(22, 20, 19, 17, 15, 14, 13, 14, 12, 13, 12, 13, 11, 12, 13, 12, 11, 12),
            ),
        ),
    ),
    started_weeks_ago=70,
)

PROJECTS = (
    FALLS,
    PRESSURE_ULCERS,
    DISCHARGE,
    MEDICINES,
    SEPSIS,
    HYDRATION,
    DISTRICT_NURSING,
    MENTAL_HEALTH,
)

# --- building them -----------------------------------------------------------------------------


def seed(members: list[User]) -> list[Project]:
    chooser = random.Random(19)  # noqa: S311 (the same teams on every run)
    today = timezone.localdate()
    regions = dict(
        Profile.objects.filter(member__in=members).values_list("member_id", "organisation__region")
    )
    accounts = {member.email: member for member in members}
    # The fictional members (not the demo accounts people sign in as) who make up the teams.
    people = [member for member in members if not member.email.startswith(_ACCOUNT_NAMES)]
    projects, ideas = [], {}
    for number, plan in enumerate(PROJECTS):
        project = _project(plan, today, number)
        _team(project, plan, accounts, people, regions, chooser)
        drivers = _drivers(project, plan)
        for position, idea_plan in enumerate(plan.ideas):
            ideas[idea_plan.key] = _idea(project, idea_plan, drivers, position, ideas, today)
        for position, measure_plan in enumerate(plan.measures):
            _measure(project, measure_plan, position, today)
        projects.append(project)
    projects_index(Project.objects.filter(pk__in=[project.pk for project in projects]))
    return projects


_ACCOUNT_NAMES = ("admin@", "coordinator@", "curator@", "mentor@", "member@")


def _weeks_ago(today: date, weeks: int) -> date:
    return today - timedelta(weeks=weeks)


def _project(plan: DemoProject, today: date, number: int) -> Project:
    started = _weeks_ago(today, plan.started_weeks_ago)
    moment = timezone.now()
    project, _ = Project.objects.update_or_create(
        slug=plan.slug,
        defaults={
            "title": plan.title,
            "aim": plan.aim,
            "summary": plan.summary,
            "status": plan.status,
            "level": plan.level,
            "visibility": plan.visibility,
            "public_charts": plan.public_charts,
            "started_on": started,
            "created_at": moment - timedelta(weeks=plan.started_weeks_ago),
            # The list shows the busiest projects first; the order stays the same each run.
            "updated_at": moment - timedelta(days=2 * number + 1),
        },
    )
    project.organisations.set(Organisation.objects.filter(name__in=plan.organisations))
    project.topics.set(Topic.objects.filter(name__in=plan.topics))
    # What helped: only what every member may know of, so that a public project's page never
    # names a secret community.
    project.communities.set(
        Community.objects.visible_to(ANY_MEMBER).filter(name__in=plan.communities)
    )
    project.events.set(Event.objects.visible_to(ANY_MEMBER).filter(title__in=plan.events))
    project.resources.set(
        Resource.objects.visible_to(ANY_MEMBER)
        .filter(pk__in=[_resource_on(topic) for topic in plan.resource_topics])
        .exclude(pk=None)
    )
    return project


def _resource_on(topic: str) -> int | None:
    return (
        Resource.objects.visible_to(ANY_MEMBER)
        .filter(topics__name=topic, status=Resource.Status.PUBLISHED)
        .order_by("pk")
        .values_list("pk", flat=True)
        .first()
    )


def _team(project, plan, accounts, people, regions, chooser) -> None:
    region = Organisation.objects.filter(name=plan.organisations[0]).values_list(
        "region", flat=True
    )[0]
    # People from the project's own part of Scotland, as a real team would be.
    nearby = [person for person in people if regions.get(person.pk) == region] or people
    fictional = chooser.sample(nearby, plan.team_size)
    lead = accounts[plan.lead] if plan.lead else fictional.pop(0)
    places = [(lead, TeamMember.Role.LEAD)]
    for email, role in plan.team:
        places.append((accounts[email] if email else fictional.pop(0), role))
    places += [(person, TeamMember.Role.MEMBER) for person in fictional]
    for member, role in places:
        TeamMember.objects.update_or_create(project=project, member=member, defaults={"role": role})
    project.created_by = lead
    Project.objects.filter(pk=project.pk).update(created_by=lead)


def _drivers(project: Project, plan: DemoProject) -> dict[str, Driver]:
    secondary = {}
    for position, (text, children) in enumerate(plan.drivers):
        primary, _ = Driver.objects.update_or_create(
            project=project, parent=None, text=text, defaults={"position": position}
        )
        for child_position, child in enumerate(children):
            secondary[child], _ = Driver.objects.update_or_create(
                project=project, parent=primary, text=child, defaults={"position": child_position}
            )
    return secondary


def _idea(project, plan: DemoIdea, drivers, position, ideas, today) -> ChangeIdea:
    idea, _ = ChangeIdea.objects.update_or_create(
        slug=plan.key,
        defaults={
            "project": project,
            "driver": drivers[plan.driver],
            "title": plan.title,
            "description": plan.description,
            "position": position,
            "adopted_from": ideas[plan.adopts] if plan.adopts else None,
        },
    )
    for number, cycle in enumerate(plan.cycles, start=1):
        started = _weeks_ago(today, cycle.weeks_ago)
        finished = started + timedelta(weeks=cycle.weeks)
        Cycle.objects.update_or_create(
            idea=idea,
            number=number,
            defaults={
                "question": cycle.question,
                "prediction": cycle.prediction,
                "plan": cycle.plan,
                "done": cycle.done,
                "started_on": started,
                "finished_on": finished if cycle.decision else None,
                "study": cycle.study,
                "decision": cycle.decision,
                "next_steps": cycle.next_steps,
                "created_by": project.created_by,
            },
        )
    return idea


def periods(period: str, count: int, today: date) -> list[date]:
    """`count` periods ending with the last whole one: months from their first day, weeks
    from their Monday."""
    if period == Measure.Period.WEEK:
        this_monday = today - timedelta(days=today.weekday())
        return [this_monday - timedelta(weeks=count - offset) for offset in range(count)]
    this_month = today.year * 12 + today.month - 1  # months since the start of year 0
    months = []
    for offset in range(count):
        year, month = divmod(this_month - count + offset, 12)
        months.append(date(year, month + 1, 1))
    return months


def _measure(project: Project, plan: DemoMeasure, position: int, today: date) -> Measure:
    measure, _ = Measure.objects.update_or_create(
        project=project,
        title=plan.title,
        defaults={
            "kind": plan.kind,
            "definition": plan.definition,
            "unit": plan.unit,
            "direction": plan.direction,
            "target": plan.target,
            "chart": plan.chart,
            "rules": plan.rules,
            "period": plan.period,
            "baseline": plan.baseline,
            "position": position,
        },
    )
    dates = periods(plan.period, plan.points, today)
    notes = dict(plan.notes)
    # The data is replaced whole: nothing else refers to a measure's samples.
    measure.samples.all().delete()
    Sample.objects.bulk_create(
        Sample(
            measure=measure,
            period=period,
            value=plan.values[index] if plan.values else None,
            numerator=plan.numerators[index] if plan.numerators else None,
            denominator=plan.denominators[index] if plan.denominators else None,
            note=notes.get(index, ""),
        )
        for index, period in enumerate(dates)
    )
    measure.phases.all().delete()
    if plan.phase:
        point, label = plan.phase
        Phase.objects.create(measure=measure, starts_on=dates[point], label=label)
    # What its chart shows now, kept as a team's entry of figures keeps it: the impact page and
    # the prompt to share a story read it.
    measure_analysed(measure)
    return measure


def demo_measures() -> list[Measure]:
    """The demo's measures, for the tests that hold its charts to what they claim."""
    slugs = [plan.slug for plan in PROJECTS]
    return list(Measure.objects.filter(project__slug__in=slugs).select_related("project"))
