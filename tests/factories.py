import factory
from allauth.account.models import EmailAddress

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
