"""The portfolio's default order, priority high to low with unscored cases last, served by an
index on PostgreSQL (SQLite cannot declare NULLS LAST in an index; its tables are small)."""

from django.db import migrations

CREATE = (
    "CREATE INDEX IF NOT EXISTS usecase_priority_rank "
    "ON usecases_usecase (priority_score DESC NULLS LAST, id)"
)
DROP = "DROP INDEX IF EXISTS usecase_priority_rank"


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("usecases", "0003_estimates")]

    operations = [migrations.RunPython(create_index, drop_index)]
