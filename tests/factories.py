from __future__ import annotations

from typing import Any, cast

import factory

from portal.models import Department, User

PASSWORD = "a-Long-test-passw0rd"


class DepartmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Department
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Department {n}")
    slug = factory.Sequence(lambda n: f"department-{n}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"person{n}")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.com")
    department = factory.SubFactory(DepartmentFactory)
    password = factory.django.Password(PASSWORD)


def make_department(**fields: Any) -> Department:
    return cast(Department, DepartmentFactory.create(**fields))


def make_user(**fields: Any) -> User:
    return cast(User, UserFactory.create(**fields))


def personal_token(user: User, name: str = "tests") -> str:
    """A personal API token of ``user`` (the secret, for ``Authorization: Bearer``)."""
    from portal.models import BearerToken
    from portal.tokens import token_create

    return token_create(kind=BearerToken.Kind.PERSONAL, name=name, by=None, owner=user)[1]
