"""Typed validation of located documents, with every problem as `file:line:col: message`.

msgspec stops at the first error; to report every error in a file, each element
of a list of structs (questions, options, sources, dimensions) is also checked
on its own, and the rest of the document is checked with any bad element
replaced by a good sibling.
"""

from __future__ import annotations

import contextlib
import re
import types
import typing
from typing import Any, TypeVar, Union

import msgspec

from pmfit.errors import Problem
from pmfit.located import Located, Path

T = TypeVar("T")

_PATH_PART = re.compile(r"\.([A-Za-z_][\w]*)|\[(\d+)\]|\[\.\.\.\]")
_TYPE_WORDS = {
    "str": "text",
    "float": "a number",
    "int": "a whole number",
    "bool": "true or false",
    "array": "a list",
    "object": "a mapping",
    "null": "empty",
}
_SINGULAR = {
    "questions": "question",
    "options": "option",
    "dimensions": "dimension",
    "sources": "source",
    "answers": "answer",
    "pairs": "pair",
    "no_preference": "no_preference entry",
}


def _unwrap(tp: Any) -> Any:
    while typing.get_origin(tp) is typing.Annotated:
        tp = typing.get_args(tp)[0]
    return tp


def _list_item(tp: Any) -> Any | None:
    tp = _unwrap(tp)
    if typing.get_origin(tp) is list:
        return _unwrap(typing.get_args(tp)[0])
    return None


def _field_types(tp: Any) -> dict[str, Any]:
    tp = _unwrap(tp)
    if isinstance(tp, type) and issubclass(tp, msgspec.Struct):
        hints = typing.get_type_hints(tp, include_extras=True)
        return {f.name: hints[f.name] for f in msgspec.structs.fields(tp)}
    return {}


def _first_not_none(tp: Any) -> Any:
    if typing.get_origin(_unwrap(tp)) in (Union, types.UnionType):
        return next(a for a in typing.get_args(_unwrap(tp)) if a is not type(None))
    return tp


def _declared_at(tp: Any, path: Path) -> Any:
    """The type declared at `path` below `tp`, its constraints (`Annotated`) kept."""
    for part in path:
        if isinstance(part, int):
            if typing.get_origin(_unwrap(tp)) is not list:
                return None
            tp = _annotated_item(tp)
        else:
            fields = _field_types(tp)
            if part not in fields:
                return None
            tp = fields[part]
        tp = _first_not_none(tp)
    return tp


def _type_at(tp: Any, path: Path) -> Any:
    return _unwrap(_declared_at(tp, path))


def _declared_range(tp: Any) -> tuple[float, float] | None:
    """The inclusive range an annotated number type declares (`ge` and `le`), if both."""
    for meta in typing.get_args(tp)[1:] if typing.get_origin(tp) is typing.Annotated else ():
        if isinstance(meta, msgspec.Meta) and meta.ge is not None and meta.le is not None:
            return meta.ge, meta.le
    return None


def _value_at(value: Any, path: Path) -> Any:
    for part in path:
        try:
            value = value[part]
        except (KeyError, IndexError, TypeError):
            return None
    return value


def describe(root: Any, path: Path) -> tuple[str, str]:
    """("question 'x' option 'b'", "lean") for ('questions', 3, 'options', 1, 'lean')."""
    words: list[str] = []
    fields: list[str] = []
    value = root
    for i, part in enumerate(path):
        value = _value_at(value, (part,))
        if isinstance(part, int):
            name = str(path[i - 1]) if i else "item"
            if fields and fields[-1] == name:
                fields.pop()
            noun = _SINGULAR.get(name, name)
            ident = value.get("id") if isinstance(value, dict) else None
            if not isinstance(ident, str):  # an id YAML read as true or 8: its place says more
                ident = None
            if ident is None and isinstance(value, dict) and "number" in value:
                ident = value["number"]
            words.append(f"{noun} {ident!r}" if ident is not None else f"{noun} #{part + 1}")
            fields = []
        else:
            fields.append(part)
    return " ".join(words) or "document", ".".join(fields)


