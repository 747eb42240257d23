"""A QuestionnaireResponse against its Questionnaire: the FHIR R4 conformance rules that
fhir.resources, which checks structure only, leaves to us.

Plain Python over resource dicts. The enableWhen operators are few and simple enough
that fhirpathpy would add a dependency without saving code.

What is checked, with the ``code`` of each Problem:

- ``structure``: every response item's ``linkId`` is an item of the Questionnaire, at the
  same nesting; a non-repeating item appears once and has one answer; group and display
  items have no answers; a disabled item (enableWhen) has no answers.
- ``value``: the answer's ``value[x]`` fits ``item.type``; ``maxLength`` holds.
- ``code-invalid``: an answer to an item with ``answerOption`` is one of the options.
- ``required``: a required item that is enabled is answered (skip for a saved draft).

What the real renderers send is tolerated: LHC-Forms' ``meta.profile`` is not looked at,
nor is ``status`` (Refero submits ``in-progress``; the caller decides whether "completed"
is needed), and :func:`questionnaire_matches` accepts a canonical without ``|version``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from services.fhir.problem import Problem

#: The answer ``value[x]`` each item type takes. choice and open-choice also take the
#: value types of their answerOptions (a choice among strings is answered valueString).
ANSWER_TYPES: dict[str, frozenset[str]] = {
    "boolean": frozenset({"valueBoolean"}),
    "decimal": frozenset({"valueDecimal"}),
    "integer": frozenset({"valueInteger"}),
    "date": frozenset({"valueDate"}),
    "dateTime": frozenset({"valueDateTime"}),
    "time": frozenset({"valueTime"}),
    "string": frozenset({"valueString"}),
    "text": frozenset({"valueString"}),
    "url": frozenset({"valueUri"}),
    "choice": frozenset({"valueCoding"}),
    "open-choice": frozenset({"valueCoding", "valueString"}),
    "attachment": frozenset({"valueAttachment"}),
    "reference": frozenset({"valueReference"}),
    "quantity": frozenset({"valueQuantity"}),
}

#: Item types that take no answers.
NO_ANSWERS = frozenset({"group", "display"})

_NUMERIC = frozenset({"Decimal", "Integer"})


def questionnaire_matches(response: dict[str, Any], questionnaire: dict[str, Any]) -> bool:
    """Whether the response's ``questionnaire`` canonical names ``questionnaire``: its
    ``url``, and its ``version`` when the canonical has ``|version`` (Refero's has none)."""
    canonical = response.get("questionnaire") if isinstance(response, dict) else None
    url = questionnaire.get("url")
    if not isinstance(canonical, str) or not isinstance(url, str) or not url:
        return False
    wanted_url, _, wanted_version = canonical.partition("|")
    if wanted_url != url:
        return False
    return not wanted_version or wanted_version == questionnaire.get("version")


def missing_required(response: dict[str, Any], questionnaire: dict[str, Any]) -> list[str]:
    """The linkIds of the required items that are enabled but not answered yet, nested
    ones as they are found under their parent (for a dialogue that asks one at a time)."""
    checker = _Checker(questionnaire, check_required=True)
    checker.check(response)
    return checker.missing


def validate_response(response: dict[str, Any], questionnaire: dict[str, Any], *,
                      check_required: bool = True) -> list[Problem]:
    """What in ``response`` does not conform to ``questionnaire``, in document order.

    ``check_required=False`` skips the required-item rule, for a draft saved half-way.
    """
    if not isinstance(questionnaire, dict) or questionnaire.get("resourceType") != "Questionnaire":
        raise ValueError("questionnaire must be a Questionnaire resource")
    if not isinstance(response, dict) or response.get("resourceType") != "QuestionnaireResponse":
        return [Problem("resourceType", "not a QuestionnaireResponse", "structure")]
    return _Checker(questionnaire, check_required=check_required).check(response)


def enabled_link_ids(response: dict[str, Any], questionnaire: dict[str, Any]) -> frozenset[str]:
    """The linkIds of the Questionnaire's items that are enabled by ``response``'s answers
    (the same enableWhen rules :func:`validate_response` applies): what a form should show.

    For a Questionnaire whose items do not repeat, an item is enabled when its parent is
    and its conditions hold; a disabled item's answers count for no condition.
    """
    if not isinstance(questionnaire, dict) or questionnaire.get("resourceType") != "Questionnaire":
        raise ValueError("questionnaire must be a Questionnaire resource")
    checker = _Checker(questionnaire, check_required=False)
    checker._place(response.get("item") if isinstance(response, dict) else None, checker.top,
                   None, "QuestionnaireResponse", "QuestionnaireResponse")
    placed = {node.definition.link_id: node for node in checker.nodes}
    found: dict[str, bool] = {}

    def enabled(definition: _Definition) -> bool:
        link_id = definition.link_id
        if link_id not in found:
            parent = definition.parent
            found[link_id] = (parent is None or enabled(parent)) and checker._enabled_under(
                definition, placed.get(parent.link_id) if parent is not None else None)
        return found[link_id]

    return frozenset(link for link, definition in checker.by_link.items() if enabled(definition))


@dataclass(eq=False)
class _Definition:
    """An item of the Questionnaire."""

    item: dict[str, Any]
    parent: _Definition | None
    children: dict[str, _Definition] = field(default_factory=dict)

    @property
    def link_id(self) -> str:
        return self.item["linkId"]

    @property
    def type(self) -> str | None:
        return self.item.get("type")

    @property
    def options(self) -> list[dict[str, Any]]:
        return [o for o in self.item.get("answerOption") or [] if isinstance(o, dict)]


@dataclass(eq=False)
class _Node:
    """An item of the response, placed where the Questionnaire allows it."""

    item: dict[str, Any]
    definition: _Definition
    expression: str
    #: The response item this one is nested in (through ``item`` or ``answer.item``).
    parent: _Node | None
    containers: list[_Container] = field(default_factory=list)

    @property
    def answers(self) -> list[Any]:
        answers = self.item.get("answer")
        return answers if isinstance(answers, list) else []


@dataclass(eq=False)
class _Container:
    """A list of response items: the top level, a group's items, or an answer's items."""

    #: Where a missing item is reported.
    expression: str
    owner: _Node | None
    #: The items that may appear here.
    definitions: dict[str, _Definition]
    #: Each response item, as a node or as the problem that it is misplaced.
    entries: list[_Node | Problem] = field(default_factory=list)


class _Checker:
    def __init__(self, questionnaire: dict[str, Any], *, check_required: bool) -> None:
        self.check_required = check_required
        self.by_link: dict[str, _Definition] = {}
        self.top = self._index(questionnaire.get("item"), None)
        self.nodes: list[_Node] = []
        self.problems: list[Problem] = []
        #: The linkIds the ``required`` problems are about, in the order found.
        self.missing: list[str] = []
        #: id(node) → enabled; None while being worked out (an enableWhen cycle).
        self._enabled: dict[int, bool | None] = {}

    def check(self, response: dict[str, Any]) -> list[Problem]:
        # Place every item first: an enableWhen may look at items further down.
        root = self._place(response.get("item"), self.top, None, "QuestionnaireResponse",
                           "QuestionnaireResponse")
        self._check_container(root)
        return self.problems

    def _index(self, items: Any, parent: _Definition | None) -> dict[str, _Definition]:
        children: dict[str, _Definition] = {}
        for item in items if isinstance(items, list) else []:
            if isinstance(item, dict) and isinstance(item.get("linkId"), str):
                definition = _Definition(item, parent)
                children.setdefault(definition.link_id, definition)
                self.by_link.setdefault(definition.link_id, definition)
                definition.children = self._index(item.get("item"), definition)
        return children

    # --- placing the response's items ---

    def _place(self, items: Any, definitions: dict[str, _Definition], owner: _Node | None,
               expression: str, item_base: str) -> _Container:
        container = _Container(expression, owner, definitions)
        for index, item in enumerate(items if isinstance(items, list) else []):
            where = f"{item_base}.item[{index}]"
            link_id = item.get("linkId") if isinstance(item, dict) else None
            if not isinstance(link_id, str):
                container.entries.append(Problem(where, "an item needs a linkId", "structure"))
                continue
            definition = definitions.get(link_id)
            if definition is None:
                container.entries.append(Problem(where, self._misplaced(link_id), "structure"))
                continue
            node = _Node(item, definition, where, owner)
            self.nodes.append(node)
            container.entries.append(node)
            node.containers = self._nested(node)
        return container

    def _misplaced(self, link_id: str) -> str:
        definition = self.by_link.get(link_id)
        if definition is None:
            return f"linkId {link_id!r} is not an item of the Questionnaire"
        if definition.parent is None:
            return f"{link_id!r} belongs at the top level"
        return f"{link_id!r} belongs under {definition.parent.link_id!r}"

    def _nested(self, node: _Node) -> list[_Container]:
        """Where ``node``'s child items are: a group's in ``item``; a question's in each
        ``answer.item`` (R4 also lets them sit in the question's ``item``; we take both)."""
        children = node.definition.children
        nested = node.item.get("item")
        if node.definition.type in NO_ANSWERS or nested:
            containers = [self._place(nested, children, node, node.expression, node.expression)]
        else:
            containers = []
        if node.definition.type not in NO_ANSWERS:
            for index, answer in enumerate(node.answers):
                if isinstance(answer, dict) and (answer.get("item") or not nested):
                    where = f"{node.expression}.answer[{index}]"
                    containers.append(self._place(answer.get("item"), children, node, where,
                                                  where))
        return containers

    # --- checking ---

    def _check_container(self, container: _Container) -> None:
        seen: set[str] = set()
        for entry in container.entries:
            if isinstance(entry, Problem):
                self.problems.append(entry)
                continue
            link_id = entry.definition.link_id
            if link_id in seen and not entry.definition.item.get("repeats"):
                self._problem(entry.expression,
                              f"{link_id!r} does not repeat but appears more than once",
                              "structure")
            seen.add(link_id)
            self._check_node(entry)
        if not self.check_required:
            return
        for link_id, definition in container.definitions.items():
            if (definition.item.get("required") and link_id not in seen
                    and definition.type != "display"
                    and self._enabled_under(definition, container.owner)):
                self._problem(container.expression, f"{link_id!r} is required", "required")
                self.missing.append(link_id)

    def _check_node(self, node: _Node) -> None:
        definition, link_id = node.definition, node.definition.link_id
        if not self._is_enabled(node):
            if node.answers or node.item.get("item"):
                self._problem(node.expression,
                              f"{link_id!r} is answered but not enabled (enableWhen)",
                              "structure")
            return  # and its nested items with it
        if definition.type in NO_ANSWERS:
            if node.answers:
                self._problem(f"{node.expression}.answer",
                              f"{link_id!r} is a {definition.type} item: it takes no answers",
                              "structure")
            answered = bool(node.item.get("item"))
        else:
            self._check_answers(node)
            answered = bool(node.answers)
        if (self.check_required and definition.item.get("required") and not answered
                and definition.type != "display"):
            self._problem(node.expression, f"{link_id!r} is required but not answered",
                          "required")
            self.missing.append(link_id)
        for container in node.containers:
            self._check_container(container)

    def _check_answers(self, node: _Node) -> None:
        definition, link_id = node.definition, node.definition.link_id
        answers = node.answers
        if len(answers) > 1 and not definition.item.get("repeats"):
            self._problem(f"{node.expression}.answer[1]",
                          f"{link_id!r} does not repeat: it takes one answer", "structure")
        allowed = self._value_types(definition)
        options = definition.options
        max_length = definition.item.get("maxLength")
        for index, answer in enumerate(answers):
            where = f"{node.expression}.answer[{index}]"
            found = _value_of(answer)
            if found is None:
                if not (isinstance(answer, dict) and answer.get("item")):
                    self._problem(where, "an answer needs a value[x]", "structure")
                continue
            key, value = f"value{found[0]}", found[1]
            if allowed is not None and key not in allowed:
                self._problem(where, f"{link_id!r} is a {definition.type} item: answer with "
                              f"{' or '.join(sorted(allowed))}, not {key}", "value")
                continue
            if (isinstance(max_length, int) and isinstance(value, str)
                    and len(value) > max_length):
                self._problem(where, f"longer than the {max_length} characters {link_id!r} "
                              "allows", "value")
            free_text = definition.type == "open-choice" and key == "valueString"
            if options and not free_text and not _in_options(key, value, options):
                self._problem(where, f"{_show(key, value)} is not an answerOption of "
                              f"{link_id!r}", "code-invalid")

    @staticmethod
    def _value_types(definition: _Definition) -> frozenset[str] | None:
        allowed = ANSWER_TYPES.get(definition.type or "")
        if allowed is not None and definition.type in ("choice", "open-choice"):
            allowed |= {key for option in definition.options for key in option
                        if key.startswith("value")}
        return allowed

    def _problem(self, expression: str, message: str, code: str) -> None:
        self.problems.append(Problem(expression, message, code))

    # --- enableWhen ---

    def _is_enabled(self, node: _Node) -> bool:
        """Enabled: its parent is, and its enableWhen conditions hold."""
        key = id(node)
        if key in self._enabled:
            return self._enabled[key] is not False  # None: a cycle; let it be enabled
        self._enabled[key] = None
        enabled = self._enabled_under(node.definition, node.parent)
        self._enabled[key] = enabled
        return enabled

    def _enabled_under(self, definition: _Definition, context: _Node | None) -> bool:
        """Whether an item of ``definition`` nested in ``context`` is enabled."""
        if context is not None and not self._is_enabled(context):
            return False
        conditions = [c for c in definition.item.get("enableWhen") or [] if isinstance(c, dict)]
        if not conditions:
            return True
        results = (self._holds(condition, context) for condition in conditions)
        return any(results) if definition.item.get("enableBehavior") == "any" else all(results)

    def _holds(self, condition: dict[str, Any], context: _Node | None) -> bool:
        expected = [(key[len("answer"):], value) for key, value in condition.items()
                    if key.startswith("answer")]
        if not expected:
            return False
        answers = self._answers_of(condition.get("question"), context)
        operator = condition.get("operator")
        if operator == "exists":
            return bool(answers) == (expected[0][1] is True)
        order = [_order(answer, expected[0]) for answer in answers]
        if operator == "=":
            return 0 in order
        if operator == "!=":
            return 0 not in order
        tests = {">": lambda o: o > 0, "<": lambda o: o < 0, ">=": lambda o: o >= 0,
                 "<=": lambda o: o <= 0}
        test = tests.get(operator)
        return test is not None and any(o is not None and test(o) for o in order)

    def _answers_of(self, link_id: Any, context: _Node | None) -> list[tuple[str, Any]]:
        """The answers to ``link_id`` nearest to ``context``: within the closest enclosing
        item that has any (so the same instance of a repeating group), else anywhere."""
        scope = context
        while True:
            nodes = [n for n in self.nodes
                     if n.definition.link_id == link_id and _within(n, scope)]
            if nodes or scope is None:
                break
            scope = scope.parent
        answers = []
        for node in nodes:
            if not self._is_enabled(node):
                continue  # a disabled item's answers do not count
            for answer in node.answers:
                value = _value_of(answer)
                if value is not None:
                    answers.append(value)
        return answers


def _within(node: _Node, scope: _Node | None) -> bool:
    ancestor: _Node | None = node
    while ancestor is not None:
        if ancestor is scope:
            return True
        ancestor = ancestor.parent
    return scope is None


def _value_of(answer: Any) -> tuple[str, Any] | None:
    """``("Coding", {...})`` for ``{"valueCoding": {...}}``."""
    if isinstance(answer, dict):
        for key, value in answer.items():
            if key.startswith("value"):
                return key[len("value"):], value
    return None


def _order(answer: tuple[str, Any], expected: tuple[str, Any]) -> int | None:
    """-1, 0 or 1 as the answer is below, equal to or above the expected value; None if
    they cannot be compared (or, for codings and the like, are not equal)."""
    (kind, value), (expected_kind, wanted) = answer, expected
    if kind in _NUMERIC and expected_kind in _NUMERIC:
        if _is_number(value) and _is_number(wanted):
            return (value > wanted) - (value < wanted)
        return None
    if kind != expected_kind:
        return None
    if kind == "Coding":
        return 0 if _coding_matches(value, wanted) else None
    if kind == "Reference":
        same = (isinstance(value, dict) and isinstance(wanted, dict)
                and value.get("reference") is not None
                and value.get("reference") == wanted.get("reference"))
        return 0 if same else None
    if kind == "Quantity":
        return _quantity_order(value, wanted)
    if kind == "DateTime":
        return _datetime_order(value, wanted)
    if kind in ("String", "Date", "Time") and isinstance(value, str) and isinstance(wanted, str):
        if kind != "String" and len(value) != len(wanted):
            return None  # different precision: neither equal nor ordered
        return (value > wanted) - (value < wanted)
    return 0 if value == wanted else None


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _quantity_order(value: Any, wanted: Any) -> int | None:
    if not (isinstance(value, dict) and isinstance(wanted, dict)):
        return None
    unit = ("system", "code") if wanted.get("code") is not None else ("unit",)
    if any(value.get(part) != wanted.get(part) for part in unit):
        return None
    a, b = value.get("value"), wanted.get("value")
    if not (_is_number(a) and _is_number(b)):
        return None
    return (a > b) - (a < b)


def _datetime_order(value: Any, wanted: Any) -> int | None:
    if not (isinstance(value, str) and isinstance(wanted, str)):
        return None
    try:
        a, b = datetime.fromisoformat(value), datetime.fromisoformat(wanted)
    except ValueError:  # a partial dateTime (2024, 2024-05): compare at equal precision
        if len(value) != len(wanted):
            return None
        return (value > wanted) - (value < wanted)
    if (a.tzinfo is None) != (b.tzinfo is None):
        return None
    return (a > b) - (a < b)


def _coding_matches(coding: Any, pattern: Any) -> bool:
    """Same code, and the same system where the pattern (answerOption, enableWhen) has one."""
    if not (isinstance(coding, dict) and isinstance(pattern, dict)):
        return False
    if coding.get("code") is None or coding.get("code") != pattern.get("code"):
        return False
    return pattern.get("system") is None or coding.get("system") == pattern.get("system")


def _in_options(key: str, value: Any, options: list[dict[str, Any]]) -> bool:
    for option in options:
        if key not in option:
            continue
        wanted = option[key]
        if key == "valueCoding":
            if _coding_matches(value, wanted):
                return True
        elif key == "valueReference":
            if _order(("Reference", value), ("Reference", wanted)) == 0:
                return True
        elif value == wanted:
            return True
    return False


def _show(key: str, value: Any) -> str:
    if key == "valueCoding" and isinstance(value, dict):
        system = value.get("system")
        return f"{system}|{value.get('code')}" if system else repr(value.get("code"))
    if key == "valueReference" and isinstance(value, dict):
        return repr(value.get("reference"))
    return repr(value)
