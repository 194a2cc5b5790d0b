from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('ar_dashboard', '0008_exchange_rates'),
    ]

    operations = [
        migrations.AddField(
            model_name='company',
            name='remit_to',
            field=models.TextField(blank=True, help_text='Where customers send payment, printed on statements: name, address, bank details (one item per line).'),
        ),
    ]
