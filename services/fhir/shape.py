"""Checks of parsed FHIR JSON that must run before model validation: how deep it nests,
where it holds nulls, which characters its strings hold, and what a batch or transaction
Bundle's entries look like.

fhir.resources validates recursively (a ``contained`` or ``extension`` a few hundred levels
deep exhausts Python's stack), and the Bundle code reads its entries before anything else
does; so these walk the document iteratively and bound it first.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from services.fhir.problem import Problem

#: Methods of the Bundle entries whose request carries a resource.
METHODS_WITH_RESOURCE = frozenset({"POST", "PUT", "PATCH"})
#: What a FHIR string must not hold: control characters other than tab, CR and LF (the
#: spec's rule, and PostgreSQL stores no NUL), and halves of surrogate pairs (JSON's
#: ``"\ud800"``: not a character, and no UTF-8 database column takes one).
_FORBIDDEN_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff]")


def check_document(document: Any, *, max_depth: int, root: str) -> Problem | None:
    """The first place where ``document`` nests deeper than ``max_depth`` objects and
    arrays, holds a null that FHIR JSON does not allow, or a string with a character
    that FHIR does not allow; ``root`` names the top.

    A null is allowed only inside an array of primitives and its ``_`` companion, where
    the other has the item: ``"given": [null, "Ola"], "_given": [{"extension": ...}, null]``.
    """
    # Where a node is, as (where its container is, its key): spelt out only for a problem.
    stack: list[tuple[Any, Any, int]] = [(document, None, 1)]
    while stack:
        node, trail, depth = stack.pop()
        if not isinstance(node, dict | list):
            break  # the document itself is a number, a string or a null: nothing inside
        if depth > max_depth:
            return Problem(_path(root, trail), f"the JSON nests deeper than {max_depth} levels",
                           "too-long")
        for key, value in node.items() if isinstance(node, dict) else enumerate(node):
            if isinstance(value, dict | list):
                if isinstance(value, list) and None in value:
                    at = _null_without_companion(value, _companion(node, key))
                    if at is not None:
                        return Problem(_path(root, ((trail, key), at)),
                                       "null is not a value (only a primitive with "
                                       "extensions may have none)", "structure")
                stack.append((value, (trail, key), depth + 1))
            elif isinstance(value, str) and (found := _FORBIDDEN_CHARACTERS.search(value)):
                return _bad_character(found, _path(root, (trail, key)))
            if isinstance(key, str) and (found := _FORBIDDEN_CHARACTERS.search(key)):
                return _bad_character(found, _path(root, (trail, key)))
    return None


def _path(root: str, trail: Any) -> str:
    """``(((None, "name"), 0), "given")`` as ``Patient.name[0].given``."""
    parts = []
    while trail is not None:
        trail, key = trail
        parts.append(f"[{key}]" if isinstance(key, int) else f".{key}")
    return root + "".join(reversed(parts))


def _bad_character(found: re.Match, path: str) -> Problem:
    return Problem(path, f"U+{ord(found.group()):04X} is not allowed in a string", "value")


def _companion(node: Any, key: Any) -> Any:
    """The ``_given`` beside ``given`` (and the other way round)."""
    if not isinstance(node, dict):
        return None
    return node.get(key[1:] if key.startswith("_") else f"_{key}")


def _null_without_companion(items: list[Any], companion: Any) -> int | None:
    """The index of the first null of ``items`` that ``companion`` has no item for."""
    for index, item in enumerate(items):
        if item is None and not (isinstance(companion, list) and index < len(companion)
                                 and companion[index] is not None):
            return index
    return None


def check_bundle_entries(bundle: dict[str, Any]) -> Problem | None:
    """The first entry of a batch or transaction Bundle that cannot be processed as one:
    not an object, no request with a method and a URL, a URL that does not parse, or no
    resource where the method needs one."""
    if bundle.get("type") not in ("batch", "transaction"):
        return None
    entries = bundle.get("entry")
    if entries is None:
        return None
    if not isinstance(entries, list):
        return Problem("Bundle.entry", "entry must be an array", "structure")
    for index, entry in enumerate(entries):
        if problem := _entry_problem(entry, f"Bundle.entry[{index}]"):
            return problem
    return None


def _entry_problem(entry: Any, path: str) -> Problem | None:
    if not isinstance(entry, dict):
        return Problem(path, "an entry must be an object", "structure")
    request = entry.get("request")
    if not isinstance(request, dict):
        return Problem(f"{path}.request", "an entry of a batch or transaction needs a request",
                       "required")
    for name in ("method", "url"):
        if not isinstance(request.get(name), str) or not request[name]:
            return Problem(f"{path}.request.{name}", f"request.{name} must be a string",
                           "required")
    try:
        urlsplit(request["url"])
    except ValueError:
        return Problem(f"{path}.request.url", "request.url is not a URL", "value")
    resource = entry.get("resource")
    if request["method"] in METHODS_WITH_RESOURCE and not isinstance(resource, dict):
        return Problem(f"{path}.resource", f"a {request['method']} entry needs a resource",
                       "required")
    if resource is not None and not (isinstance(resource, dict)
                                     and isinstance(resource.get("resourceType"), str)):
        return Problem(f"{path}.resource", "a resource is an object with a resourceType",
                       "structure")
    return None
