# The eBulletin went to its own app (bulletins); its tables and rows went with it.
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("resources", "0006_resource_file_text_outcome"),
        ("bulletins", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name="BulletinSection"),
                migrations.DeleteModel(name="Delivery"),
                migrations.DeleteModel(name="Bulletin"),
            ],
            database_operations=[],
        ),
    ]
