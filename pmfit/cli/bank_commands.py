"""`pmfit bank ...` and `pmfit schema`: check, show and describe banks and results."""

import enum
import json
from typing import Annotated

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


def _dump(data: object) -> str:
    """Indented JSON of plain data or of a typed view (a msgspec struct), as written."""
    if not isinstance(data, dict):
        import msgspec

        data = msgspec.to_builtins(data)
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
    shipped bank as bank.compiled.json beside it (and its model tables as bank.model.bin),
    any other in your cache directory. Loading ignores the compiled copy once any bank
    file changes; rerun then."""
    from pmfit.bank.files import BankSources
    from pmfit.bank.loading import bank_dir, is_shipped, trusted_compiled_file, write_compiled
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
    written = [target]
    if is_shipped(sources.directory):
        # Its model tables too, so that a first score need not compute them.
        from pmfit.scoring.model import stored_tables
        from pmfit.scoring.stored import TABLES_FILE
        from pmfit.writing import write_file

        written.append(target.parent / TABLES_FILE)
        write_file(written[-1], stored_tables(bank))
    for file in written:
        environment(ctx).stdout.write(f"wrote {display_path(file)}\n")


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
    from pmfit.bank.normalised import normalised

    env = environment(ctx)
    bank = load_bank(path)
    if wants_json(env, format, json_):
        env.stdout.write(_dump(normalised(bank)))
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
    found = compute(bank, read_thread(path, bank))
    if wants_json(env, format, json_):
        env.stdout.write(_dump(found))
    else:
        from pmfit.render.bank_view import coverage_view

        env.console(plain=plain).print(coverage_view(found.paragraphs, plain))
    env.error(
        f"coverage: {found.covered} of {found.needed} paragraphs and {found.sentences_covered} "
        f"of {found.sentences_needed} sentences that bear on a preference are quoted "
        f"({found.sentences_needed - found.sentences_covered} uncovered)"
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
