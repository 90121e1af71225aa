"""YAML and JSON documents whose every value remembers its line and column.

Error messages name `file:line:col`, so the loaders keep, for each path into a
document, where it was written. YAML is only ever parsed safely: any tag beyond
the plain scalars and collections is an error, and is never constructed.
"""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from pmfit.errors import InputError, Problem
from pmfit.fileio import line_col
from pmfit.limits import MAX_DEPTH, MAX_FIELD_CHARS, MAX_NUMBER_CHARS, shown

if TYPE_CHECKING:
    import yaml

Path = tuple[str | int, ...]

_SAFE_TAGS = {
    "tag:yaml.org,2002:" + name
    for name in ("str", "int", "float", "bool", "null", "map", "seq", "timestamp")
}


class Located:
    """A parsed document and where each of its parts stands in the file."""

    def __init__(self, file: str, value: Any, *, pending_text: str | None = None) -> None:
        self.file = file
        self.value = value
        self.marks: dict[Path, tuple[int, int]] = {}
        self.key_marks: dict[Path, tuple[int, int]] = {}
        #: Problems found while parsing (duplicate keys, disallowed tags): reported
        #: together with whatever the caller finds, not instead of it.
        self.problems: list[Problem] = []
        #: JSON text whose marks are worked out only when a problem needs one:
        #: valid input, the common case, then costs one json.loads and no YAML.
        self.pending_text = pending_text

    def where(self, path: Path, *, key: bool = False) -> tuple[int | None, int | None]:
        """Line and column of `path`, or of its nearest parent that has one."""
        if self.pending_text is not None:
            text, self.pending_text = self.pending_text, None
            # JSON is (nearly) YAML: composing it gives every value its line.
            with contextlib.suppress(InputError):
                marked = load_yaml(text, self.file)
                self.marks, self.key_marks = marked.marks, marked.key_marks
        table = self.key_marks if key else self.marks
        if key and path in table:
            return table[path]
        while path:
            if path in self.marks:
                return self.marks[path]
            path = path[:-1]
        return self.marks.get((), (None, None))

    def problem(self, path: Path, message: str, *, key: bool = False) -> Problem:
        line, col = self.where(path, key=key)
        return Problem(self.file, line, col, message)


def _mark(node: yaml.Node) -> tuple[int, int]:
    return node.start_mark.line + 1, node.start_mark.column + 1


_NULL = "tag:yaml.org,2002:null"
_NUMBERS = ("tag:yaml.org,2002:int", "tag:yaml.org,2002:float")


class _Refused(Exception):
    """A document pmfit does not read at all (an alias, too deep): one problem, no more."""

    def __init__(self, problem: Problem) -> None:
        self.problem = problem


def too_deep(file: str, line: int | None = None, col: int | None = None) -> Problem:
    return Problem(
        file, line, col, f"nested more than {MAX_DEPTH} levels deep (at most {MAX_DEPTH})"
    )


def too_long_number(file: str, line: int | None = None, col: int | None = None) -> Problem:
    return Problem(
        file,
        line,
        col,
        f"a number longer than {MAX_NUMBER_CHARS} characters (at most {MAX_NUMBER_CHARS})",
    )


def too_long_text(file: str, line: int | None = None, col: int | None = None) -> Problem:
    return Problem(
        file,
        line,
        col,
        f"a value longer than {MAX_FIELD_CHARS:,} characters (at most {MAX_FIELD_CHARS:,})",
    )


