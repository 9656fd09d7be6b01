"""The slice of GraphQL the Shopify simulator understands: parsing, checking against a small
schema, and shaping resolved values by a selection set. What a checked operation costs is
`query_cost.py`'s.

Enough for operations with variables, fields with arguments, nested selections and inline
fragments on `node`; aliases, named fragments and directives are refused. Refusing what it does
not understand keeps the simulator honest: a query it answers is one Shopify would answer.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, NoReturn

# Connections answer at most this many nodes per page, and input lists (`ids`) hold at most
# this many items, as Shopify's do (shopify.dev, "Shopify API limits").
MAX_PAGE_SIZE = 250
MAX_INPUT_ARRAY = 250

_TOKEN = re.compile(
    r"""
    (?P<ignored>[\s,\ufeff]+|\#[^\n]*)
    |(?P<block>\"\"\"(?:\\\"\"\"|(?!\"\"\")[\s\S])*\"\"\")
    |(?P<string>"(?:\\.|[^"\\\n])*")
    |(?P<spread>\.\.\.)
    |(?P<punct>[!$():=@\[\]{}|&])
    |(?P<number>-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?)
    |(?P<name>[_A-Za-z][_0-9A-Za-z]*)
    """,
    re.VERBOSE,
)


class GraphQLError(Exception):
    """One entry of a GraphQL `errors` list, answered with HTTP 200 as Shopify does."""

    def __init__(
        self,
        message: str,
        *,
        line: int | None = None,
        column: int | None = None,
        path: list[str] | None = None,
        code: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.column = column
        self.path = path
        self.code = code

    def as_dict(self) -> dict[str, Any]:
        error: dict[str, Any] = {"message": self.message}
        if self.line is not None:
            error["locations"] = [{"line": self.line, "column": self.column}]
        if self.path is not None:
            error["path"] = self.path
        if self.code is not None:
            error["extensions"] = {"code": self.code}
        return error


@dataclass(frozen=True)
class Variable:
    name: str


@dataclass(frozen=True)
class EnumValue:
    name: str


@dataclass(frozen=True)
class Field:
    name: str
    arguments: tuple[tuple[str, Any], ...]
    selections: tuple[Selection, ...]
    line: int
    column: int


@dataclass(frozen=True)
class InlineFragment:
    type_condition: str
    selections: tuple[Selection, ...]


Selection = Field | InlineFragment


@dataclass(frozen=True)
class Operation:
    kind: str  # "query" or "mutation"
    variables: tuple[tuple[str, Any], ...]  # (name, default)
    selections: tuple[Selection, ...]


class Kind(StrEnum):
    SCALAR = "scalar"
    OBJECT = "object"
    LIST = "list"  # a list of objects, answered whole
    CONNECTION = "connection"  # paged with first/after; edges, nodes and pageInfo
    WRAPPER = "wrapper"  # a connection's edges and pageInfo: free of cost
    PAGE = "page"  # a connection's `nodes`: the page's nodes as a list


@dataclass(frozen=True)
class FieldDef:
    kind: Kind
    type_name: str | None = None
    arguments: frozenset[str] = frozenset()


Schema = Mapping[str, Mapping[str, FieldDef]]
INTERFACES = {"Node": ("BulkOperation", "Order", "Refund")}


def scalar() -> FieldDef:
    return FieldDef(Kind.SCALAR)


def obj(type_name: str, *arguments: str) -> FieldDef:
    return FieldDef(Kind.OBJECT, type_name, frozenset(arguments))


def listed(type_name: str, *arguments: str) -> FieldDef:
    return FieldDef(Kind.LIST, type_name, frozenset(arguments))


def connection(node_type: str, *arguments: str) -> FieldDef:
    return FieldDef(
        Kind.CONNECTION, f"{node_type}Connection", frozenset({"first", "after", *arguments})
    )


def connection_types(node_type: str) -> dict[str, dict[str, FieldDef]]:
    """The Connection and Edge types Shopify generates for `node_type`."""
    return {
        f"{node_type}Connection": {
            "edges": FieldDef(Kind.WRAPPER, f"{node_type}Edge"),
            "nodes": FieldDef(Kind.PAGE, node_type),
            "pageInfo": FieldDef(Kind.WRAPPER, "PageInfo"),
        },
        f"{node_type}Edge": {"cursor": scalar(), "node": obj(node_type)},
    }


PAGE_INFO = {
    "PageInfo": {
        "hasNextPage": scalar(),
        "hasPreviousPage": scalar(),
        "startCursor": scalar(),
        "endCursor": scalar(),
    }
}


@dataclass
class Page:
    """One page of a connection: (cursor, node value) pairs and whether more follow."""

    items: list[tuple[str, Any]]
    has_next_page: bool


# A resolved value: scalars, dicts of field values (a value may be a callable taking the field's
# arguments), lists, or a Page for a connection.
Resolver = Callable[[dict[str, Any]], Any]


@dataclass
class Checked:
    """A validated operation: each field's definition and bound arguments, by id(Field)."""

    operation: Operation
    arguments: dict[int, dict[str, Any]] = field(default_factory=dict)
    definitions: dict[int, FieldDef] = field(default_factory=dict)


def parse(source: str) -> Operation:
    return _Parser(source).operation()


def check(
    operation: Operation,
    schema: Schema,
    variables: Mapping[str, Any],
    *,
    bulk: bool = False,
) -> Checked:
    """Check every field against the schema and bind its arguments.

    Outside bulk queries every connection needs `first` (at most MAX_PAGE_SIZE) and an input
    list at most MAX_INPUT_ARRAY items. In a bulk query connections take no `first`, and a
    connection inside a list field is refused, as Shopify refuses it.
    """
    checked = Checked(operation)
    defined = dict(operation.variables)
    for name in _variables_used(operation.selections):
        if name not in defined:
            raise GraphQLError(f"Variable ${name} is used by anonymous query but not declared")
    bound = {name: variables.get(name, default) for name, default in operation.variables}
    root = "Mutation" if operation.kind == "mutation" else "QueryRoot"
    _check_selections(operation.selections, root, schema, bound, checked, [], bulk, in_list=False)
    return checked


def shape(
    selections: tuple[Selection, ...], value: Mapping[str, Any], checked: Checked
) -> dict[str, Any]:
    """The JSON answer for `selections` over a resolved object value."""
    answer: dict[str, Any] = {}
    for selection in selections:
        if isinstance(selection, InlineFragment):
            if value.get("__typename") == selection.type_condition:
                answer.update(shape(selection.selections, value, checked))
            continue
        raw = value.get(selection.name)
        if callable(raw):
            raw = raw(checked.arguments.get(id(selection), {}))
        answer[selection.name] = _shape_value(selection, raw, checked)
    return answer


def _shape_value(selection: Field, raw: Any, checked: Checked) -> Any:
    if not selection.selections or raw is None:
        return raw
    if isinstance(raw, Page):
        return _shape_page(selection, raw, checked)
    if isinstance(raw, list):
        return [
            None if item is None else shape(selection.selections, item, checked) for item in raw
        ]
    return shape(selection.selections, raw, checked)


def _shape_page(selection: Field, page: Page, checked: Checked) -> dict[str, Any]:
    answer: dict[str, Any] = {}
    for part in selection.selections:
        if not isinstance(part, Field):
            raise GraphQLError("Inline fragments on connections are not supported")
        if part.name == "edges":
            answer["edges"] = [
                _shape_edge(part, cursor, node, checked) for cursor, node in page.items
            ]
        elif part.name == "nodes":
            answer["nodes"] = [shape(part.selections, node, checked) for _, node in page.items]
        elif part.name == "pageInfo":
            info = {
                "hasNextPage": page.has_next_page,
                "hasPreviousPage": False,
                "startCursor": page.items[0][0] if page.items else None,
                "endCursor": page.items[-1][0] if page.items else None,
            }
            answer["pageInfo"] = {
                item.name: info[item.name] for item in part.selections if isinstance(item, Field)
            }
    return answer


def _shape_edge(edges: Field, cursor: str, node: Any, checked: Checked) -> dict[str, Any]:
    edge: dict[str, Any] = {}
    for part in edges.selections:
        if isinstance(part, Field) and part.name == "cursor":
            edge["cursor"] = cursor
        elif isinstance(part, Field) and part.name == "node":
            edge["node"] = shape(part.selections, node, checked)
    return edge


def _check_selections(
    selections: tuple[Selection, ...],
    type_name: str,
    schema: Schema,
    variables: Mapping[str, Any],
    checked: Checked,
    path: list[str],
    bulk: bool,
    *,
    in_list: bool,
) -> None:
    for selection in selections:
        if isinstance(selection, InlineFragment):
            possible = INTERFACES.get(type_name, (type_name,))
            if selection.type_condition not in possible:
                raise GraphQLError(
                    f"Fragment on {selection.type_condition} can't be spread inside {type_name}",
                    path=path,
                )
            _check_selections(
                selection.selections,
                selection.type_condition,
                schema,
                variables,
                checked,
                path,
                bulk,
                in_list=in_list,
            )
            continue
        _check_field(selection, type_name, schema, variables, checked, path, bulk, in_list=in_list)


def _check_field(
    selection: Field,
    type_name: str,
    schema: Schema,
    variables: Mapping[str, Any],
    checked: Checked,
    path: list[str],
    bulk: bool,
    *,
    in_list: bool,
) -> None:
    here = [*path, selection.name]
    definition = schema.get(type_name, {}).get(selection.name)
    if definition is None:
        raise GraphQLError(
            f"Field '{selection.name}' doesn't exist on type '{type_name}'",
            line=selection.line,
            column=selection.column,
            path=here,
            code="undefinedField",
        )
    arguments = {}
    for name, raw in selection.arguments:
        if name not in definition.arguments:
            raise GraphQLError(
                f"Field '{selection.name}' doesn't accept argument '{name}'",
                line=selection.line,
                column=selection.column,
                path=here,
                code="argumentNotAccepted",
            )
        arguments[name] = _bind(raw, variables)
        value = arguments[name]
        if isinstance(value, list) and len(value) > MAX_INPUT_ARRAY:
            raise GraphQLError(
                f"The input array size of {len(value)} is greater than the maximum allowed of "
                f"{MAX_INPUT_ARRAY}.",
                line=selection.line,
                column=selection.column,
                path=[*here, name],
                code="MAX_INPUT_SIZE_EXCEEDED",
            )
    checked.arguments[id(selection)] = arguments
    checked.definitions[id(selection)] = definition
    if definition.kind is Kind.SCALAR:
        if selection.selections:
            raise GraphQLError(
                f"Selections can't be made on scalars (field '{selection.name}')",
                line=selection.line,
                column=selection.column,
                path=here,
            )
        return
    if not selection.selections:
        raise GraphQLError(
            f"Field must have selections (field '{selection.name}' returns "
            f"{definition.type_name} but has no selections)",
            line=selection.line,
            column=selection.column,
            path=here,
        )
    assert definition.type_name is not None
    if bulk and in_list and definition.kind is Kind.CONNECTION:
        raise GraphQLError(
            "Queries that contain a connection field within a list field are not currently "
            f"supported (field '{selection.name}').",
            line=selection.line,
            column=selection.column,
            path=here,
        )
    # A connection's own `nodes` are its page, not a list field.
    in_list_field = definition.kind is Kind.LIST
    _check_selections(
        selection.selections,
        definition.type_name,
        schema,
        variables,
        checked,
        here,
        bulk,
        in_list=in_list or in_list_field,
    )
    if definition.kind is not Kind.CONNECTION or bulk:
        return
    first = arguments.get("first")
    if not isinstance(first, int) or first < 1:
        raise GraphQLError(
            "you must provide one of first or last",
            line=selection.line,
            column=selection.column,
            path=here,
        )
    if first > MAX_PAGE_SIZE:
        raise GraphQLError(
            f"The maximum page size is {MAX_PAGE_SIZE}, you requested {first}",
            line=selection.line,
            column=selection.column,
            path=here,
        )


def _bind(raw: Any, variables: Mapping[str, Any]) -> Any:
    if isinstance(raw, Variable):
        return variables.get(raw.name)
    if isinstance(raw, EnumValue):
        return raw.name
    if isinstance(raw, list):
        return [_bind(item, variables) for item in raw]
    return raw


def _variables_used(selections: tuple[Selection, ...]) -> set[str]:
    used: set[str] = set()
    for selection in selections:
        if isinstance(selection, Field):
            used.update(
                value.name for _, value in selection.arguments if isinstance(value, Variable)
            )
        used |= _variables_used(selection.selections)
    return used


class _Parser:
    def __init__(self, source: str) -> None:
        self._source = source
        self._tokens = list(self._tokenize(source))
        self._at = 0

    def operation(self) -> Operation:
        kind = "query"
        variables: tuple[tuple[str, Any], ...] = ()
        if self._peek_name() in ("query", "mutation"):
            kind = self._next()[1]
            if self._peek_kind() == "name":
                self._next()
            if self._peek_value() == "(":
                variables = self._variable_definitions()
        selections = self._selection_set()
        if self._at < len(self._tokens):
            self._unexpected()
        return Operation(kind, variables, selections)

    def _variable_definitions(self) -> tuple[tuple[str, Any], ...]:
        self._expect("(")
        definitions = []
        while self._peek_value() != ")":
            self._expect("$")
            name = self._name()
            self._expect(":")
            self._type()
            default = None
            if self._peek_value() == "=":
                self._next()
                default = self._value()
            definitions.append((name, default))
        self._expect(")")
        return tuple(definitions)

    def _type(self) -> None:
        if self._peek_value() == "[":
            self._next()
            self._type()
            self._expect("]")
        else:
            self._name()
        if self._peek_value() == "!":
            self._next()

    def _selection_set(self) -> tuple[Selection, ...]:
        self._expect("{")
        selections: list[Selection] = []
        while self._peek_value() != "}":
            selections.append(self._selection())
        self._expect("}")
        if not selections:
            self._unexpected()
        return tuple(selections)

    def _selection(self) -> Selection:
        if self._peek_kind() == "spread":
            self._next()
            if self._peek_name() != "on":
                raise GraphQLError("Only inline fragments (`... on Type`) are supported")
            self._next()
            return InlineFragment(self._name(), self._selection_set())
        line, column = self._position()
        name = self._name()
        if self._peek_value() == ":":
            raise GraphQLError("Field aliases are not supported", line=line, column=column)
        if self._peek_value() == "@":
            raise GraphQLError("Directives are not supported", line=line, column=column)
        arguments: list[tuple[str, Any]] = []
        if self._peek_value() == "(":
            self._next()
            while self._peek_value() != ")":
                argument = self._name()
                self._expect(":")
                arguments.append((argument, self._value()))
            self._next()
        selections: tuple[Selection, ...] = ()
        if self._peek_value() == "{":
            selections = self._selection_set()
        return Field(name, tuple(arguments), selections, line, column)

    def _value(self) -> Any:
        kind, text, _ = self._next()
        if text == "$":
            return Variable(self._name())
        if kind == "string":
            return json.loads(text)
        if kind == "block":
            return text[3:-3].replace('\\"""', '"""')
        if kind == "number":
            return float(text) if any(c in text for c in ".eE") else int(text)
        if kind == "name":
            return {"true": True, "false": False, "null": None}.get(text, EnumValue(text))
        if text == "[":
            items = []
            while self._peek_value() != "]":
                items.append(self._value())
            self._next()
            return items
        self._at -= 1
        self._unexpected()

    def _name(self) -> str:
        kind, text, _ = self._next()
        if kind != "name":
            self._at -= 1
            self._unexpected()
        return text

    def _expect(self, punctuator: str) -> None:
        if self._peek_value() != punctuator:
            self._unexpected()
        self._next()

    def _next(self) -> tuple[str, str, int]:
        if self._at >= len(self._tokens):
            raise GraphQLError("Unexpected end of document")
        token = self._tokens[self._at]
        self._at += 1
        return token

    def _peek_kind(self) -> str | None:
        return self._tokens[self._at][0] if self._at < len(self._tokens) else None

    def _peek_value(self) -> str | None:
        return self._tokens[self._at][1] if self._at < len(self._tokens) else None

    def _peek_name(self) -> str | None:
        return self._peek_value() if self._peek_kind() == "name" else None

    def _position(self) -> tuple[int, int]:
        offset = self._tokens[self._at][2] if self._at < len(self._tokens) else len(self._source)
        line = self._source.count("\n", 0, offset) + 1
        return line, offset - (self._source.rfind("\n", 0, offset) + 1) + 1

    def _unexpected(self) -> NoReturn:
        if self._at >= len(self._tokens):
            raise GraphQLError("Unexpected end of document")
        line, column = self._position()
        raise GraphQLError(
            f'Parse error on "{self._tokens[self._at][1]}" at [{line}, {column}]',
            line=line,
            column=column,
        )

    @staticmethod
    def _tokenize(source: str) -> list[tuple[str, str, int]]:
        tokens = []
        at = 0
        while at < len(source):
            match = _TOKEN.match(source, at)
            if match is None:
                line = source.count("\n", 0, at) + 1
                column = at - (source.rfind("\n", 0, at) + 1) + 1
                raise GraphQLError(
                    f'Parse error on "{source[at]}" at [{line}, {column}]', line=line, column=column
                )
            kind = match.lastgroup or ""
            if kind != "ignored":
                tokens.append((kind, match.group(), at))
            at = match.end()
        return tokens
