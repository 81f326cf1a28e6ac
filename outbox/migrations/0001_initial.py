
import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('tickets', '0007_move_out_referrals_and_outbox'),
    ]

    operations = [
        # The model moved apps; its table stayed (db_table): state only, no SQL.
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='OutboundEmail',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('kind', models.CharField(max_length=40, verbose_name='kind')),
                        ('recipients', models.JSONField(verbose_name='recipients')),
                        ('subject', models.CharField(max_length=250, verbose_name='subject')),
                        ('body', models.TextField(verbose_name='body')),
                        ('created_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='created')),
                        ('sent_at', models.DateTimeField(blank=True, null=True, verbose_name='sent')),
                        ('attempts', models.PositiveIntegerField(default=0, verbose_name='attempts')),
                        ('last_attempt_at', models.DateTimeField(blank=True, null=True, verbose_name='last attempt')),
                        ('last_error', models.TextField(blank=True, verbose_name='last error')),
                    ],
                    options={
                        'verbose_name': 'outbound email',
                        'verbose_name_plural': 'outbound emails',
                        'db_table': 'tickets_outboundemail',
                        'ordering': ['created_at', 'id'],
                        'indexes': [models.Index(condition=models.Q(('sent_at__isnull', True)), fields=['created_at'], name='outbox_pending_idx')],
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
