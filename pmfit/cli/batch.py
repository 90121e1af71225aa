"""`pmfit batch`: score a whole cohort, streaming, losing nothing."""

import contextlib
import enum
from typing import IO, TYPE_CHECKING, Annotated, BinaryIO

import typer

from pmfit.cli.app import BankOption, app, environment
from pmfit.cli.environment import Environment
from pmfit.cli.options import (
    EncodingOption,
    InputFormatChoice,
    InputFormatOption,
    RespondentColumnOption,
    ShortFormOption,
    load_form,
)
from pmfit.errors import InputError, Problem
from pmfit.exit_status import ExitStatus

if TYPE_CHECKING:
    from pmfit.batch.rows import Rejection
    from pmfit.batch.run import Input
    from pmfit.writing import Identity, Output, Plan

#: Inputs smaller than this finish before a progress bar would be worth drawing.
PROGRESS_BYTES = 8 << 20


class BatchFormat(str, enum.Enum):
    jsonl = "jsonl"
    csv = "csv"
    json = "json"


def wants_progress(env: Environment, total: int | None, enabled: bool = True) -> bool:
    """A bar only for a person watching (stderr a terminal) and an input worth waiting for."""
    return enabled and env.is_tty("stderr") and total is not None and total >= PROGRESS_BYTES


def open_inputs(
    names: list[str],
    forced: InputFormatChoice | None,
    env: Environment,
    stack: contextlib.ExitStack,
    encoding: str | None = None,
) -> list["Input"]:
    """`pmfit.batch.inputs.open_inputs`, with "-" as this run's stdin."""
    from pmfit.batch.inputs import open_inputs as opening

    stdin = _stdin(env, stack) if "-" in names else None
    return opening(
        names, stack, forced=forced.value if forced else None, encoding=encoding, stdin=stdin
    )


def _stdin(env: Environment, stack: contextlib.ExitStack) -> IO[bytes] | BinaryIO:
    """Stdin as bytes: unbuffered at its descriptor when it has one (so workers can read
    what this process has not), else its buffer, else its text (a test's)."""
    try:
        fd = env.stdin.fileno()
    except (AttributeError, OSError, ValueError):
        fd = -1
    if fd >= 0:
        raw = open(fd, "rb", buffering=0, closefd=False)  # noqa: SIM115
        stack.callback(raw.close)
        return raw
    buffer = getattr(env.stdin, "buffer", None)
    if buffer is not None:
        return buffer  # type: ignore[no-any-return]
    import io

    return io.BytesIO(env.stdin.read().encode("utf-8"))


def read_by_run(
    sources: list["Input"], env: Environment, bank_path: str | None
) -> list[tuple[str, "Identity | None"]]:
    """Every file a run reads, to be kept from its outputs: its inputs and its bank's."""
    from pmfit.bank.loading import COMPILED_FILE, bank_files
    from pmfit.fileio import display_path
    from pmfit.scoring.stored import TABLES_FILE
    from pmfit.writing import identity_of

    read = [
        (s.shown, identity_of(s.path) if s.path is not None else stdin_identity(env))
        for s in sources
    ]
    files = bank_files(bank_path)
    for path in [*files, files[0].parent / COMPILED_FILE, files[0].parent / TABLES_FILE]:
        read.append((display_path(path), identity_of(path)))
    return read


def open_outputs(
    named: list[tuple[str, str | None]],
    sources: list["Input"],
    env: Environment,
    bank_path: str | None,
) -> list["Output | None"]:
    """Each named output checked, then opened, before any work; None where none is named.

    Every output is checked (and a clash with an input, a bank file or another output
    refused) before any is opened, so a refusal leaves nothing behind.
    """
    from pmfit.writing import open_output, plan, refuse_clashes

    plans = {option: plan(name, option=option) for option, name in named if name is not None}
    checked = []
    for option, name in named:
        if name is not None:
            checked.append((option, plans[option]))
        elif option == "--output":
            checked += stdout_as_output(env)
    refuse_clashes(checked, read_by_run(sources, env, bank_path))
    opened: dict[str, Output] = {}
    try:
        for option, target in plans.items():
            opened[option] = open_output(target)
    except BaseException:
        for output in opened.values():
            output.abort()
        raise
    return [opened.get(option) for option, _ in named]


