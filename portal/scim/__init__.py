"""SCIM 2.0 (RFC 7643/7644) service provider at ``/scim/v2/``: the company's directory
(Entra ID, Okta) provisions people and groups here. The protocol (resources, filters, PATCH)
is scim2-models'; :mod:`portal.people.directory` does the writes."""
