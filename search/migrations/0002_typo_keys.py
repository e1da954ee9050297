import django.contrib.postgres.fields
import django.contrib.postgres.indexes
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("base", "0003_typo_distance"),
        ('search', '0001_initial'),
    ]

    operations = [
        migrations.AddIndex(
            model_name='searchword',
            index=django.contrib.postgres.indexes.GinIndex(models.Func(models.F('word'), function='network_typo_keys', output_field=django.contrib.postgres.fields.ArrayField(base_field=models.TextField(), size=None)), name='search_word_typos'),
        ),
    ]
