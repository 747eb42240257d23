"""The procedure catalogue: which operations are followed up, when, and how their risk is
scored. Data, not code (``data/procedures.json``, or the file ``WOUND_PROCEDURES_FILE``
names): a hospital adds a category or changes a window without a release.

An incoming operation is classified by its codes: a ``Procedure.code`` coding whose code is
one of a category's (NHSN/ECDC category codes, any system) is enough.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from services.fhir import mapping

DEFAULT_FILE = Path(__file__).with_name("data") / "procedures.json"
#: The CodeSystem we write a category's code in (served at
#: /fhir/R4/CodeSystem/surgical-procedure-category; the codes are NHSN's).
CATEGORY_SYSTEM = "https://minhelse.no/fhir/CodeSystem/surgical-procedure-category"
LANGUAGES = ("nb", "nn", "en")
#: Windows NHSN uses; anything else in the file is a typing error.
WINDOWS = frozenset({30, 90})


class CatalogueError(ValueError):
    """The catalogue file is not one we can use (a missing field, a window not 30 or 90)."""


@dataclass(frozen=True)
class Category:
    key: str
    #: Codes that classify an operation into this category (NHSN's own code first).
    codes: tuple[str, ...]
    names: Mapping[str, str]
    #: The questionnaire is sent this many days after surgery (the day of surgery is day 1).
    follow_up_days: int
    #: Deep and organ/space SSI are counted this long (90 after an implant); superficial
    #: SSI always 30 days.
    deep_window_days: int
    #: NNIS "T": an operation lasting longer than this scores a risk point.
    duration_cutoff_minutes: int
    #: An endoscopic operation in this category scores one point less (NNIS).
    laparoscopic_adjustment: bool
    implant: bool

    def name(self, language: str) -> str:
        return self.names.get(language) or self.names["nb"]


@dataclass(frozen=True)
class Catalogue:
    categories: tuple[Category, ...]

    def by_key(self, key: str) -> Category | None:
        return next((c for c in self.categories if c.key == key), None)

    def name_of(self, key: str, language: str) -> str:
        """The category's name in ``language``; the key itself when it is not listed."""
        found = self.by_key(key)
        return found.name(language) if found else key

    def classify(self, codes: Iterable[str]) -> Category | None:
        """The category of an operation coded with ``codes`` (the first that matches)."""
        wanted = [code.strip().upper() for code in codes if isinstance(code, str)]
        for code in wanted:
            for category in self.categories:
                if code in category.codes:
                    return category
        return None


def parse(document: Mapping) -> Catalogue:
    """A catalogue from the file's JSON; :class:`CatalogueError` names what is wrong."""
    try:
        entries = document["categories"]
        categories = tuple(_category(entry) for entry in entries)
    except (KeyError, TypeError, ValueError) as exc:
        raise CatalogueError(f"the procedure catalogue is not valid: {exc}") from exc
    keys = [c.key for c in categories]
    codes = [code for c in categories for code in c.codes]
    if len(set(keys)) != len(keys) or len(set(codes)) != len(codes):
        raise CatalogueError("a category key or code appears twice in the catalogue")
    return Catalogue(categories)


def _category(entry: Mapping) -> Category:
    names = {lang: str(entry["names"][lang]) for lang in LANGUAGES}
    category = Category(
        key=str(entry["key"]).upper(),
        codes=tuple(str(code).upper() for code in entry["codes"]),
        names=names,
        follow_up_days=int(entry["follow_up_days"]),
        deep_window_days=int(entry["deep_window_days"]),
        duration_cutoff_minutes=int(entry["duration_cutoff_minutes"]),
        laparoscopic_adjustment=bool(entry["laparoscopic_adjustment"]),
        implant=bool(entry["implant"]),
    )
    if not category.codes:
        raise ValueError(f"{category.key} has no codes")
    if category.follow_up_days not in WINDOWS or category.deep_window_days not in WINDOWS:
        raise ValueError(f"{category.key}: windows are 30 or 90 days")
    if category.deep_window_days < category.follow_up_days:
        raise ValueError(f"{category.key}: the deep window is shorter than the follow-up")
    if category.duration_cutoff_minutes <= 0:
        raise ValueError(f"{category.key}: the duration cut-off must be positive")
    return category


@cache
def load(path: Path = DEFAULT_FILE) -> Catalogue:
    with path.open(encoding="utf-8") as file:
        return parse(json.load(file))


def code_system() -> dict:
    """The CodeSystem of the catalogue's categories, as published."""
    categories = load().categories
    return mapping.code_system(
        id="surgical-procedure-category", url=CATEGORY_SYSTEM,
        name="SurgicalProcedureCategory",
        title="Operations under wound-infection surveillance", case_sensitive=False,
        description="The NHSN/ECDC operative procedure categories Min helse follows "
                    "up (NOIS-POSI). A Procedure.code coding with one of these codes "
                    "classifies an operation, whatever its system.",
        concepts=[{"code": c.key, "display": c.name("en")} for c in categories])
