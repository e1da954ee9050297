"""What the eBulletin adds to a member's data export (members.hooks).

Nothing of it is erased on its own: the unsubscribe token goes with the profile, and a delivery
row says only that a bulletin went to an account that no longer names anyone.
"""

from bulletins.models import Delivery


def export(member) -> dict:
    return {
        "sent_to_me": [
            {"bulletin": delivery.bulletin.title, "status": delivery.status}
            for delivery in Delivery.objects.filter(member=member).select_related("bulletin")
        ],
    }
