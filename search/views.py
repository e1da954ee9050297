from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string

from search import services as network_search


def search(request):
    """Ask the network: the best few of each kind, or (?in=threads) every matching discussion."""
    text, shortened = network_search.cleaned(request.GET.get("q", ""))
    context = {"query": text, "shortened": shortened}
    if not text:
        return render(request, "search/search.html", context)
    if request.GET.get("in") == "threads" and request.user.is_authenticated:
        page = Paginator(network_search.thread_search(request.user, text), 20).get_page(
            request.GET.get("page")
        )
        network_search.with_snippets(page.object_list)
        return render(request, "search/search_threads.html", {**context, "page": page})
    groups = network_search.search(request.user, text)
    searched, instead = text, ""
    # A correction only when the words as typed find nothing, and only one that finds something;
    # the page always offers the words as typed.
    if not any(group.total for group in groups) and request.GET.get("exact") != "1":
        better = network_search.corrected(request.user, text)
        if better and better.lower() != text.lower():
            found = network_search.search(request.user, better)
            if any(group.total for group in found):
                groups, searched, instead = found, better, text
    return render(
        request,
        "search/search.html",
        {
            **context,
            "groups": groups,
            "searched": searched,
            "instead": instead,
            "found": sum(group.total for group in groups),
        },
    )


def search_suggest(request):
    """People, communities and projects by name as someone types in the search box (htmx).
    Nothing at all when there are none, so the empty box takes no room."""
    found = network_search.suggestions(request.user, request.GET.get("q", ""))
    fragment = render_to_string("search/_suggestions.html", found, request=request)
    return HttpResponse(fragment.strip())
