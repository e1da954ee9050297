import django.contrib.postgres.fields
import django.contrib.postgres.indexes
import django.db.models.functions.text
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("base", "0003_typo_distance"),
        ('auth', '0012_alter_user_first_name_max_length'),
        ('members', '0014_feed_generation'),
    ]

    operations = [
        migrations.AddIndex(
            model_name='user',
            index=django.contrib.postgres.indexes.GinIndex(models.Func(django.db.models.functions.text.Lower('name'), function='network_typo_keys', output_field=django.contrib.postgres.fields.ArrayField(base_field=models.TextField(), size=None)), name='member_name_typos'),
        ),
    ]
