"""The dashboard's charts, drawn on the server from figures the measures have worked out."""

from __future__ import annotations

from datetime import date


def bars(series: list[tuple[date, float]], *, width: int = 240, height: int = 64) -> list[dict]:
    """A bar per month for the server-drawn chart, scaled to the largest month."""
    top = max((amount for _, amount in series), default=0) or 1
    slot = width / max(len(series), 1)
    return [
        {
            "x": round(index * slot + slot * 0.15, 1),
            "width": round(slot * 0.7, 1),
            "height": round(height * amount / top, 1),
            "y": round(height - height * amount / top, 1),
            "month": month,
            "amount": amount,
        }
        for index, (month, amount) in enumerate(series)
    ]