def stdout_as_output(env: Environment) -> list[tuple[str, "Plan"]]:
    """When a command writes to stdout, the file the shell made stdout is one of its
    outputs, for `refuse_clashes`: `pmfit batch in.jsonl >> in.jsonl` would read its own
    results back, as `-o /dev/stdout` would (a terminal or /dev/null is exempt there)."""
    from pmfit.writing import stream_plan

    try:
        fd = env.stdout.fileno()
    except (AttributeError, OSError, ValueError):  # a test's stdout has no descriptor
        return []
    stdout = stream_plan(fd, "<stdout>")
    return [] if stdout is None else [("the results on stdout", stdout)]


def stdin_identity(env: Environment) -> "Identity | None":
    from pmfit.writing import identity_of

    try:
        return identity_of(env.stdin.fileno())
    except (AttributeError, OSError, ValueError):  # a test's stdin has no descriptor
        return None


@app.command()
def batch(
    ctx: typer.Context,
    inputs: Annotated[
        list[str] | None,
        typer.Argument(
            metavar="INPUT...",
            help="Answer files: CSV, JSONL, a JSON array or YAML documents; - reads stdin.",
            show_default=False,
        ),
    ] = None,
    output: Annotated[
        str | None,
        typer.Option(
            "--output",
            "-o",
            help="Write results here instead of stdout (a file is replaced atomically; "
            "- is stdout).",
        ),
    ] = None,
    format: Annotated[
        BatchFormat, typer.Option("--format", "-f", help="jsonl, csv or json.")
    ] = BatchFormat.jsonl,
    input_format: InputFormatOption = None,
    excel: Annotated[
        bool,
        typer.Option(
            "--excel",
            help="CSV as Excel opens it: a UTF-8 byte-order mark and CRLF line ends "
            "(implies --format csv).",
        ),
    ] = False,
    short: ShortFormOption = False,
    respondent_column: RespondentColumnOption = None,
    encoding: EncodingOption = None,
    with_quotes: Annotated[
        bool,
        typer.Option(
            "--with-quotes",
            help="Full rationale items, quotes included, exactly as `pmfit score --json`.",
        ),
    ] = False,
    errors: Annotated[
        str | None,
        typer.Option("--errors", help="Also write every rejected row here, as JSONL."),
    ] = None,
    strict: Annotated[
        bool, typer.Option("--strict", help="Stop at the first bad row (exit status 2).")
    ] = False,
    jobs: Annotated[
        int | None,
        typer.Option(
            "--jobs",
            "-j",
            min=1,
            help="Worker processes [default: one per core]",
            show_default=False,
        ),
    ] = None,
    progress: Annotated[
        bool,
        typer.Option(
            "--progress/--no-progress",
            help="A progress bar on stderr when it is a terminal and the input is large.",
        ),
    ] = True,
    schema: Annotated[
        bool,
        typer.Option("--schema", help="Print the JSON Schema of the compact result line."),
    ] = False,
    formula_guard: Annotated[
        bool,
        typer.Option(
            "--csv-formula-guard/--no-csv-formula-guard",
            help="In CSV output, put ' before a text cell starting with =, +, -, @, tab or "
            "CR, which a spreadsheet would run as a formula.",
        ),
    ] = True,
    bank_path: BankOption = None,
) -> None:
    """Score many respondents at once: one result per respondent, in input order.

    Bad rows are reported on stderr (and with --errors FILE) and the rest are
    scored; the exit status is 1 if any row was rejected.
    """
    import json

    env = environment(ctx)
    if schema:
        from pmfit.schemas import compact_result_schema

        env.stdout.write(json.dumps(compact_result_schema(), indent=2, ensure_ascii=False) + "\n")
        return
    if not inputs:
        raise InputError(
            [Problem("pmfit batch", None, None, "give one or more INPUT files, or - for stdin")]
        )
    if excel:
        format = _csv_for_excel(ctx, format)
    from pmfit.batch.allocator import reuse_freed_memory
    from pmfit.batch.api import score_files
    from pmfit.batch.run import Stop

    bank = load_form(bank_path, short)
    with contextlib.ExitStack() as stack:
        sources = open_inputs(inputs, input_format, env, stack, encoding)
        out_file, errors_file = open_outputs(
            [("--output", None if output == "-" else output), ("--errors", errors)],
            sources,
            env,
            bank_path,
        )
        for handle in (out_file, errors_file):
            if handle:
                # However the block is left (an interrupt anywhere, say), no temporary
                # file stays; after a commit this does nothing.
                stack.callback(handle.abort)
        bar = _progress_bar(env, sources, progress, stack)
        reuse_freed_memory()
        try:
            counts = score_files(
                sources,
                out_file or env.stdout,
                bank=bank,
                format=format.value,
                with_quotes=with_quotes,
                excel=excel,
                formula_guard=formula_guard,
                respondent_column=respondent_column,
                errors=errors_file,
                strict=strict,
                jobs=jobs,
                on_rejection=lambda rejection: env.error(str(rejection)),
                on_progress=bar.update if bar else (lambda done: None),
                on_notice=env.error,
            )
        except Stop as stop:
            r = stop.rejection
            raise InputError(
                [Problem(r.file, r.line, r.col, str(r)[len(_where(r)) + 2 :])]
            ) from None
    line = f"scored {counts.scored:,}; rejected {counts.rejected:,}"
    if counts.rejected and errors:
        line += f"; see {errors}"
    env.error(line)
    if counts.rejected or counts.rejections:
        raise typer.Exit(int(ExitStatus.SOME_REJECTED))


