"""Small helpers every app's views use."""

import secrets

from django.db.models import Model
from django.http import Http404
from django.utils.text import slugify


def number_or_404(value) -> int:
    """An id from a form, or 404: a tampered value must not become an error page."""
    try:
        return int(value)
    except (TypeError, ValueError):
        raise Http404 from None


def free_slug(
    model: type[Model],
    text: str,
    *,
    reserved=frozenset(),
    length: int = 100,
    fallback: str = "item",
) -> str:
    """A slug for `text` that no row of `model` uses and that no page of the app needs."""
    base = slugify(text)[:length] or fallback
    slug, number = base, 2
    while slug in reserved or model.objects.filter(slug=slug).exists():
        slug, number = f"{base}-{number}", number + 1
    return slug


# Letters and digits that cannot be mistaken for one another when an address is read out.
_SUFFIX_LETTERS = "abcdefghjkmnpqrstuvwxyz23456789"


def private_slug(
    model: type[Model],
    text: str,
    *,
    reserved=frozenset(),
    length: int = 100,
    fallback: str = "item",
) -> str:
    """A slug for `text` with a few random letters after it, for things some people may not
    see. free_slug's counter ("-2") would tell whoever makes the second one that a first
    exists, hidden from them or not; here every address has the same form whatever else
    exists, and tells nothing of it."""
    base = slugify(text)[:length] or fallback
    while True:
        suffix = "".join(secrets.choice(_SUFFIX_LETTERS) for _ in range(5))
        slug = f"{base}-{suffix}"
        if slug not in reserved and not model.objects.filter(slug=slug).exists():
            return slug
