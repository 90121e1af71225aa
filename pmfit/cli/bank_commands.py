"""`pmfit bank ...` and `pmfit schema`: check, show and describe banks and results."""

import enum
import json
from typing import Annotated, Any

import typer

from pmfit.cli.app import app, bank_app, environment
from pmfit.cli.options import (
    FormatOption,
    JsonFlag,
    LangOption,
    PlainOption,
    language,
    wants_json,
)
from pmfit.exit_status import ExitStatus

PathArgument = Annotated[
    str | None,
    typer.Argument(
        help="A bank directory or its bank.yaml [default: the shipped bank]",
        show_default=False,
        envvar="PMFIT_BANK",
    ),
]


def _dump(data: Any) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


@bank_app.command("validate")
def validate(
    ctx: typer.Context,
    path: PathArgument = None,
    strict: Annotated[
        bool, typer.Option("--strict", help="Treat lint warnings as errors.")
    ] = False,
) -> None:
    """Check a bank: schema, ids, quotes verbatim in the thread, its compiled copy; then
    lint it."""
    from pmfit.bank.files import BankSources, read_text
    from pmfit.bank.loading import bank_dir, check_compiled
    from pmfit.bank.validating import subject_locations, validate_bank
    from pmfit.fileio import display_path
    from pmfit.lint import keying_share, lint, thread_controls

    env = environment(ctx)
    sources = BankSources(bank_dir(path))
    bank = validate_bank(sources)
    check_compiled(sources, bank)
    findings = lint(bank)
    where = subject_locations(sources) if findings else {}
    for finding in findings:
        at = where.get(finding.subject) or where.get(finding.subject[:2]) or where[("bank",)]
        env.error(str(at).rstrip(": ") + f": warning: {finding.message}")
    thread_file = sources.path(bank.source.file)
    thread_findings = thread_controls(read_text(sources.directory, bank.source.file))
    for line, message in thread_findings:
        env.error(f"{display_path(thread_file)}:{line}:1: warning: {message}")
    warnings = len(findings) + len(thread_findings)
    share = keying_share(bank.questions)
    env.stdout.write(
        f"{bank.id} {bank.version}: {len(bank.questions)} questions "
        f"({sum(q.short for q in bank.questions)} in the short form), "
        f"{len(bank.dimensions)} dimensions, first option leans B2B in "
        f"{'n/a' if share is None else f'{share:.0%}'}; "
        f"{warnings} warning{'s' if warnings != 1 else ''}\n"
    )
    if warnings and strict:
        raise typer.Exit(int(ExitStatus.BAD_INPUT))


@bank_app.command("compile")
def compile_bank(ctx: typer.Context, path: PathArgument = None) -> None:
    """Validate a bank and keep it compiled, so that loading it needs no validation: the
    shipped bank as bank.compiled.json beside it, any other in your cache directory.
    Loading ignores the compiled copy once any bank file changes; rerun then."""
    from pmfit.bank.files import BankSources
    from pmfit.bank.loading import bank_dir, trusted_compiled_file, write_compiled
    from pmfit.bank.validating import validate_bank
    from pmfit.errors import BankError, Problem
    from pmfit.fileio import display_path

    sources = BankSources(bank_dir(path))
    bank = validate_bank(sources)
    target = trusted_compiled_file(sources.directory)
    if target is None:
        shown = display_path(sources.directory)
        raise BankError([Problem(shown, None, None, "not compiled: PMFIT_NO_CACHE is set")])
    write_compiled(target, bank, sources)
    environment(ctx).stdout.write(f"wrote {display_path(target)}\n")


def normalised_bank(bank: Any) -> dict[str, Any]:
    """The documented shape of `pmfit bank show --json`."""
    return {
        "id": bank.id,
        "version": bank.version,
        "sha256": bank.sha256,
        "dimensions": [
            {
                "id": d.id,
                "weight": d.weight,
                "name": {"en": d.name.en, "es": d.name.es},
                "description": {"en": d.description.en, "es": d.description.es},
            }
            for d in bank.dimensions
        ],
        "questions": [
            {
                "id": q.id,
                "dimension": q.dimension,
                "short": q.short,
                "prompt": {"en": q.prompt.en, "es": q.prompt.es},
                "options": [
                    {"id": o.id, "label": {"en": o.label.en, "es": o.label.es}, "lean": o.lean}
                    for o in q.options
                ],
                "sources": [
                    {
                        "answer": s.answer,
                        "side": s.side,
                        "quote": {"es": s.quote.es, "en": s.quote.en},
                    }
                    for s in q.sources
                ],
            }
            for q in bank.questions
        ],
    }


