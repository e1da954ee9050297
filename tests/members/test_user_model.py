import pytest
from django.db import IntegrityError

from members.models import User

pytestmark = pytest.mark.django_db


def test_a_member_signs_in_with_their_email_and_has_no_username():
    member = User.objects.create_user(
        email="Iona.Grant@EXAMPLE.org", password="x" * 12, name="Iona Grant"
    )

    assert User.USERNAME_FIELD == "email"
    assert not hasattr(member, "username")
    assert member.email == "Iona.Grant@example.org"
    assert str(member) == "Iona Grant"


def test_two_accounts_cannot_share_an_address_in_any_case():
    User.objects.create_user(email="iona.grant@example.org", name="Iona Grant")

    with pytest.raises(IntegrityError):
        User.objects.create_user(email="IONA.GRANT@example.org", name="Iona Grant")
