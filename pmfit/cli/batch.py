"""`pmfit batch`: score a whole cohort, streaming, losing nothing."""

import contextlib
import enum
import os
import signal
from collections.abc import Iterator
from typing import IO, TYPE_CHECKING, Annotated, Any, BinaryIO

import typer

from pmfit.cli.app import BankOption, app, environment
from pmfit.cli.environment import Environment
from pmfit.cli.options import InputFormatChoice, InputFormatOption
from pmfit.errors import InputError, Problem
from pmfit.exit_status import ExitStatus

if TYPE_CHECKING:
    from pmfit.batch.rows import Rejection
    from pmfit.batch.run import Input

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
) -> list["Input"]:
    from pmfit.batch.readers import format_of
    from pmfit.batch.run import Input

    inputs = []
    problems = []
    for name in names:
        if name == "-":
            raw = env.stdin.buffer if hasattr(env.stdin, "buffer") else None
            if raw is None:  # a text-only stdin (tests): read it as bytes
                import io

                raw = io.BytesIO(env.stdin.read().encode("utf-8"))
            stream = Peekable(raw)
            shown, size = "<stdin>", None
        else:
            try:
                handle = stack.enter_context(open(name, "rb"))  # noqa: SIM115
            except FileNotFoundError:
                problems.append(Problem(name, None, None, "no such file"))
                continue
            except IsADirectoryError:
                problems.append(Problem(name, None, None, "is a directory, not a file"))
                continue
            except OSError as error:
                problems.append(Problem(name, None, None, error.strerror or str(error)))
                continue
            shown, size = name, os.fstat(handle.fileno()).st_size
            stream = Peekable(handle)
        kind = forced.value if forced else format_of(name, stream.peek())
        inputs.append(Input(shown, stream, kind, size, None if name == "-" else name))
    if problems:
        raise InputError(problems)
    return inputs


class Peekable:
    """A binary stream whose first block can be looked at before reading starts."""

    def __init__(self, stream: IO[bytes] | BinaryIO) -> None:
        self.stream = stream
        self.head = b""

    def peek(self) -> bytes:
        if not self.head:
            self.head = self.stream.read(4096)
        return self.head

    def read(self, size: int = -1) -> bytes:
        if self.head:
            head, self.head = self.head, b""
            if size < 0:
                return head + self.stream.read()
            return head
        return self.stream.read(size)


class _Stdout:
    def __init__(self, env: Environment) -> None:
        self.stream = env.stdout

    def write(self, data: bytes) -> None:
        buffer = getattr(self.stream, "buffer", None)
        if buffer is not None:
            buffer.write(data)
        else:
            self.stream.write(data.decode("utf-8"))


@contextlib.contextmanager
def _terminate_as_interrupt() -> Iterator[None]:
    """SIGTERM unwinds like Ctrl-C, so temporary files are removed on the way out."""

    def interrupt(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    try:
        previous = signal.signal(signal.SIGTERM, interrupt)
    except ValueError:  # not the main thread
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


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
        typer.Option("--output", "-o", help="Write results here (atomically) instead of stdout."),
    ] = None,
    format: Annotated[
        BatchFormat, typer.Option("--format", "-f", help="jsonl, csv or json.")
    ] = BatchFormat.jsonl,
    input_format: InputFormatOption = None,
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
        from pmfit.batch.compact import compact_schema

        env.stdout.write(json.dumps(compact_schema(), indent=2, ensure_ascii=False) + "\n")
        return
    if not inputs:
        raise InputError(
            [Problem("pmfit batch", None, None, "give one or more INPUT files, or - for stdin")]
        )
    from pmfit.bank.loading import load_bank
    from pmfit.batch.run import Stop, run_batch
    from pmfit.batch.writers import formatter
    from pmfit.fileio import AtomicFile

    bank = load_bank(bank_path)
    with contextlib.ExitStack() as stack:
        sources = open_inputs(inputs, input_format, env, stack)
        out_file = AtomicFile(output) if output else None
        errors_file = AtomicFile(errors) if errors else None
        sink = out_file or _Stdout(env)
        total = None if any(s.size is None for s in sources) else sum(s.size or 0 for s in sources)

        def rejected(rejection: "Rejection") -> None:
            env.error(str(rejection))
            if errors_file:
                errors_file.write(
                    json.dumps(rejection.record(), ensure_ascii=False).encode() + b"\n"
                )

        bar = _progress(env, total) if wants_progress(env, total, progress) else None
        try:
            with _terminate_as_interrupt():
                summary = run_batch(
                    bank,
                    sources,
                    sink,
                    formatter(format.value, bank, formula_guard=formula_guard),
                    with_quotes=with_quotes,
                    strict=strict,
                    jobs=jobs,
                    on_rejection=rejected,
                    on_progress=bar.update if bar else (lambda done: None),
                )
        except Stop as stop:
            if bar:
                bar.close()
            if out_file:
                out_file.abort()
            if errors_file:
                errors_file.write(
                    json.dumps(stop.rejection.record(), ensure_ascii=False).encode() + b"\n"
                )
                errors_file.commit()
            r = stop.rejection
            raise InputError(
                [Problem(r.file, r.line, None, str(r)[len(_where(r)) + 2 :])]
            ) from None
        except BaseException:
            if bar:
                bar.close()
            for handle in (out_file, errors_file):
                if handle:
                    handle.abort()
            raise
        if bar:
            bar.close()
        if out_file:
            out_file.commit()
        if errors_file:
            errors_file.commit()
    line = f"scored {summary.scored:,}; rejected {summary.rejected:,}"
    if summary.rejected and errors:
        line += f"; see {errors}"
    env.error(line)
    if summary.rejected:
        raise typer.Exit(int(ExitStatus.SOME_REJECTED))


def _where(r: "Rejection") -> str:
    return r.file if r.line is None else f"{r.file}:{r.line}"


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


def _progress(env: Environment, total: int | None) -> _Bar:
    assert total is not None
    return _Bar(env, total)
