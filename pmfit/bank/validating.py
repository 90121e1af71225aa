"""Validate a bank directory: parse safely, check strictly, report every problem.

Only needed when a bank is new or has changed; `pmfit.bank.loading` keeps the
result in a cache so that everyday commands never import this module.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from pmfit.bank.files import BankSources, decode_bank_file, digest
from pmfit.bank.model import Bank, BankFile, Question, QuestionsFile
from pmfit.bank.thread import ELLIPSIS, ThreadText
from pmfit.errors import BankError, InputError, Problem, merge_problems
from pmfit.fileio import display_path
from pmfit.located import Located, load_yaml
from pmfit.validation import convert


def elision_keeps_meaning(quote: str, lines: list[int]) -> bool:
    """Whether a quote's `…` joins fragments of one paragraph, none a lone word."""
    fragments = [f.strip() for f in quote.split(ELLIPSIS) if f.strip()]
    if len(fragments) < 2:
        return True
    return len(set(lines)) == 1 and all(len(f.split()) >= 2 for f in fragments)


def validate_bank(sources: BankSources) -> Bank:
    """The bank in `sources` (bank.yaml first), validated, with every problem found."""
    first, *others = [
        _parse(decode_bank_file(data, sources.path(name)), sources.path(name))
        for name, data in sources.files
    ]
    # The thread is part of the bank: a quote is only valid against it.
    thread_name = _thread_name(first)
    thread_bytes, thread_problem = b"", None
    if thread_name:
        try:
            thread_bytes = sources.read(thread_name)
        except BankError as error:
            thread_problem = error.problems[0].message
    return _validate(
        first,
        others,
        digest(sources.files, thread_bytes),
        thread_problem,
        decode_bank_file(thread_bytes, sources.path(thread_name)) if thread_name else "",
    )


def _parse(text: str, path: Path) -> Located:
    try:
        return load_yaml(text, display_path(path))
    except InputError as error:
        raise BankError(error.problems) from None


def _thread_name(doc: Located) -> str | None:
    value = doc.value
    if isinstance(value, dict) and isinstance(value.get("source"), dict):
        name = value["source"].get("file")
        return name if isinstance(name, str) else None
    return None


def _validate(
    first: Located,
    others: list[Located],
    digest: str,
    thread_problem: str | None,
    thread_text: str,
) -> Bank:
    parsing = [p for doc in (first, *others) for p in doc.problems]
    problems: list[Problem] = []
    meta, found = convert(first, first.value, BankFile)
    problems += found
    for doc in others:
        problems += convert(doc, doc.value, QuestionsFile)[1]
    # Each question again on its own, to keep its place in its file for messages.
    questions: list[tuple[Located, int, Question]] = []
    for doc in (first, *others):
        for i, raw in _raw_questions(doc):
            question = convert(doc, raw, Question, ("questions", i))[0]
            if question is not None:
                questions.append((doc, i, question))
    raw_ids = {str(raw.get("id")) for doc in (first, *others) for _, raw in _raw_questions(doc)}
    if meta is None:
        raise BankError(merge_problems(parsing, problems))

    if thread_problem or not thread_text:
        why = thread_problem or "is empty"
        if thread_problem == "no such file":
            why = "not found beside bank.yaml"
        shown = f"source: file {meta.source.file!r} {why}"
        problems.append(first.problem(("source", "file"), shown))
    problems += _check_meta(first, meta, thread_text)
    problems += _check_questions(first, meta, questions, thread_text, raw_ids)
    if problems or parsing:
        raise BankError(merge_problems(parsing, problems))
    return Bank(
        id=meta.id,
        version=meta.version,
        sha256=digest,
        title=meta.title,
        thresholds=meta.thresholds,
        source=meta.source,
        dimensions=meta.dimensions,
        questions=[q for _, _, q in questions],
        pairs=meta.pairs,
    )


