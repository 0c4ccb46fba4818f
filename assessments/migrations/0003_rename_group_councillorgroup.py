# The councillor group model no longer shares its name with django.contrib.auth's Group.

from django.conf import settings
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("assessments", "0002_groups_and_sharing"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RenameModel(old_name="Group", new_name="CouncillorGroup"),
    ]
