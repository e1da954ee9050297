from django import template

from members import sso
from members.forms import OrganisationSignInForm

register = template.Library()


@register.inclusion_tag("account/_organisation_sign_in.html", takes_context=True)
def organisation_sign_in(context):
    """The sign-in and sign-up pages' way in with an organisation's account. Their views allow
    its forms to reach the providers (members.views.allows_organisation_forms)."""
    request = context["request"]
    providers = sso.sign_in_providers(request)
    next_url = context.get("redirect_field_value") or request.GET.get("next", "")
    return {
        "providers": providers,
        "form": OrganisationSignInForm(apps=providers, request=request, initial={"next": next_url}),
        "csrf_token": context.get("csrf_token"),
    }
