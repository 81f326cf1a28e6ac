from django.db import migrations

from tickets import ledger_sql


class Migration(migrations.Migration):
    dependencies = [
        ("tickets", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(ledger_sql.install, ledger_sql.remove),
    ]