def _csv_for_excel(ctx: typer.Context, format: BatchFormat) -> BatchFormat:
    """--excel writes CSV: another --format given with it is refused."""
    source = ctx.get_parameter_source("format")
    if format is not BatchFormat.csv and source is not None and source.name == "COMMANDLINE":
        raise InputError(
            [Problem("--excel", None, None, f"writes CSV, not --format {format.value}")]
        )
    return BatchFormat.csv


def _progress_bar(
    env: Environment, sources: list["Input"], enabled: bool, stack: contextlib.ExitStack
) -> "_Bar | None":
    """A bar for a person watching a large input; closed however the run ends."""
    sizes = [s.size for s in sources]
    total = None if None in sizes else sum(size or 0 for size in sizes)
    if total is None or not wants_progress(env, total, enabled):
        return None
    bar = _Bar(env, total)
    stack.callback(bar.close)
    return bar


def _where(r: "Rejection") -> str:
    if r.line is None:
        return r.file
    return f"{r.file}:{r.line}" if r.col is None else f"{r.file}:{r.line}:{r.col}"


class _Bar:
    """A Rich progress bar on stderr, redrawn by hand (no thread, so workers can fork)."""

    def __init__(self, env: Environment, total: int) -> None:
        from rich.progress import BarColumn, DownloadColumn, Progress, TimeRemainingColumn

        self.progress = Progress(
            BarColumn(),
            DownloadColumn(),
            TimeRemainingColumn(),
            console=env.console(stderr=True),
            auto_refresh=False,
            transient=True,
        )
        self.task = self.progress.add_task("scoring", total=total)
        self.progress.start()

    def update(self, done: int) -> None:
        self.progress.update(self.task, completed=done)
        self.progress.refresh()

    def close(self) -> None:
        self.progress.stop()