def _parse(error: msgspec.ValidationError) -> tuple[str, Path]:
    message, _, where = str(error).partition(" - at `$")
    parts: list[str | int] = []
    for name, index in _PATH_PART.findall(where.rstrip("`")):
        if name:
            parts.append(name)
        elif index:
            parts.append(int(index))
    return message, tuple(parts)


def _friendly(doc: Located, root_type: Any, base: Path, message: str, path: Path) -> Problem:
    full = (*base, *path)
    value = _value_at(doc.value, full)
    context, field = describe(doc.value, full)
    subject = f"{context}: {field}" if field else context
    m = re.match(r"Object (missing required|contains unknown) field `(.+)`", message)
    if m:
        fields = _field_types(_type_at(root_type, path))
        if m.group(1) == "missing required":
            return doc.problem(full, f"{subject}: missing required field {m.group(2)!r}")
        allowed = ", ".join(fields) or "none"
        return doc.problem(
            (*full, m.group(2)),
            f"{subject}: unknown field {m.group(2)!r} (allowed: {allowed})",
            key=True,
        )
    m = re.match(r"Expected `(\w+)` (>=|<=|>|<) (\S+)", message)
    declared_range = _declared_range(_declared_at(root_type, path)) if m else None
    if declared_range:
        # A field with a declared range (a lean, a weight, a threshold) names the range, not
        # the one bound that was crossed.
        low, high = declared_range
        return doc.problem(full, f"{subject} {value} must be from {low:g} to {high:g}")
    if m:
        bound = m.group(3)
        with contextlib.suppress(ValueError):
            bound = f"{float(bound):g}"
        return doc.problem(full, f"{subject} {value!r} must be {m.group(2)} {bound}")
    m = re.match(r"Expected `str` matching regex", message)
    if m:
        return doc.problem(
            full, f"{subject} {value!r} must be lowercase letters and digits joined by - or _"
        )
    m = re.match(r"Expected `(\w+)` of length (>=|<=) (\d+)", message)
    if m:
        what = "at least" if m.group(2) == ">=" else "at most"
        return doc.problem(full, f"{subject}: needs {what} {m.group(3)} items")
    m = re.match(r"Expected `(\w+)`(?: \| `(\w+)`)*, got `(\w+)`", message)
    hint = _number_hint(value) if m and m.group(1) == "float" else None
    if hint:
        return doc.problem(full, f"{subject}: {value!r} is read as text, not a number; {hint}")
    if m:
        want = _TYPE_WORDS.get(m.group(1), m.group(1))
        got = _TYPE_WORDS.get(m.group(3), m.group(3))
        if m.group(1) == "str" and m.group(3) in ("bool", "int", "float", "null"):
            # YAML 1.1 reads unquoted yes, no, on, off, 010, 1:30, ~ as other types.
            return doc.problem(
                full, f'{subject}: must be text, not {got}; put the value in quotes, as in "yes"'
            )
        return doc.problem(full, f"{subject}: must be {want}, not {got}")
    m = re.match(r"Invalid enum value (.+)", message)
    if m:
        allowed_values = typing.get_args(_type_at(root_type, path))
        listed = ", ".join(str(a) for a in allowed_values)
        return doc.problem(full, f"{subject} {m.group(1)} is not one of {listed}")
    return doc.problem(full, f"{subject}: {message}")


def _number_hint(value: Any) -> str | None:
    """How to write `value`, text that Python reads as a number, so that YAML does too."""
    if not isinstance(value, str):
        return None
    try:
        float(value)
    except ValueError:
        return None
    mantissa, e, exponent = value.strip().lower().partition("e")
    if not e:
        return "write it without quotes"
    # YAML 1.1 reads 1e-300 as text: it wants a decimal point and a signed exponent.
    mantissa = mantissa if "." in mantissa else f"{mantissa}.0"
    exponent = exponent if exponent[:1] in "+-" else f"+{exponent}"
    return f"write it as {mantissa}e{exponent}"