def _raw_questions(doc: Located) -> list[tuple[int, dict[str, object]]]:
    """The question mappings as written, valid or not, with their index in the file."""
    value = doc.value.get("questions") if isinstance(doc.value, dict) else None
    if not isinstance(value, list):
        return []
    return [(i, q) for i, q in enumerate(value) if isinstance(q, dict)]


def _duplicates(ids: list[str]) -> set[str]:
    return {i for i, n in Counter(ids).items() if n > 1}


def _check_meta(doc: Located, meta: BankFile, thread_text: str) -> list[Problem]:
    problems = []
    for lang in ("en", "es"):
        if lang not in meta.languages:
            problems.append(doc.problem(("languages",), f"languages: must include {lang!r}"))
    dupes = _duplicates([d.id for d in meta.dimensions])
    for i, d in enumerate(meta.dimensions):
        if d.id in dupes:
            problems.append(
                doc.problem(("dimensions", i, "id"), f"dimension {d.id!r}: duplicate id")
            )
    last_line = len(thread_text.splitlines())
    numbers = _duplicates([str(a.number) for a in meta.source.answers])
    for i, a in enumerate(meta.source.answers):
        where = ("source", "answers", i)
        if str(a.number) in numbers:
            problems.append(doc.problem((*where, "number"), f"answer {a.number}: duplicate number"))
        lo, hi = a.lines
        if not lo <= hi or (thread_text and hi > last_line):
            problems.append(
                doc.problem(
                    (*where, "lines"),
                    f"answer {a.number}: lines {lo}-{hi} must be in order "
                    f"and within the thread's {last_line} lines",
                )
            )
    thread = ThreadText.parse(thread_text)
    paragraphs = {p.line for p in thread.paragraphs}
    for i, entry in enumerate(meta.source.no_preference):
        if thread_text and entry.line not in paragraphs:
            problems.append(
                doc.problem(
                    ("source", "no_preference", i, "line"),
                    f"no_preference: line {entry.line} is not a paragraph of the thread",
                )
            )
        elif (
            thread_text
            and entry.sentence is not None
            and thread.spans(entry.sentence, entry.line, entry.line) is None
        ):
            problems.append(
                doc.problem(
                    ("source", "no_preference", i, "sentence"),
                    f"no_preference: line {entry.line} does not contain this sentence verbatim "
                    "(white space may differ; `…` marks an elision)",
                )
            )
    return problems


