"""``fast_dump`` gives what the schema's own ``dump`` gives, field type by field type,
and refuses the schemas it cannot follow."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from marshmallow import Schema, fields, post_dump

from citizen.api.dump import fast_dump
from citizen.api.schemas import JsonInteger


class Inner(Schema):
    id = fields.Integer(required=True)
    name = fields.String(allow_none=True)


class Outer(Schema):
    text = fields.String()
    number = fields.Integer(allow_none=True)
    json_number = JsonInteger()
    moment = fields.AwareDateTime(allow_none=True)
    naive = fields.DateTime()
    day = fields.Date()
    flag = fields.Boolean()
    ratio = fields.Float()
    link = fields.Url(allow_none=True, require_tld=False)
    renamed = fields.String(data_key="from")
    elsewhere = fields.String(attribute="stored_as")
    defaulted = fields.String(dump_default="default")
    counted = fields.Integer(as_string=True)
    inner = fields.Nested(Inner, allow_none=True)
    inners = fields.List(fields.Nested(Inner))
    many = fields.Nested(Inner, many=True)
    words = fields.List(fields.String())
    secret = fields.String(load_only=True)


VALUES = [
    {},
    {"text": "Epikrise", "number": 7, "json_number": 2, "moment": datetime(2026, 2, 1, 9,
                                                                            tzinfo=UTC),
     "naive": datetime(2026, 2, 1, 9, 30, 15, 120), "day": date(2026, 2, 1), "flag": True,
     "ratio": 0.5, "link": "http://localhost/api", "renamed": "a", "stored_as": "b",
     "defaulted": "given", "counted": 3, "inner": {"id": 1, "name": "St. Olavs"},
     "inners": [{"id": 2, "name": None}, {"id": 3}], "many": [{"id": 4, "name": "x"}],
     "words": ["a", "b"], "secret": "not dumped"},
    # Values that are not yet what the field gives: the field's own formatting applies.
    {"text": 12, "number": True, "json_number": 2.0, "moment": datetime(
        2026, 6, 1, 9, tzinfo=timezone(timedelta(hours=2))), "flag": 0, "ratio": 1,
     "link": None, "renamed": b"bytes", "counted": 4.0, "inner": None, "inners": [],
     "many": [], "words": [1, None], "number_unknown": 5},
    {"text": None, "number": None, "moment": None, "inner": {"id": "5", "name": 6},
     "stored_as": None, "defaulted": None},
]


@pytest.mark.parametrize("value", VALUES)
def test_the_same_as_the_schemas_dump(value):
    expected = Outer().dump(value)
    got = fast_dump(Outer)(value)
    assert got == expected
    assert list(got) == list(expected)  # the declared order too


def test_refuses_dump_hooks_and_fields_without_an_attribute():
    class Hooked(Schema):
        id = fields.Integer()

        @post_dump
        def _wrap(self, data, **kwargs):
            return {"wrapped": data}

    class Computed(Schema):
        size = fields.Method("_size")

        def _size(self, obj):
            return 1

    class Dotted(Schema):
        name = fields.String(attribute="organisation.name")

    class Nesting(Schema):
        inner = fields.Nested(Hooked)

    for schema in (Hooked, Computed, Dotted, Nesting):
        with pytest.raises(TypeError):
            fast_dump(schema)
