"""The eBulletin's e-mail: the same for every member but two marks, filled in per message."""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils.html import escape

from base.links import absolute_reverse, absolute_url, site_host
from bulletins.models import Bulletin
from bulletins.snapshot import bulletin_snapshot
from members.models import User
from members.services import profile_for

NAME_MARK = "%%MEMBER_NAME%%"
UNSUBSCRIBE_MARK = "%%UNSUBSCRIBE_URL%%"


class BulletinMail:
    """One bulletin's e-mail, rendered once and personalised per member by replacing two marks.

    Rendering the templates per member would cost more than the SMTP conversation itself.
    """

    def __init__(self, bulletin: Bulletin, frozen: dict, *, test: bool = False):
        context = {
            "bulletin": frozen,
            "web_url": absolute_url(bulletin.get_absolute_url()),
            "member_name": NAME_MARK,
            "unsubscribe_url": UNSUBSCRIBE_MARK,
            "preferences_url": absolute_reverse("members:preferences"),
            "site_name": settings.SITE_NAME,
        }
        self.subject = f"{'[Test] ' if test else ''}{frozen['title']}"
        self.html = render_to_string("bulletins/email/bulletin.html", context)
        self.text = render_to_string("bulletins/email/bulletin.txt", context)

    def message(self, member: User, token: str, connection=None) -> EmailMultiAlternatives:
        unsubscribe_url = absolute_reverse("bulletins:unsubscribe", token)
        name = member.get_short_name()
        message = EmailMultiAlternatives(
            subject=self.subject,
            body=self.text.replace(NAME_MARK, name).replace(UNSUBSCRIBE_MARK, unsubscribe_url),
            to=[member.email],
            connection=connection,
            headers={
                # RFC 2369 and RFC 8058: mail programs offer "unsubscribe" and POST to it.
                "List-Unsubscribe": f"<{unsubscribe_url}>",
                "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
                "List-Id": f"{settings.SITE_NAME} eBulletin <bulletin.{site_host()}>",
                "Precedence": "bulk",
                "Auto-Submitted": "auto-generated",
            },
        )
        message.attach_alternative(
            self.html.replace(NAME_MARK, escape(name)).replace(
                UNSUBSCRIBE_MARK, escape(unsubscribe_url)
            ),
            "text/html",
        )
        return message


def copy_for(bulletin: Bulletin, member: User, *, test: bool = False) -> EmailMultiAlternatives:
    """The e-mail as the member gets it: as it went out, or for a draft as it would go now."""
    frozen = bulletin.frozen or bulletin_snapshot(bulletin)
    return BulletinMail(bulletin, frozen, test=test).message(
        member, profile_for(member).bulletin_token
    )