def _check_questions(
    first: Located,
    meta: BankFile,
    questions: list[tuple[Located, int, Question]],
    thread_text: str,
    raw_ids: set[str],
) -> list[Problem]:
    problems: list[Problem] = []
    # Ids as written, so that a dimension with a bad field is not also "unknown".
    raw_dimensions = first.value.get("dimensions") if isinstance(first.value, dict) else None
    dimension_ids = {d.id for d in meta.dimensions} | {
        str(d.get("id")) for d in raw_dimensions or [] if isinstance(d, dict)
    }
    answers = {a.number: a for a in meta.source.answers}
    thread = ThreadText.parse(thread_text)
    dupes = _duplicates([q.id for _, _, q in questions])
    for doc, index, q in questions:
        at = ("questions", index)
        name = f"question {q.id!r}"
        if q.id in dupes:
            problems.append(doc.problem((*at, "id"), f"{name}: duplicate id"))
        if q.dimension not in dimension_ids:
            problems.append(
                doc.problem(
                    (*at, "dimension"),
                    f"{name}: unknown dimension {q.dimension!r} "
                    f"(allowed: {', '.join(sorted(dimension_ids))})",
                )
            )
        option_dupes = _duplicates([o.id for o in q.options])
        for j, o in enumerate(q.options):
            if o.id in option_dupes:
                problems.append(
                    doc.problem((*at, "options", j, "id"), f"{name} option {o.id!r}: duplicate id")
                )
        for j, s in enumerate(q.sources):
            where = (*at, "sources", j)
            answer = answers.get(s.answer)
            if answer is None:
                problems.append(
                    doc.problem(
                        (*where, "answer"),
                        f"{name} source #{j + 1}: answer {s.answer} is not "
                        f"one of the thread's answers "
                        f"({', '.join(map(str, sorted(answers)))})",
                    )
                )
                continue
            if not thread_text:
                continue
            lo, hi = answer.lines
            located = thread.locate(s.quote.es, lo, hi)
            if located is not None:
                if not elision_keeps_meaning(s.quote.es, located):
                    problems.append(
                        doc.problem(
                            (*where, "quote", "es"),
                            f"{name} source #{j + 1}: the fragments of a quote with '…' must "
                            "stand in one paragraph and each have at least two words, so an "
                            "elision never joins words the thread did not say together",
                        )
                    )
                continue
            anywhere = thread.locate(s.quote.es)
            if anywhere is not None:
                owner = next(
                    (
                        a.number
                        for a in meta.source.answers
                        if a.lines[0] <= anywhere[0] <= a.lines[1]
                    ),
                    None,
                )
                problems.append(
                    doc.problem(
                        (*where, "quote", "es"),
                        f"{name} source #{j + 1}: quote is from "
                        f"{f'answer {owner}' if owner else f'line {anywhere[0]}'}"
                        f", not answer {s.answer} (lines {lo}-{hi})",
                    )
                )
            else:
                problems.append(
                    doc.problem(
                        (*where, "quote", "es"),
                        f"{name} source #{j + 1}: quote is not verbatim in "
                        f"the thread (each fragment between '…' must be)",
                    )
                )
    ids = {q.id: q for _, _, q in questions}
    declared: dict[frozenset[str], int] = {}
    # The pairs as written, so that numbers and places stay right when one is invalid.
    raw_pairs = first.value.get("pairs") if isinstance(first.value, dict) else None
    for i, pair in enumerate(raw_pairs if isinstance(raw_pairs, list) else []):
        if not (isinstance(pair, list) and pair in meta.pairs):
            continue  # already reported as invalid
        for j, qid in enumerate(pair):
            if qid not in ids and qid not in raw_ids:
                problems.append(
                    first.problem(("pairs", i, j), f"pair #{i + 1}: unknown question {qid!r}")
                )
        if len(set(pair)) != len(pair):
            problems.append(
                first.problem(("pairs", i), f"pair #{i + 1}: a question cannot pair with itself")
            )
        elif frozenset(pair) in declared:
            problems.append(
                first.problem(
                    ("pairs", i),
                    f"pair #{i + 1}: repeats pair #{declared[frozenset(pair)] + 1} "
                    f"(a pair is declared once, in either order)",
                )
            )
        else:
            declared[frozenset(pair)] = i
    return problems


def subject_locations(sources: BankSources) -> dict[tuple[str, ...], Problem]:
    """Where each dimension, question, option and pair is declared, for pointing at it."""
    found: dict[tuple[str, ...], Problem] = {}
    for name, data in sources.files:
        f = sources.path(name)
        doc = _parse(decode_bank_file(data, f), f)
        found.setdefault(("bank",), doc.problem((), ""))
        value = doc.value if isinstance(doc.value, dict) else {}
        for i, d in enumerate(value.get("dimensions") or []):
            if isinstance(d, dict):
                found[("dimension", str(d.get("id")))] = doc.problem(("dimensions", i, "id"), "")
        for i, q in enumerate(value.get("questions") or []):
            if not isinstance(q, dict):
                continue
            found[("question", str(q.get("id")))] = doc.problem(("questions", i, "id"), "")
            for j, o in enumerate(q.get("options") or []):
                if isinstance(o, dict):
                    found[("question", str(q.get("id")), "option", str(o.get("id")))] = doc.problem(
                        ("questions", i, "options", j, "id"), ""
                    )
        for i, pair in enumerate(value.get("pairs") or []):
            if isinstance(pair, list) and pair:
                found[("pair", str(pair[0]))] = doc.problem(("pairs", i), "")
    return found
