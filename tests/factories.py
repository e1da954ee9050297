import time

import factory
import pyotp
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

from members.models import Organisation, Profile, Region, Sector, Topic, User
from members.services import profile_index

PASSWORD = "a-long-test-passphrase"


class MemberFactory(factory.django.DjangoModelFactory):
    """A member with a verified e-mail address who can sign in with PASSWORD."""

    class Meta:
        model = User
        skip_postgeneration_save = True

    name = factory.Faker("name", locale="en_GB")
    email = factory.Sequence(lambda number: f"member{number}@example.org")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def verified(member, create, extracted, **kwargs):
        if create:
            member.save()
            EmailAddress.objects.create(
                user=member, email=member.email, verified=extracted is not False, primary=True
            )


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation
        django_get_or_create = ["slug"]

    name = factory.Sequence(lambda number: f"Test Health and Social Care Partnership {number}")
    slug = factory.LazyAttribute(lambda organisation: organisation.name.lower().replace(" ", "-"))
    kind = Organisation.Kind.PARTNERSHIP
    region = Region.EAST


class TopicFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Topic
        django_get_or_create = ["slug"]

    name = factory.Sequence(lambda number: f"Improvement topic {number}")
    slug = factory.LazyAttribute(lambda topic: topic.name.lower().replace(" ", "-"))


class ProfileFactory(factory.django.DjangoModelFactory):
    """A member with a profile, indexed for the directory as a saved edit would be."""

    class Meta:
        model = Profile
        skip_postgeneration_save = True

    member = factory.SubFactory(MemberFactory)
    slug = factory.Sequence(lambda number: f"member-{number}")
    job_title = "Quality improvement advisor"
    organisation = factory.SubFactory(OrganisationFactory)
    sector = Sector.NHS
    region = Region.EAST

    @factory.post_generation
    def expertise(profile, create, extracted, **kwargs):
        if create and extracted:
            profile.expertise.set(extracted)

    @factory.post_generation
    def indexed(profile, create, extracted, **kwargs):
        if create:
            profile_index(profile)


# --- a second factor, as a member would set one up -------------------------------------------

_codes_given: set[tuple[str, str]] = set()


def give_second_factor(member) -> str:
    """An authenticator app and recovery codes, made through allauth as its set-up page makes
    them; answers the key the member's phone would hold."""
    secret = generate_totp_secret()
    TOTP.activate(member, secret)
    RecoveryCodes.activate(member)
    return secret


def authenticator_code(member) -> str:
    """The code the member's phone shows now. Each code signs in once, so one already given
    is replaced by the next step's, which the site also takes (a phone's clock may be ahead)."""
    secret = Authenticator.objects.get(user=member, type=Authenticator.Type.TOTP).data["secret"]
    phone = pyotp.TOTP(secret)
    for moment in (time.time(), time.time() + 30):
        code = phone.at(moment)
        if (secret, code) not in _codes_given:
            _codes_given.add((secret, code))
            return code
    time.sleep(30 - time.time() % 30 + 1)
    return authenticator_code(member)


def recovery_codes(member) -> list[str]:
    codes = Authenticator.objects.get(user=member, type=Authenticator.Type.RECOVERY_CODES)
    return codes.wrap().get_unused_codes()
