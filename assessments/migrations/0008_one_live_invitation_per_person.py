# At most one live (not accepted, not revoked) invitation per person: only the latest link
# works. Resending already revoked the earlier links; this makes the database hold the rule.
# Should an older database have a person with two live links, the older ones are revoked first,
# as a resend would have done (backwards leaves them revoked).

from django.db import migrations, models
from django.db.models import Q
from django.utils import timezone


def revoke_all_but_the_latest_live_invitation(apps, schema_editor):
    Invitation = apps.get_model("assessments", "Invitation")
    live = Invitation.objects.filter(accepted_at__isnull=True, revoked_at__isnull=True)
    latest = {}
    for pk, user_id in live.order_by("created_at", "pk").values_list("pk", "user_id"):
        latest[user_id] = pk
    live.exclude(pk__in=latest.values()).update(revoked_at=timezone.now())


class Migration(migrations.Migration):
    dependencies = [
        ("assessments", "0007_group_name_unique_ignoring_case"),
    ]

    operations = [
        migrations.RunPython(revoke_all_but_the_latest_live_invitation, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="invitation",
            constraint=models.UniqueConstraint(
                condition=Q(accepted_at__isnull=True, revoked_at__isnull=True),
                fields=("user",),
                name="one_live_invitation_per_person",
            ),
        ),
    ]
