"""``/api/v1/staff/ssi/statistics`` (JSON) and ``.csv``: the statistics page's report for
staff tools, with the page's filters (``from``/``to`` as ISO or Norwegian dates, or
``tertial``); a bad filter is 422 naming the field, never a 500."""

from __future__ import annotations

from flask import Blueprint, Response, g, jsonify, request
from marshmallow import Schema, fields

from citizen.api.operations import File, operation
from citizen.errors import ApiError
from citizen.wound_staff.access import infection_control
from citizen.wound_staff.statistics import FilterError, csv_response, parse_filters
from services.wound.statistics import Figures, PeriodFigures, Proportion, statistics

TAGS = ("wound surveillance",)
MESSAGES = {
    "bad_day": "not a day: YYYY-MM-DD or DD.MM.YYYY",
    "missing_day": "give both from and to",
    "reversed": "to is before from",
    "bad_tertial": "a tertial is YYYY-1, YYYY-2 or YYYY-3",
    "both": "give a tertial or from and to, not both",
    "unknown_category": "not a category of the procedure catalogue",
}


class StatisticsQuerySchema(Schema):
    category = fields.String(metadata={"description": "a catalogue category (CSEC, HPRO ...)"})
    from_ = fields.String(data_key="from", metadata={"description": "first day, YYYY-MM-DD"})
    to = fields.String(metadata={"description": "last day, included"})
    tertial = fields.String(metadata={"description": "YYYY-N (N 1-3); default: the current"})


class ProportionSchema(Schema):
    numerator = fields.Integer(required=True)
    denominator = fields.Integer(required=True)
    value = fields.Float(required=True, allow_none=True)
    ci_low = fields.Float(required=True, allow_none=True)
    ci_high = fields.Float(required=True, allow_none=True)


class DensitySchema(Schema):
    """In-hospital SSIs per 1,000 post-operative days in hospital (operations with a
    discharge day); per_1000 null without days."""

    events = fields.Integer(required=True)
    days = fields.Integer(required=True)
    per_1000 = fields.Float(required=True, allow_none=True)


class StratumSchema(Schema):
    nnis_index = fields.Integer(required=True)
    operations = fields.Integer(required=True)
    ssi = fields.Nested(ProportionSchema, required=True)
    superficial = fields.Nested(ProportionSchema, required=True)
    deep = fields.Nested(ProportionSchema, required=True)


class FiguresSchema(Schema):
    category = fields.String(required=True, allow_none=True)
    operations = fields.Integer(required=True)
    completeness = fields.Nested(ProportionSchema, required=True)
    response = fields.Nested(ProportionSchema, required=True)
    by_channel = fields.Dict(keys=fields.String(), values=fields.Nested(ProportionSchema),
                             required=True)
    median_days = fields.Float(required=True, allow_none=True)
    p90_days = fields.Float(required=True, allow_none=True)
    ssi = fields.Nested(ProportionSchema, required=True)
    superficial = fields.Nested(ProportionSchema, required=True)
    deep = fields.Nested(ProportionSchema, required=True)
    after_discharge = fields.Nested(ProportionSchema, required=True)
    in_hospital = fields.Nested(DensitySchema, required=True)
    strata = fields.List(fields.Nested(StratumSchema), required=True)


class PeriodSchema(Schema):
    first = fields.Date(required=True)
    last = fields.Date(required=True)
    categories = fields.List(fields.Nested(FiguresSchema), required=True)
    total = fields.Nested(FiguresSchema, required=True)


class ReportSchema(Schema):
    category = fields.String(required=True, allow_none=True)
    current = fields.Nested(PeriodSchema, required=True)
    previous = fields.Nested(PeriodSchema, required=True, allow_none=True)


def _proportion(p: Proportion) -> dict:
    low, high = p.interval or (None, None)
    return {"numerator": p.numerator, "denominator": p.denominator, "value": p.value,
            "ci_low": low, "ci_high": high}


def _figures(f: Figures) -> dict:
    return {"category": f.category, "operations": f.operations,
            "completeness": _proportion(f.completeness), "response": _proportion(f.response),
            "by_channel": {c.value: _proportion(p) for c, p in f.by_channel},
            "median_days": f.median_days, "p90_days": f.p90_days, "ssi": _proportion(f.ssi),
            "superficial": _proportion(f.superficial), "deep": _proportion(f.deep),
            "after_discharge": _proportion(f.after_discharge),
            "in_hospital": {"events": f.in_hospital.events, "days": f.in_hospital.days,
                            "per_1000": f.in_hospital.per_1000},
            "strata": [{"nnis_index": s.nnis_index, "operations": s.operations,
                        "ssi": _proportion(s.ssi), "superficial": _proportion(s.superficial),
                        "deep": _proportion(s.deep)} for s in f.strata]}


def _period(p: PeriodFigures | None) -> dict | None:
    if p is None:
        return None
    return {"first": p.period.first, "last": p.period.last,
            "categories": [_figures(f) for f in p.categories], "total": _figures(p.total)}


def _report():
    try:
        filters = parse_filters(request.args)
    except FilterError as exc:
        raise ApiError(422, "the query has invalid parameters",
                       errors={k: [MESSAGES[v]] for k, v in exc.errors.items()}) from None
    return statistics(actor=g.actor, period=filters.period, category=filters.category)


PROBLEMS = {422: "A filter is not valid: an unknown category, a day that is not one, the "
                 "last day before the first, a bad tertial, or a tertial and days both."}


@operation(summary="Wound-infection statistics of the staff member's hospital", tags=TAGS,
           description="Aggregates per category for the period and the one before; "
                       "proportions with Wilson's 95 % interval (docs/wound-statistics.md).",
           query=StatisticsQuerySchema, responses={200: ReportSchema}, problems=PROBLEMS)
@infection_control
def statistics_json() -> Response:
    report = _report()
    return jsonify(ReportSchema().dump({"category": report.category,
                                        "current": _period(report.current),
                                        "previous": _period(report.previous)}))


@operation(summary="The same statistics as CSV (UTF-8 with BOM, dot decimals)", tags=TAGS,
           query=StatisticsQuerySchema, responses={200: File("text/csv")}, problems=PROBLEMS)
@infection_control
def statistics_csv() -> Response:
    return csv_response(_report())


def add_routes(blueprint: Blueprint) -> None:
    blueprint.add_url_rule("/staff/ssi/statistics", endpoint="ssi_statistics",
                           view_func=statistics_json)
    blueprint.add_url_rule("/staff/ssi/statistics.csv", endpoint="ssi_statistics_csv",
                           view_func=statistics_csv)
