"""Shapes of what the auth views read and return."""

from __future__ import annotations

from marshmallow import EXCLUDE, Schema, fields


class RepresentationSchema(Schema):
    """Someone the citizen may act for: never their identity number."""

    id = fields.Integer(attribute="subject.id")
    name = fields.String(attribute="subject.name")
    basis = fields.String()
    areas = fields.Function(lambda rep: sorted(area.value for area in rep.areas),
                            metadata={"type": "array", "items": {"type": "string"}})


class MeSchema(Schema):
    """``GET /api/v1/me``: the logged-in citizen, whom they act for, and whom they may."""

    id = fields.Integer(attribute="person.id")
    name = fields.String(attribute="person.name")
    given_name = fields.String(attribute="person.given_name")
    family_name = fields.String(attribute="person.family_name")
    birth_date = fields.Date(attribute="person.birth_date")
    acting_for = fields.Nested(RepresentationSchema)
    may_act_for = fields.List(fields.Nested(RepresentationSchema))


class _Form(Schema):
    class Meta:
        unknown = EXCLUDE  # csrf_token and the submit button


class ActingForForm(_Form):
    person_id = fields.Integer(required=True, strict=False)
    next = fields.String(load_default=None)


class OrganisationForm(_Form):
    organisation_id = fields.Integer(required=True, strict=False)
    next = fields.String(load_default=None)
