# The exit runbook is written before activation (issue 17, finding 19).

import django.db.models.deletion
import simple_history.models
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('contracts', '0004_post_award'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='exitstep',
            name='days_after_start',
            field=models.PositiveSmallIntegerField(blank=True, help_text='How many days after the exit starts the step is due (planned in the runbook before activation).', null=True),
        ),
        migrations.AddField(
            model_name='historicalexitstep',
            name='days_after_start',
            field=models.PositiveSmallIntegerField(blank=True, help_text='How many days after the exit starts the step is due (planned in the runbook before activation).', null=True),
        ),
        migrations.AlterField(
            model_name='exitstep',
            name='due_date',
            field=models.DateField(blank=True, help_text='Set when the exit starts, from the days below.', null=True),
        ),
        migrations.AlterField(
            model_name='historicalexitstep',
            name='due_date',
            field=models.DateField(blank=True, help_text='Set when the exit starts, from the days below.', null=True),
        ),
        migrations.CreateModel(
            name='ExitRunbook',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('updated_at', models.DateTimeField(auto_now=True)),
                ('data_return_method', models.TextField(blank=True, help_text='How our data comes back at the end: formats, channel, and who checks it is complete.', verbose_name='data-return method')),
                ('deletion_evidence', models.TextField(blank=True, help_text='What proof of deletion we will accept, e.g. a signed certificate naming systems, backups and subprocessors.', verbose_name='deletion evidence expected')),
                ('model_portability', models.TextField(blank=True, help_text='What we take with us on the model side: prompts, fine-tuned weights or adapters, evaluation sets, configurations.', verbose_name='model portability')),
                ('data_portability', models.TextField(blank=True, help_text='Formats and schemas of our data, embeddings and logs, and how a successor loads them.', verbose_name='data portability')),
                ('contract', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='exit_runbook', to='contracts.contract')),
                ('written_by', models.ForeignKey(blank=True, editable=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'abstract': False,
            },
        ),
        migrations.CreateModel(
            name='HistoricalExitRunbook',
            fields=[
                ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                ('created_at', models.DateTimeField(blank=True, editable=False)),
                ('updated_at', models.DateTimeField(blank=True, editable=False)),
                ('data_return_method', models.TextField(blank=True, help_text='How our data comes back at the end: formats, channel, and who checks it is complete.', verbose_name='data-return method')),
                ('deletion_evidence', models.TextField(blank=True, help_text='What proof of deletion we will accept, e.g. a signed certificate naming systems, backups and subprocessors.', verbose_name='deletion evidence expected')),
                ('model_portability', models.TextField(blank=True, help_text='What we take with us on the model side: prompts, fine-tuned weights or adapters, evaluation sets, configurations.', verbose_name='model portability')),
                ('data_portability', models.TextField(blank=True, help_text='Formats and schemas of our data, embeddings and logs, and how a successor loads them.', verbose_name='data portability')),
                ('history_id', models.AutoField(primary_key=True, serialize=False)),
                ('history_date', models.DateTimeField(db_index=True)),
                ('history_change_reason', models.CharField(max_length=100, null=True)),
                ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                ('contract', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='contracts.contract')),
                ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('written_by', models.ForeignKey(blank=True, db_constraint=False, editable=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'verbose_name': 'historical exit runbook',
                'verbose_name_plural': 'historical exit runbooks',
                'ordering': ('-history_date', '-history_id'),
                'get_latest_by': ('history_date', 'history_id'),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
    ]
