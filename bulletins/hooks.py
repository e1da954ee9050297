"""What the eBulletin adds to a member's data export (members.hooks).

Nothing of it is erased here: the unsubscribe token goes with the profile, and the outbox
forgets whom each copy was for (members.emails.erase), keeping the counts.
"""

from base.models import Email
from bulletins.delivery import BULLETIN_EMAIL
from bulletins.models import Bulletin

# The words the export has always used for how far a copy got.
EXPORTED_STATUS = {
    Email.Status.QUEUED: "pending",
    Email.Status.SENDING: "sending",
    Email.Status.SENT: "sent",
    Email.Status.FAILED: "failed",
    Email.Status.IN_DOUBT: "failed",
    Email.Status.SKIPPED: "skipped",
}


def export(member) -> dict:
    copies = list(
        Email.objects.filter(kind=BULLETIN_EMAIL, recipient=member)
        .order_by("pk")
        .values_list("about_id", "status")
    )
    titles = Bulletin.objects.only("title").in_bulk({about_id for about_id, _ in copies})
    return {
        "sent_to_me": [
            {"bulletin": titles[about_id].title, "status": EXPORTED_STATUS[status]}
            for about_id, status in copies
            if about_id in titles
        ],
    }
