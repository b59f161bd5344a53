"""The NIST register ranks: residual likelihood and severity after the mitigation, and the
owner a person of the directory instead of free text.

An owner typed before the directory is matched to an account by username or full name (case
insensitive); text that matches nobody is kept in the mitigation ("Owner before the directory:
…") so that nothing written is lost."""

from django.conf import settings
from django.db import migrations, models
from django.db.models import F, Q
from django.db.models.functions import Concat, Lower


def owners_to_people(apps, schema_editor):
    RiskEntry = apps.get_model("usecases", "RiskEntry")
    User = apps.get_model("portal", "User")
    for entry in RiskEntry.objects.exclude(owner="").iterator(chunk_size=500):
        typed = entry.owner.strip()
        person = (
            User.objects.filter(username__iexact=typed).first()
            or User.objects.annotate(
                full=Lower(Concat("first_name", models.Value(" "), "last_name"))
            )
            .filter(full=typed.lower())
            .order_by("-is_active", "pk")
            .first()
        )
        if person is not None:
            entry.owner_person_id = person.pk
            entry.save(update_fields=["owner_person"])
        else:
            note = f"Owner before the directory: {typed}"
            entry.mitigation = f"{entry.mitigation}\n{note}".strip()
            entry.save(update_fields=["mitigation"])


def people_to_owners(apps, schema_editor):
    RiskEntry = apps.get_model("usecases", "RiskEntry")
    for entry in RiskEntry.objects.exclude(owner_person=None).select_related("owner_person"):
        entry.owner = entry.owner_person.username
        entry.save(update_fields=["owner"])


class Migration(migrations.Migration):
    dependencies = [
        ("usecases", "0012_task_kind"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="riskentry",
            name="residual_likelihood",
            field=models.PositiveSmallIntegerField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="riskentry",
            name="residual_severity",
            field=models.PositiveSmallIntegerField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="riskentry",
            name="owner_person",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.RunPython(owners_to_people, people_to_owners, elidable=False),
        migrations.RemoveField(model_name="riskentry", name="owner"),
        migrations.RenameField(model_name="riskentry", old_name="owner_person", new_name="owner"),
        migrations.AlterField(
            model_name="riskentry",
            name="owner",
            field=models.ForeignKey(
                blank=True,
                help_text="The person who sees the mitigation through.",
                null=True,
                on_delete=models.deletion.PROTECT,
                related_name="risks_owned",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AddConstraint(
            model_name="riskentry",
            constraint=models.CheckConstraint(
                condition=(
                    Q(residual_likelihood__isnull=True, residual_severity__isnull=True)
                    | Q(
                        # spelled out: a NULL beside a number would make the check unknown,
                        # which PostgreSQL lets through
                        residual_likelihood__isnull=False,
                        residual_severity__isnull=False,
                        residual_likelihood__gte=1,
                        residual_likelihood__lte=F("likelihood"),
                        residual_severity__gte=1,
                        residual_severity__lte=F("severity"),
                    )
                ),
                name="risk_residual_within_the_risk",
            ),
        ),
    ]
