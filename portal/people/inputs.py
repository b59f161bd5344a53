"""What the identity provider says about a person, read strictly before anything is written."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, StringConstraints, field_validator

Text = Annotated[str, StringConstraints(strip_whitespace=True, max_length=255)]


class SignOnClaims(BaseModel):
    """The claims of one sign-in: the id_token's, completed by the userinfo endpoint's.

    ``groups`` and ``department`` are read from the claims the settings name
    (``OIDC_GROUPS_CLAIM``, ``OIDC_DEPARTMENT_CLAIM``); see :meth:`from_provider`.
    """

    model_config = ConfigDict(frozen=True, extra="ignore")

    issuer: Annotated[str, StringConstraints(min_length=1, max_length=255)]
    subject: Annotated[str, StringConstraints(min_length=1, max_length=255)]
    email: Text = ""
    email_verified: bool = False
    preferred_username: Text = ""
    name: Text = ""
    given_name: Text = ""
    family_name: Text = ""
    groups: tuple[Annotated[str, StringConstraints(max_length=255)], ...] = ()
    department: Text = ""
    # Entra ID's object ID of the person (the ``oid`` claim): what its SCIM sends as externalId.
    oid: Text = ""

    @field_validator("email_verified", mode="before")
    @classmethod
    def _verified(cls, value: Any) -> bool:
        # Some providers send the boolean as a string ("true"); anything else is not verified.
        if isinstance(value, str):
            return value.strip().lower() == "true"
        return value is True

    @field_validator("groups", mode="before")
    @classmethod
    def _groups(cls, value: Any) -> Any:
        if value is None:
            return ()
        if isinstance(value, str):
            return (value,)
        if isinstance(value, list | tuple):
            return tuple(str(group) for group in value)
        raise ValueError("must be a list of group names")

    @field_validator(
        "email", "preferred_username", "name", "given_name", "family_name", "department", "oid",
        mode="before",
    )  # fmt: skip
    @classmethod
    def _text(cls, value: Any) -> Any:
        if value is None:
            return ""
        if isinstance(value, list) and len(value) == 1:  # a one-valued claim sent as a list
            value = value[0]
        if not isinstance(value, str):
            raise ValueError("must be text")
        return value

    @classmethod
    def from_provider(
        cls, claims: dict[str, Any], *, groups_claim: str, department_claim: str
    ) -> SignOnClaims:
        return cls.model_validate(
            {
                **{
                    key: value
                    for key, value in claims.items()
                    if key not in ("groups", "department")
                },
                "issuer": claims.get("iss"),
                "subject": claims.get("sub"),
                "groups": claims.get(groups_claim),
                "department": claims.get(department_claim),
            }
        )

    @property
    def first_and_last_name(self) -> tuple[str, str]:
        """The given and family names, or the full ``name`` split at its first space."""
        if self.given_name or self.family_name:
            return self.given_name, self.family_name
        first, _, last = self.name.partition(" ")
        return first, last.strip()


__all__ = ["SignOnClaims"]
