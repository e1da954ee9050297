import django.contrib.postgres.fields
import django.contrib.postgres.indexes
import django.db.models.functions.text
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("base", "0003_typo_distance"),
        ('communities', '0005_invitations_owed_into_the_outbox'),
        ('members', '0014_feed_generation'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddIndex(
            model_name='community',
            index=django.contrib.postgres.indexes.GinIndex(models.Func(django.db.models.functions.text.Lower('name'), function='network_typo_keys', output_field=django.contrib.postgres.fields.ArrayField(base_field=models.TextField(), size=None)), name='community_name_typos'),
        ),
    ]
