
from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('tickets', '0006_ledger_chain'),
    ]

    operations = [
        # The model moved apps; its table stayed (db_table): state only, no SQL.
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(
                    name='OutboundEmail',
                ),
                migrations.DeleteModel(
                    name='Referral',
                ),
            ],
            database_operations=[],
        ),
    ]