class _Builder:
    """Python values from a composed YAML node, built once per node.

    Aliases are refused: the composer hands back the anchored node itself for each
    `*alias`, so a node met twice is an alias, found before anything is expanded (a
    "billion laughs" document costs what its text costs). `<<` is an ordinary key, as
    in YAML 1.2. With `text_scalars`, every plain value is the text as written (YAML 1.1
    would read `010` as 8, `yes` as true, `1:30` as 90); only null stays None.
    """

    def __init__(self, doc: Located, text_scalars: bool) -> None:
        import yaml

        self.yaml = yaml
        self.doc = doc
        self.text_scalars = text_scalars
        self.problems: list[Problem] = []
        self.constructor = yaml.constructor.SafeConstructor()
        self.seen: set[int] = set()

    def build(self, node: yaml.Node, path: Path, depth: int = 0) -> Any:
        yaml = self.yaml
        file = self.doc.file
        if id(node) in self.seen:
            raise _Refused(
                Problem(
                    file,
                    *_mark(node),
                    "this value is repeated through an alias (*name): aliases are not "
                    "allowed; write the value out",
                )
            )
        self.seen.add(id(node))
        if depth > MAX_DEPTH:
            raise _Refused(too_deep(file, *_mark(node)))
        self.doc.marks[path] = _mark(node)
        if node.tag not in _SAFE_TAGS:
            self.problems.append(
                Problem(
                    file,
                    *_mark(node),
                    f"tag {shown(node.tag.replace('tag:yaml.org,2002:', '!!'))} is not allowed "
                    f"(only plain YAML values; nothing is ever constructed from tags)",
                )
            )
            return None
        if isinstance(node, yaml.MappingNode):
            result: dict[Any, Any] = {}
            for key_node, value_node in node.value:
                key = self.build(key_node, (*path, "<key>"), depth + 1)
                if not isinstance(key, (str, int, float, bool)) and key is not None:
                    self.problems.append(
                        Problem(file, *_mark(key_node), "a key must be a plain value")
                    )
                    continue
                key = str(key) if key is not None else "null"
                if key in result:
                    self.problems.append(
                        Problem(
                            file,
                            *_mark(key_node),
                            f"{'.'.join(map(str, path)) or 'document'}: duplicate key {shown(key)}",
                        )
                    )
                key_path = (*path, key)
                self.doc.key_marks[key_path] = _mark(key_node)
                result[key] = self.build(value_node, key_path, depth + 1)
            self.doc.marks.pop((*path, "<key>"), None)
            return result
        if isinstance(node, yaml.SequenceNode):
            return [self.build(item, (*path, i), depth + 1) for i, item in enumerate(node.value)]
        text = node.value
        if len(text) > MAX_FIELD_CHARS:
            self.problems.append(too_long_text(file, *_mark(node)))
            return None
        if node.tag in _NUMBERS and len(text) > MAX_NUMBER_CHARS:
            self.problems.append(too_long_number(file, *_mark(node)))
            return None
        if self.text_scalars:
            return None if node.tag == _NULL else text
        try:
            return self.constructor.construct_object(node, deep=True)
        except ValueError as error:  # a timestamp that is no date, say
            self.problems.append(Problem(file, *_mark(node), f"not a valid value: {error}"))
            return None


def _syntax_problem(file: str, error: yaml.YAMLError, text: str) -> Problem:
    from yaml.reader import ReaderError

    if isinstance(error, ReaderError):
        # A character YAML does not allow: the reader knows only its offset.
        line, col = line_col(text, error.position)
        character = error.character
        code = ord(character) if isinstance(character, str) else int(character)
        return Problem(
            file,
            line,
            col,
            f"malformed YAML: character U+{code:04X} is not allowed (escape control characters)",
        )
    mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
    reason = getattr(error, "problem", None) or str(error)
    if mark is None:
        return Problem(file, None, None, f"malformed YAML: {reason}")
    return Problem(file, mark.line + 1, mark.column + 1, f"malformed YAML: {reason}")


def yaml_documents(text: str, file: str, *, text_scalars: bool = False) -> Iterator[Located]:
    """Each document of a YAML stream, located. Raises InputError on bad YAML."""
    import yaml  # deferred: JSON input and cached banks never need it

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        nodes = list(yaml.compose_all(text, Loader=loader))
    except yaml.YAMLError as error:
        raise InputError([_syntax_problem(file, error, text)]) from None
    except RecursionError:  # the pure-Python composer, on very deep nesting
        raise InputError([too_deep(file)]) from None
    for node in nodes:
        doc = Located(file, None)
        if node is not None:
            builder = _Builder(doc, text_scalars)
            try:
                doc.value = builder.build(node, ())
            except _Refused as refused:
                raise InputError([refused.problem]) from None
            doc.problems = builder.problems
        yield doc


def load_yaml(text: str, file: str, *, text_scalars: bool = False) -> Located:
    docs = list(yaml_documents(text, file, text_scalars=text_scalars))
    if len(docs) > 1:
        line, col = docs[1].where(())
        raise InputError([Problem(file, line, col, "expected one YAML document, found several")])
    return docs[0] if docs else Located(file, None)


class _Duplicated(dict[str, Any]):
    """A JSON object that named some key more than once (the keys are kept here)."""

    duplicates: list[str]


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) == len(pairs):
        return result
    flagged = _Duplicated(result)
    seen: set[str] = set()
    flagged.duplicates = [k for k, _ in pairs if k in seen or seen.add(k)]  # type: ignore[func-returns-value]
    return flagged


class _LongNumber(Exception):
    pass


def _number(text: str) -> str:
    """A JSON number (or NaN, Infinity) as the text written: never converted, so a
    5,000-digit integer costs nothing and `1.50` stays "1.50"."""
    if len(text) > MAX_NUMBER_CHARS:
        raise _LongNumber
    return text


