"""YAML and JSON documents whose every value remembers its line and column.

Error messages name `file:line:col`, so the loaders keep, for each path into a
document, where it was written. YAML is only ever parsed safely: any tag beyond
the plain scalars and collections is an error, and is never constructed.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from pmfit.errors import InputError, Problem

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


class _Builder:
    def __init__(self, doc: Located) -> None:
        import yaml

        self.yaml = yaml
        self.doc = doc
        self.problems: list[Problem] = []
        self.constructor = yaml.constructor.SafeConstructor()

    def build(self, node: yaml.Node, path: Path) -> Any:
        yaml = self.yaml
        self.doc.marks[path] = _mark(node)
        if node.tag not in _SAFE_TAGS:
            self.problems.append(
                Problem(
                    self.doc.file,
                    *_mark(node),
                    f"tag {node.tag.replace('tag:yaml.org,2002:', '!!')!r} is not allowed "
                    f"(only plain YAML values; nothing is ever constructed from tags)",
                )
            )
            return None
        if isinstance(node, yaml.MappingNode):
            self.constructor.flatten_mapping(node)
            result: dict[Any, Any] = {}
            for key_node, value_node in node.value:
                key = self.build(key_node, (*path, "<key>"))
                if not isinstance(key, (str, int, float, bool)) and key is not None:
                    self.problems.append(
                        Problem(self.doc.file, *_mark(key_node), "a key must be a plain value")
                    )
                    continue
                key = str(key) if key is not None else "null"
                if key in result:
                    self.problems.append(
                        Problem(
                            self.doc.file,
                            *_mark(key_node),
                            f"{'.'.join(map(str, path)) or 'document'}: duplicate key {key!r}",
                        )
                    )
                key_path = (*path, key)
                self.doc.key_marks[key_path] = _mark(key_node)
                result[key] = self.build(value_node, key_path)
            self.doc.marks.pop((*path, "<key>"), None)
            return result
        if isinstance(node, yaml.SequenceNode):
            return [self.build(item, (*path, i)) for i, item in enumerate(node.value)]
        return self.constructor.construct_object(node, deep=True)


def _syntax_problem(file: str, error: yaml.YAMLError, text: str) -> Problem:
    from yaml.reader import ReaderError

    if isinstance(error, ReaderError):
        # A character YAML does not allow: the reader knows only its offset.
        before = text[: error.position]
        line, col = before.count("\n") + 1, error.position - (before.rfind("\n") + 1) + 1
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


def yaml_documents(text: str, file: str) -> Iterator[Located]:
    """Each document of a YAML stream, located. Raises InputError on bad YAML."""
    import yaml  # deferred: JSON input and cached banks never need it

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        nodes = list(yaml.compose_all(text, Loader=loader))
    except yaml.YAMLError as error:
        raise InputError([_syntax_problem(file, error, text)]) from None
    for node in nodes:
        doc = Located(file, None)
        if node is not None:
            builder = _Builder(doc)
            doc.value = builder.build(node, ())
            doc.problems = builder.problems
        yield doc


def load_yaml(text: str, file: str) -> Located:
    docs = list(yaml_documents(text, file))
    if len(docs) > 1:
        line, col = docs[1].where(())
        raise InputError([Problem(file, line, col, "expected one YAML document, found several")])
    return docs[0] if docs else Located(file, None)


class _DuplicateKey(Exception):
    pass


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) != len(pairs):
        raise _DuplicateKey
    return result


def load_json(text: str, file: str) -> Located:
    try:
        value = json.loads(text, object_pairs_hook=_no_duplicates)
    except json.JSONDecodeError as error:
        raise InputError(
            [Problem(file, error.lineno, error.colno, f"malformed JSON: {error.msg}")]
        ) from None
    except _DuplicateKey:
        # Rare: let the YAML composer find and place every duplicate.
        located = load_yaml(text, file)
        located.value = json.loads(text)
        return located
    return Located(file, value, pending_text=text)


def load_document(text: str, file: str) -> Located:
    """JSON when the file says so (by name or by its first character), else YAML."""
    if file.endswith(".json") or text.lstrip()[:1] in ("{", "["):
        return load_json(text, file)
    return load_yaml(text, file)
