from django import template

from base.markdown import plain_summary as summarise
from base.markdown import plain_text as plain
from base.markdown import render_markdown

register = template.Library()


@register.filter
def markdown(text):
    """Render a member's Markdown through the one sanitiser."""
    return render_markdown(text)


@register.filter
def plain_summary(text, limit=240):
    """A member's Markdown as one line of plain words for a list, cut at a sentence or word."""
    return summarise(text or "", int(limit))


@register.filter
def plain_text(text):
    """A member's Markdown as a plain-text e-mail shows it: no marks, links written out."""
    return plain(text or "")


@register.simple_tag(takes_context=True)
def page_url(context, page_number):
    """The current URL with another page number, keeping the filters."""
    query = context["request"].GET.copy()
    query["page"] = page_number
    return f"?{query.urlencode()}"


@register.simple_tag
def elided_pages(page):
    return list(page.paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1))


@register.filter
def masked_email(address) -> str:
    """c•••@example.org: enough for its owner to recognise the address, too little for someone
    holding a forwarded link to learn it."""
    local, at, domain = str(address or "").rpartition("@")
    if not at or not local:
        return "•••"
    return f"{local[0]}•••@{domain}"
