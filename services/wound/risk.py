"""The NNIS risk index (Culver et al., Am J Med 1991), as NOIS analyses use it.

One point each for an ASA score of 3 or more, a contaminated or dirty wound (class 3 or
4), and an operation that lasted longer than its category's cut-off "T" (the 75th
percentile: exactly T scores nothing). In categories where the catalogue says so, an
endoscopic operation scores one point less, so the index runs from -1 to 3. Pooled SSI
rates were 1.5, 2.9, 6.8 and 13.0 % for 0 to 3 points.
"""

from __future__ import annotations

from services.wound.catalogue import Category

ASA_POINT_FROM = 3
WOUND_CLASS_POINT_FROM = 3
ASA_CLASSES = range(1, 6)
WOUND_CLASSES = range(1, 5)


def nnis_index(*, category: Category, asa: int, wound_class: int, duration_minutes: int,
               endoscopic: bool) -> int:
    """The NNIS risk index of one operation; ``ValueError`` for impossible values."""
    if asa not in ASA_CLASSES:
        raise ValueError("ASA class is 1 to 5")
    if wound_class not in WOUND_CLASSES:
        raise ValueError("wound class is 1 to 4")
    if duration_minutes < 0:
        raise ValueError("the duration cannot be negative")
    points = ((asa >= ASA_POINT_FROM) + (wound_class >= WOUND_CLASS_POINT_FROM)
              + (duration_minutes > category.duration_cutoff_minutes))
    if endoscopic and category.laparoscopic_adjustment:
        points -= 1
    return points
