"""The audit log's mechanism: who decided what, and when. Each app names its own decisions in
its audit.py and registers them here, so that the log reads them in words."""

from django.db.models import TextChoices

from base.models import AuditEntry

_labels: dict[str, str] = {}


def register_actions(actions: type[TextChoices]) -> type[TextChoices]:
    """Usable as a class decorator on an app's vocabulary."""
    for code, label in actions.choices:
        if _labels.get(code, label) != label:
            raise ValueError(f"The audit action {code!r} is named twice, differently.")
        _labels[code] = label
    return actions


def action_label(code: str) -> str:
    return _labels.get(code, code.replace("_", " ").capitalize())


def action_choices() -> list[tuple[str, str]]:
    return sorted(_labels.items(), key=lambda choice: choice[1])


def audit_record(*, actor, action: str, detail: str, member=None) -> AuditEntry:
    return AuditEntry.objects.create(actor=actor, action=action, member=member, detail=detail[:300])