def _annotated_item(tp: Any) -> Any:
    """A list type's item type, with its constraints (`_list_item` drops them)."""
    return typing.get_args(_unwrap(tp))[0]


def _length_bounds(tp: Any) -> tuple[int | None, int | None]:
    low = high = None
    if typing.get_origin(tp) is typing.Annotated:
        for meta in typing.get_args(tp)[1:]:
            if isinstance(meta, msgspec.Meta):
                low = meta.min_length if meta.min_length is not None else low
                high = meta.max_length if meta.max_length is not None else high
    return low, high


def _is_struct(tp: Any) -> bool:
    return isinstance(tp, type) and issubclass(tp, msgspec.Struct)


def convert(
    doc: Located, value: Any, tp: type[T], base: Path = ()
) -> tuple[T | None, list[Problem]]:
    """Validate `value` (found at `base` in `doc`) as `tp`, gathering every problem.

    Returns the converted value when it is valid; otherwise, where possible, a
    best-effort one with the bad elements of its lists left out (so that later
    checks can still look at the good parts), and every problem found.
    """
    try:
        return msgspec.convert(value, tp, strict=True), []
    except msgspec.ValidationError as error:
        first = _friendly(doc, tp, base, *_parse(error))
    fields = _field_types(tp)
    if not fields or not isinstance(value, dict):
        return None, [first]

    # Field by field, so that one bad field does not hide the others.
    problems: list[Problem] = []
    kept: dict[str, Any] = {}
    required = {f.name for f in msgspec.structs.fields(typing.cast(Any, tp)) if f.required}
    for key in value:
        if key not in fields:
            problems.append(_friendly(doc, tp, base, f"Object contains unknown field `{key}`", ()))
    for name in sorted(required - set(value)):
        problems.append(_friendly(doc, tp, base, f"Object missing required field `{name}`", ()))
    for name, field_type in fields.items():
        if name not in value:
            continue
        at = (*base, name)
        item_type = _list_item(field_type)
        raw = value[name]
        if _is_struct(_unwrap(field_type)):
            obj, found = convert(doc, raw, _unwrap(field_type), at)
            problems += found
            if obj is not None:
                kept[name] = obj
        elif item_type is not None and isinstance(raw, list):
            # Item by item, so that one bad item does not hide the others' problems.
            good = []
            for index, item in enumerate(raw):
                if _is_struct(item_type):
                    obj, found = convert(doc, item, typing.cast(type, item_type), (*at, index))
                    problems += found
                    if obj is not None:
                        good.append(obj)
                    continue
                try:
                    good.append(msgspec.convert(item, _annotated_item(field_type), strict=True))
                except msgspec.ValidationError as error:
                    message, path = _parse(error)
                    problems.append(_friendly(doc, tp, base, message, (name, index, *path)))
            low, high = _length_bounds(field_type)
            if low is not None and len(raw) < low:
                problems.append(
                    _friendly(doc, tp, base, f"Expected `array` of length >= {low}", (name,))
                )
            elif high is not None and len(raw) > high:
                problems.append(
                    _friendly(doc, tp, base, f"Expected `array` of length <= {high}", (name,))
                )
            if low is None or len(good) >= low:
                kept[name] = good
        else:
            try:
                msgspec.convert(raw, field_type, strict=True)
                kept[name] = raw
            except msgspec.ValidationError as error:
                message, path = _parse(error)
                problems.append(_friendly(doc, tp, base, message, (name, *path)))
    if not problems:
        problems.append(first)
    try:
        best: T | None = msgspec.convert(kept, tp, strict=True)
    except msgspec.ValidationError:
        best = None
    return best, sorted(set(problems), key=lambda p: (p.line or 0, p.col or 0, p.message))
