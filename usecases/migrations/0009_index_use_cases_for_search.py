"""Existing use cases join the search index (new and changed ones are indexed by the services,
``usecases.search``); written with the historical models, as that module indexes a case."""

from django.db import migrations


def index_existing_cases(apps, schema_editor):  # type: ignore[no-untyped-def]
    from django.contrib.postgres.search import SearchVector

    UseCase = apps.get_model("usecases", "UseCase")
    SearchDocument = apps.get_model("policies", "SearchDocument")
    cases = UseCase.objects.only("reference", "title", "problem", "proposed_solution")
    for case in cases.iterator(chunk_size=500):
        SearchDocument.objects.update_or_create(
            kind="usecase",
            key=case.reference,
            defaults={
                "title": f"{case.reference}: {case.title}"[:200],
                "text": f"{case.problem}\n{case.proposed_solution}",
                "url": f"/usecases/{case.reference}/",
            },
        )
    if schema_editor.connection.vendor == "postgresql":
        SearchDocument.objects.filter(kind="usecase").update(
            vector=SearchVector("title", weight="A", config="english")
            + SearchVector("text", weight="B", config="english")
        )


class Migration(migrations.Migration):
    dependencies = [
        ("usecases", "0008_guardrail_rule_policies"),
        ("policies", "0005_search_use_cases_and_status_words"),
    ]

    operations = [migrations.RunPython(index_existing_cases, migrations.RunPython.noop)]
