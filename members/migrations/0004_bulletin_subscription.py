import secrets

from django.db import migrations, models

import members.models


def give_tokens(apps, schema_editor):
    Profile = apps.get_model("members", "Profile")
    for profile in Profile.objects.filter(bulletin_token__isnull=True).only("pk"):
        Profile.objects.filter(pk=profile.pk).update(bulletin_token=secrets.token_urlsafe(32))


class Migration(migrations.Migration):
    dependencies = [
        ("members", "0003_notification_actor"),
    ]

    operations = [
        migrations.AddField(
            model_name="profile",
            name="receives_bulletin",
            field=models.BooleanField(default=False, verbose_name="send me the eBulletin"),
        ),
        migrations.AddField(
            model_name="profile",
            name="bulletin_token",
            field=models.CharField(editable=False, max_length=64, null=True),
        ),
        migrations.RunPython(give_tokens, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="profile",
            name="bulletin_token",
            field=models.CharField(
                default=members.models.bulletin_token, editable=False, max_length=64, unique=True
            ),
        ),
    ]
