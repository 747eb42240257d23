"""``/staff/ssi/statistics``: the hospital's wound-infection statistics (the page, ``.csv``
and ``.pdf``), for infection-control staff; the filters are shared with the API
(``api_statistics``). Aggregates only: no per-patient audit rows (docs/wound-statistics.md)."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from flask import Blueprint, Response, g, render_template, request
from flask_babel import format_decimal

from citizen.babel_cache import gettext as _
from citizen.i18n import current_language, day, parse_day
from citizen.wound_staff import charts
from citizen.wound_staff.access import infection_control
from services.clock import today_in_norway
from services.wound import catalogue
from services.wound.models import AnswerChannel
from services.wound.periods import (
    BadPeriod,
    Period,
    parse_tertial,
    tertial_containing,
    tertial_name,
)
from services.wound.statistics import Density, Figures, Proportion, Report, statistics

#: Excel reads a file as UTF-8 only with the byte-order mark; other tools skip it.


class FilterError(ValueError):
    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("bad filters")
        self.errors = errors  # field -> code


@dataclass(frozen=True)
class Filters:
    period: Period
    category: str | None


def parse_filters(args) -> Filters:
    """The period and category from the query; :class:`FilterError` names each bad field
    (codes: bad_day, missing_day, reversed, bad_tertial, both, unknown_category)."""
    errors: dict[str, str] = {}
    text = {name: str(args.get(name, ""))[:40].strip() for name in
            ("tertial", "from", "to", "category")}
    category = text["category"].upper() or None
    if category is not None and catalogue.load().by_key(category) is None:
        errors["category"] = "unknown_category"
    period = None
    if text["tertial"] and (text["from"] or text["to"]):
        errors["tertial"] = "both"
    elif text["tertial"]:
        try:
            period = parse_tertial(text["tertial"])
        except BadPeriod:
            errors["tertial"] = "bad_tertial"
    elif text["from"] or text["to"]:
        days = {}
        for name in ("from", "to"):
            if not text[name]:
                errors[name] = "missing_day"
            elif (day := parse_day(text[name])) is None:
                errors[name] = "bad_day"
            else:
                days[name] = day
        if len(days) == 2:
            try:
                period = Period(days["from"], days["to"])
            except BadPeriod:
                errors["to"] = "reversed"
    else:
        period = tertial_containing(today_in_norway())
    if errors:
        raise FilterError(errors)
    return Filters(period=period, category=category)


def error_text(code: str) -> str:
    return {
        "bad_day": _("Write the day as 24.12.2026."),
        "missing_day": _("Give both the first and the last day."),
        "reversed": _("The last day cannot be before the first."),
        "bad_tertial": _("Write the tertial as year and number, for example 2026-3."),
        "both": _("Choose a tertial or days, not both."),
        "unknown_category": _("Choose a type of operation from the list."),
    }[code]


def percent(rate: Proportion) -> str:
    """``3,9 %`` (the reader's decimals), or a dash when there is nothing to divide by."""
    if rate.value is None:
        return "–"
    return f"{format_decimal(rate.value * 100, '0.0')} %"


def interval(rate: Proportion) -> str:
    found = rate.interval
    if found is None:
        return "–"
    return f"{format_decimal(found[0] * 100, '0.0')}–{format_decimal(found[1] * 100, '0.0')} %"


def per_1000(density: Density) -> str:
    """``58,8 (1 in 17 days)``, or a dash without days to divide by."""
    if density.per_1000 is None:
        return "–"
    return _("%(rate)s (%(events)d in %(days)d days)", rate=format_decimal(
        density.per_1000, "0.0"), events=density.events, days=density.days)


def days_text(value: float | None) -> str:
    return "–" if value is None else format_decimal(value, "0.0")


def category_name(key: str | None) -> str:
    if key is None:
        return _("All operations")
    found = catalogue.load().by_key(key)
    return found.name(current_language()) if found else key


def channel_name(channel) -> str:
    return {"web": _("Web form"), "helsenorge": _("helsenorge.no"), "fhir": _("App (FHIR)"),
            "sms": _("SMS"), "phone": _("Phone call")}[channel.value]


def period_name(period: Period) -> str:
    return tertial_name(period) or f"{day(period.first)}–{day(period.last)}"


#: What the page's and the PDF's templates write figures with.
FORMATTERS = {"percent": percent, "interval": interval, "days_text": days_text,
              "per_1000": per_1000, "category_name": category_name,
              "period_name": period_name, "channel_name": channel_name}


def _bars(report: Report, pick) -> list[charts.Bar]:
    bars = [charts.Bar(period_name(report.current.period), rate := pick(report.current),
                       f"{percent(rate)} ({interval(rate)})")]
    if report.previous is not None:
        rate = pick(report.previous)
        bars.append(charts.Bar(period_name(report.previous.period), rate,
                               f"{percent(rate)} ({interval(rate)})", previous=True))
    return bars


def incidence_chart(report: Report):
    keys = [f.category for f in report.current.categories]
    if report.category is None:
        keys.append(None)

    def figures(found, key):
        return next(f for f in (*found.categories, found.total) if f.category == key)

    groups = [charts.Group(category_name(key),
                           _bars(report, lambda p, k=key: figures(p, k).ssi)) for key in keys]
    return charts.bar_chart("chart-categories", title=_("SSI per type of operation"),
                            description=_("Share of operations with a surgical site infection, "
                                          "with the 95 percent confidence interval, this period "
                                          "and the period before. The table below has the same "
                                          "figures."), groups=groups)


def nnis_chart(report: Report):
    groups = [charts.Group(_("NNIS risk index %(index)d", index=i),
                           _bars(report, lambda p, n=n: p.total.strata[n].ssi))
              for n, i in enumerate((-1, 0, 1, 2, 3))]
    return charts.bar_chart("chart-nnis", title=_("SSI by NNIS risk index"),
                            description=_("Share of operations with a surgical site infection "
                                          "per NNIS risk index, with the 95 percent "
                                          "confidence interval, this period and the period "
                                          "before. The table below has the same figures."),
                            groups=groups)


def _report_or_errors():
    try:
        filters = parse_filters(request.args)
    except FilterError as exc:
        return None, {name: error_text(code) for name, code in exc.errors.items()}
    return statistics(actor=g.actor, period=filters.period, category=filters.category), {}


def _values() -> dict[str, str]:
    return {name: str(request.args.get(name, ""))[:40] for name in
            ("tertial", "from", "to", "category")}


@infection_control
def statistics_page():
    report, errors = _report_or_errors()
    return render_template(
        "wound_staff/statistics.html", report=report, errors=errors, values=_values(),
        categories=catalogue.load().categories, **FORMATTERS,
        incidence_chart=incidence_chart(report) if report else None,
        nnis_chart=nnis_chart(report) if report else None,
        query=request.query_string.decode("ascii", "replace")), 422 if errors else 200


@infection_control
def statistics_csv():
    report, errors = _report_or_errors()
    if errors:
        return statistics_page()
    return csv_response(report)


@infection_control
def statistics_pdf():
    report, errors = _report_or_errors()
    if errors:
        return statistics_page()
    from citizen.wound_staff.statistics_pdf import statistics_pdf as render

    return Response(render(report, current_language()), mimetype="application/pdf",
                    headers={"Content-Disposition": "attachment; filename=sar-statistikk.pdf"})


HEADER = ("period", "first_day", "last_day", "category", "nnis_index", "operations",
          "ssi", "ssi_percent", "ssi_ci_low", "ssi_ci_high", "superficial",
          "deep_organ_space", "known_status", "completeness_percent", "invited", "answered",
          "response_percent", *[f"answered_{c.value}" for c in AnswerChannel], "median_days",
          "p90_days", "ssi_in_hospital", "post_op_days_in_hospital", "ssi_in_hospital_per_1000")


def _number(value: float | None, digits: int = 2) -> str:
    return "" if value is None else f"{value * 100:.{digits}f}"


def csv_rows(report: Report) -> list[list[str]]:
    rows = []
    for label, figures in (("current", report.current), ("previous", report.previous)):
        if figures is None:
            continue
        for f in (*figures.categories, figures.total):
            rows.append(_csv_row(label, figures.period, f))
            for s in f.strata:
                interval_ = s.ssi.interval or (None, None)
                rows.append([label, figures.period.first.isoformat(),
                             figures.period.last.isoformat(), f.category or "ALL",
                             str(s.nnis_index), str(s.operations), str(s.ssi.numerator),
                             _number(s.ssi.value), _number(interval_[0]),
                             _number(interval_[1]), str(s.superficial.numerator),
                             str(s.deep.numerator)] + [""] * (len(HEADER) - 12))
    return rows


def _csv_row(label: str, period: Period, f: Figures) -> list[str]:
    low, high = f.ssi.interval or (None, None)
    return [label, period.first.isoformat(), period.last.isoformat(), f.category or "ALL", "",
            str(f.operations), str(f.ssi.numerator), _number(f.ssi.value), _number(low),
            _number(high), str(f.superficial.numerator), str(f.deep.numerator),
            str(f.completeness.numerator), _number(f.completeness.value),
            str(f.response.denominator), str(f.response.numerator), _number(f.response.value),
            *[str(p.numerator) for _c, p in f.by_channel],
            "" if f.median_days is None else f"{f.median_days:.1f}",
            "" if f.p90_days is None else f"{f.p90_days:.1f}",
            str(f.in_hospital.events), str(f.in_hospital.days),
            "" if f.in_hospital.per_1000 is None else f"{f.in_hospital.per_1000:.2f}"]


def csv_response(report: Report) -> Response:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(HEADER)
    writer.writerows(csv_rows(report))
    name = f"ssi-statistics-{report.current.period.first}-{report.current.period.last}.csv"
    return Response("\ufeff" + out.getvalue(), mimetype="text/csv",
                    headers={"Content-Disposition": f"attachment; filename={name}"})


def add_routes(blueprint: Blueprint) -> None:
    blueprint.add_url_rule("/statistics", endpoint="statistics", view_func=statistics_page)
    blueprint.add_url_rule("/statistics.csv", endpoint="statistics_csv",
                           view_func=statistics_csv)
    blueprint.add_url_rule("/statistics.pdf", endpoint="statistics_pdf",
                           view_func=statistics_pdf)
