# The audit log went to base, the search words to search; their tables and rows went with them.
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("network", "0003_audit_log_names"),
        ("base", "0001_initial"),
        ("search", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name="AuditEntry"),
                migrations.DeleteModel(name="SearchWord"),
            ],
            database_operations=[],
        ),
    ]
