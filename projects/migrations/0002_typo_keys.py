import django.contrib.postgres.fields
import django.contrib.postgres.indexes
import django.db.models.functions.text
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("base", "0003_typo_distance"),
        ('communities', '0006_typo_keys'),
        ('events', '0008_registration_questions'),
        ('members', '0015_typo_keys'),
        ('mentoring', '0003_single_line_text'),
        ('projects', '0001_initial'),
        ('resources', '0007_bulletins_moved'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddIndex(
            model_name='project',
            index=django.contrib.postgres.indexes.GinIndex(models.Func(django.db.models.functions.text.Lower('title'), function='network_typo_keys', output_field=django.contrib.postgres.fields.ArrayField(base_field=models.TextField(), size=None)), name='project_title_typos'),
        ),
    ]
