"""Small helpers every app's views use."""

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
