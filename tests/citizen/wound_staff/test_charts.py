"""The SVG bar chart: long labels wrap to what a phone holds, texts are escaped, whiskers
span the interval."""

import re
from html import unescape

from citizen.wound_staff.charts import LABEL_WIDTH, Bar, Group, bar_chart
from services.wound.statistics import Proportion

LONG = "Koronar bypass, med graft fra annet sted (bryst og bein) <b>"


def chart(label: str = LONG) -> str:
    return str(bar_chart("c", title="T", description="D", groups=[
        Group(label, [Bar("2026-1", Proportion(1, 20), "5,0 %"),
                      Bar("2025-3", Proportion(0, 0), "–", previous=True)])]))


def test_a_long_label_wraps_into_lines_a_phone_holds():
    lines = re.findall(r'<tspan x="0" dy="(\d+)">([^<]*)</tspan>', chart())
    assert [dy for dy, _ in lines] == ["0", "16"]
    assert all(len(unescape(text)) <= LABEL_WIDTH for _, text in lines)
    assert " ".join(text for _, text in lines) == \
        "Koronar bypass, med graft fra annet sted (bryst og bein) &lt;b&gt;"


def test_the_chart_grows_by_the_extra_lines():
    height = int(re.search(r'height="(\d+)"', chart()).group(1))
    short = int(re.search(r'height="(\d+)"', chart("Keisersnitt")).group(1))
    assert height == short + 16


def test_the_svg_is_an_image_with_its_title_and_a_hatched_previous_period():
    svg = chart()
    assert 'role="img"' in svg and 'aria-labelledby="c-title c-desc"' in svg
    assert 'fill="url(#c-hatch)"' in svg  # the period before
    assert "<b>" not in svg