# Patterns are compiled on first use (by `re`'s cache), not at import: these two cost
# 0.7 ms to compile, and only non-ASCII text or a problem to place needs them.
_SURROGATE = "[\ud800-\udfff]"


def value_problems(value: Any) -> list[tuple[Path, str, bool, str]]:
    """What pmfit refuses in a parsed JSON value, by path: a key given twice, text that
    is not Unicode (a lone surrogate such as \\ud800), a value or nesting over the limits.
    Iterative, so no depth of input can exhaust the stack. (YAML is checked as it is built.)
    """
    found: list[tuple[Path, str, bool, str]] = []
    stack: list[tuple[Any, Path]] = [(value, ())]
    while stack:
        item, path = stack.pop()
        if len(path) > MAX_DEPTH:
            found.append((path[:MAX_DEPTH], too_deep("").message, False, "deep"))
            continue
        if isinstance(item, str):
            if len(item) > MAX_FIELD_CHARS:
                found.append((path, too_long_text("").message, False, ""))
            elif not item.isascii() and re.search(_SURROGATE, item):
                found.append((path, _not_unicode(path, item), False, "surrogate"))
        elif isinstance(item, dict):
            for key in getattr(item, "duplicates", ()):
                where = ".".join(map(str, path)) or "document"
                found.append(((*path, key), f"{where}: duplicate key {shown(key)}", True, ""))
            for key, child in item.items():
                if not key.isascii() and re.search(_SURROGATE, key):
                    found.append(((*path, key), _not_unicode(path, key), True, "surrogate"))
                elif len(key) > MAX_FIELD_CHARS:
                    found.append(((*path, key), too_long_text("").message, True, ""))
                else:
                    stack.append((child, (*path, key)))
        elif isinstance(item, list):
            stack.extend((child, (*path, i)) for i, child in enumerate(item))
    found.reverse()
    return found


def _not_unicode(path: Path, text: str) -> str:
    where = ".".join(map(str, path)) or "document"
    code = ord(re.search(_SURROGATE, text).group())  # type: ignore[union-attr]
    return f"{where}: not valid Unicode (a lone surrogate \\u{code:04x})"


def load_json(text: str, file: str, *, marks: bool = True) -> Located:
    """JSON whose every scalar is the text written (numbers, `true`, too: see
    `answers.scalar_text`). With `marks`, a problem is placed by line and column (worked
    out only when there is one); without, problems carry no place (a batch row has its own).
    """
    try:
        value = json.loads(
            text,
            object_pairs_hook=_object,
            parse_int=_number,
            parse_float=_number,
            parse_constant=_number,
        )
    except json.JSONDecodeError as error:
        raise InputError(
            # "Invalid control character at": the place is given separately.
            [
                Problem(
                    file,
                    error.lineno,
                    error.colno,
                    f"malformed JSON: {error.msg.removesuffix(' at')}",
                )
            ]
        ) from None
    except RecursionError:
        raise InputError([too_deep(file, *_json_place(text, "deep"))]) from None
    except _LongNumber:
        raise InputError([too_long_number(file, *_json_place(text, "number"))]) from None
    doc = Located(file, value, pending_text=text if marks else None)
    for path, message, key, kind in value_problems(value):
        problem = doc.problem(path, message, key=key)
        if problem.line is None and marks and kind:
            # Text YAML cannot compose (a lone surrogate escape, deep nesting): the scan
            # below finds the place.
            problem = Problem(file, *_json_place(text, kind), message)
        doc.problems.append(problem)
    return doc


#: JSON tokens that matter for placing a problem: whole strings, brackets, numbers.
_JSON_TOKENS = r'"(?:[^"\\]++|\\.)*+"|[\[\]{}]|-?[0-9][0-9.eE+\-]*'


def _json_place(text: str, kind: str) -> tuple[int | None, int | None]:
    """Line and column of the first `kind` of problem ("deep", "number", "surrogate") in
    JSON text, found by one scan of its tokens (no recursion, nothing converted)."""
    depth = 0
    for match in re.finditer(_JSON_TOKENS, text, re.S):
        token = match.group()
        first = token[0]
        if first in "[{":
            depth += 1
            hit = kind == "deep" and depth > MAX_DEPTH
        elif first in "]}":
            depth -= 1
            hit = False
        elif first == '"':
            hit = kind == "surrogate" and "\\u" in token and _has_surrogate(token)
        else:
            hit = kind == "number" and len(token) > MAX_NUMBER_CHARS
        if hit:
            return line_col(text, match.start())
    return None, None


def _has_surrogate(token: str) -> bool:
    try:
        return bool(re.search(_SURROGATE, json.loads(token)))
    except ValueError:
        return False
