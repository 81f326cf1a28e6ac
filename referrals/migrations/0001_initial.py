
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('departments', '0002_directory_bulletins'),
        ('tickets', '0007_move_out_referrals_and_outbox'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        # The model moved apps; its table stayed (db_table): state only, no SQL.
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='Referral',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('question', models.TextField(verbose_name='question')),
                        ('asked_at', models.DateTimeField(verbose_name='asked')),
                        ('due_at', models.DateTimeField(verbose_name='answer due')),
                        ('claimed_at', models.DateTimeField(blank=True, null=True, verbose_name='claimed')),
                        ('answer', models.TextField(blank=True, verbose_name='answer')),
                        ('answered_at', models.DateTimeField(blank=True, null=True, verbose_name='answered')),
                        ('overdue_flagged_at', models.DateTimeField(blank=True, null=True, verbose_name='flagged overdue')),
                        ('answered_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('asked_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('claimed_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('department', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='referrals', to='departments.department')),
                        ('ticket', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='referrals', to='tickets.ticket')),
                    ],
                    options={
                        'verbose_name': 'referral',
                        'verbose_name_plural': 'referrals',
                        'db_table': 'tickets_referral',
                        'ordering': ['asked_at', 'id'],
                        'indexes': [models.Index(condition=models.Q(('answered_at__isnull', True), ('overdue_flagged_at__isnull', True)), fields=['due_at'], name='referral_unflagged_idx'), models.Index(fields=['department', 'answered_at'], name='referral_department_idx')],
                        'constraints': [models.CheckConstraint(condition=models.Q(models.Q(('answered_at__isnull', True), ('answered_by__isnull', True)), models.Q(('answered_at__isnull', False), ('answered_by__isnull', False)), _connector='OR'), name='referral_answer_complete')],
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