@bank_app.command("show")
def show(
    ctx: typer.Context,
    path: PathArgument = None,
    format: FormatOption = None,
    json_: JsonFlag = False,
    lang: LangOption = None,
    plain: PlainOption = False,
) -> None:
    """Print the normalised bank (JSON when piped)."""
    from pmfit.bank.loading import load_bank

    env = environment(ctx)
    bank = load_bank(path)
    if wants_json(env, format, json_):
        env.stdout.write(_dump(normalised_bank(bank)))
        return
    from pmfit.render.bank_view import bank_view

    env.console(plain=plain).print(bank_view(bank, language(env, lang), plain))


@bank_app.command("coverage")
def coverage(
    ctx: typer.Context,
    path: PathArgument = None,
    format: FormatOption = None,
    json_: JsonFlag = False,
    plain: PlainOption = False,
) -> None:
    """Each paragraph of the thread, sentence by sentence, and the questions that quote it;
    flag every sentence that bears on a preference and that nothing quotes."""
    from pmfit.bank.coverage import coverage as compute
    from pmfit.bank.loading import load_bank, read_thread

    env = environment(ctx)
    bank = load_bank(path)
    rows = compute(bank, read_thread(path, bank))
    needed = [r for r in rows if r.no_preference is None]
    covered = [r for r in needed if not r.uncovered]
    sentences = [s for r in needed for s in r.sentences if s.no_preference is None]
    quoted = [s for s in sentences if s.questions]
    if wants_json(env, format, json_):
        env.stdout.write(
            _dump(
                {
                    "covered": len(covered),
                    "needed": len(needed),
                    "sentences_covered": len(quoted),
                    "sentences_needed": len(sentences),
                    "paragraphs": [
                        {
                            "line": r.line,
                            "answer": r.answer,
                            "questions": list(r.questions),
                            "no_preference": r.no_preference,
                            "uncovered": r.uncovered,
                            "text": r.text,
                            "sentences": [
                                {
                                    "text": s.text,
                                    "questions": list(s.questions),
                                    "no_preference": s.no_preference,
                                    "uncovered": s.uncovered,
                                }
                                for s in r.sentences
                            ],
                        }
                        for r in rows
                    ],
                }
            )
        )
    else:
        from pmfit.render.bank_view import coverage_view

        env.console(plain=plain).print(coverage_view(rows, plain))
    env.error(
        f"coverage: {len(covered)} of {len(needed)} paragraphs and {len(quoted)} of "
        f"{len(sentences)} sentences that bear on a preference are quoted "
        f"({len(sentences) - len(quoted)} uncovered)"
    )


class SchemaName(str, enum.Enum):
    bank = "bank"
    result = "result"
    answers = "answers"


@app.command("schema")
def schema(
    ctx: typer.Context,
    name: Annotated[SchemaName, typer.Argument(help="bank, result or answers.")],
) -> None:
    """Print a published JSON Schema: bank files, result JSON, or answer sheets."""
    from pmfit import schemas

    build = {
        "bank": schemas.bank_schema,
        "result": schemas.result_schema,
        "answers": schemas.answers_schema,
    }[name.value]
    environment(ctx).stdout.write(_dump(build()))


@bank_app.command("schema")
def bank_schema(ctx: typer.Context) -> None:
    """Print the JSON Schema of bank files (for editors)."""
    schema(ctx, SchemaName.bank)


@bank_app.command("simulate")
def simulate(
    ctx: typer.Context,
    path: PathArgument = None,
    respondents: Annotated[
        int,
        typer.Option(
            "--respondents", "-n", min=10, max=100_000, help="Simulated respondents per row."
        ),
    ] = 1000,
    seed: Annotated[int, typer.Option("--seed", min=0, help="Seed of the simulation.")] = 0,
    format: FormatOption = None,
    json_: JsonFlag = False,
) -> None:
    """Simulate respondents and measure the bank's results: reliability, calibration,
    retest, outcomes, short form, adaptive quiz, flags (see "Simulating a bank")."""
    from pmfit.bank.loading import load_bank
    from pmfit.simulate import simulate as run

    env = environment(ctx)
    report = run(load_bank(path), n=respondents, seed=seed)
    if wants_json(env, format, json_):
        env.stdout.write(_dump(report))
        return
    from pmfit.render.simulate_view import simulate_text

    env.stdout.write(simulate_text(report))
