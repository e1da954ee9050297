"""A seeded measure analysed as its page analyses it."""

from projects import spc
from projects.models import Measure


def analysis_of(measure: Measure) -> spc.Analysis:
    # Its samples in date order, its frozen baseline and its phases.
    return spc.analyse(
        chart=measure.chart,
        samples=[
            spc.Sample(
                period=sample.period,
                value=None if sample.value is None else float(sample.value),
                numerator=None if sample.numerator is None else float(sample.numerator),
                denominator=None if sample.denominator is None else float(sample.denominator),
            )
            for sample in measure.samples.order_by("period", "pk")
        ],
        rules=measure.rules,
        direction=measure.direction,
        freeze=measure.baseline,
        parts=[phase.starts_on for phase in measure.phases.all()],
    )
