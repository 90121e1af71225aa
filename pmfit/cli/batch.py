"""`pmfit batch`: score a whole cohort, streaming, losing nothing."""

import contextlib
import enum
import os
import stat
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
    from pmfit.batch.readers import Readable
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
    from pmfit.batch.encoding import Transcoded, check_encoding, source_encoding
    from pmfit.batch.readers import format_of, refuse_utf32, text_input
    from pmfit.batch.run import Input

    if encoding is not None:
        check_encoding(encoding)

    inputs = []
    problems = []
    for name in names:
        fd = None
        if name == "-":
            fd = _descriptor(env.stdin)
            raw: IO[bytes] | BinaryIO | None
            if fd is not None:
                # Unbuffered: what has not been read yet is at the descriptor, where the
                # workers can read it too.
                raw = open(fd, "rb", buffering=0, closefd=False)  # noqa: SIM115
                stack.callback(raw.close)
            else:
                raw = env.stdin.buffer if hasattr(env.stdin, "buffer") else None
            if raw is None:  # a text-only stdin (tests): read it as bytes
                import io

                raw = io.BytesIO(env.stdin.read().encode("utf-8"))
            stream = Peekable(raw)
            shown, size, regular = "<stdin>", None, False
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
            status = os.fstat(handle.fileno())
            shown, size, regular = name, status.st_size, stat.S_ISREG(status.st_mode)
            stream = Peekable(handle)
        readable: Readable = stream
        try:
            refuse_utf32(stream.peek(), shown)
            source = source_encoding(stream.peek(), encoding)
            if source is not None:
                # Read as UTF-8 from here on: its size no longer counts what is read.
                transcoded = Transcoded(stream, source, shown)
                readable, size = transcoded, None
                head = transcoded.peek()
            else:
                head = stream.peek()
            text, head = text_input(readable, head, shown)
        except InputError as error:
            problems.extend(error.problems)
            continue
        kind = forced.value if forced else format_of(name, head)
        path = None if name == "-" else name
        # Workers read a regular file of UTF-8 with LF ends themselves; any other is read
        # here, as the readers see it (decoded, CR read as LF).
        as_stored = text is stream and regular
        given = text is stream and fd is not None
        inputs.append(
            Input(
                shown,
                text,
                kind,
                size,
                path,
                head,
                transcoded=not as_stored,
                fd=fd if given else None,
                unread=stream.unread if given else None,
            )
        )
    if problems:
        raise InputError(problems)
    return inputs


def _descriptor(stream: object) -> int | None:
    """The stream's descriptor, if it has a real one (a test's stdin has none)."""
    try:
        fd = stream.fileno()  # type: ignore[attr-defined]
    except (AttributeError, OSError, ValueError):
        return None
    return fd if isinstance(fd, int) and fd >= 0 else None


class Peekable:
    """A binary stream whose first block can be looked at before reading starts.

    Reads return what has arrived (up to `size`) rather than wait for all of it, so a
    pipe that stays open is scored as its rows come.
    """

    def __init__(self, stream: IO[bytes] | BinaryIO) -> None:
        self.stream = stream
        self.head = b""
        self._read = getattr(stream, "read1", stream.read)

    def peek(self) -> bytes:
        """The first 4 KiB, or the first line if shorter (all a pipe may have sent yet)."""
        if not self.head:
            while len(self.head) < 4096 and b"\n" not in self.head:
                data = self._read(4096 - len(self.head))
                if not data:
                    break
                self.head += data
        return self.head

    def unread(self) -> bytes:
        """The bytes looked at but not read yet, now taken (the rest is at the stream)."""
        head, self.head = self.head, b""
        return head

    def read(self, size: int = -1) -> bytes:
        if self.head:
            head, self.head = self.head, b""
            if size < 0:
                return head + self.stream.read()
            return head
        return self._read(size) if size >= 0 else self.stream.read()

    def ready(self, wait: float = 0.0) -> bool:
        """Whether more input arrives (or ends) within `wait` seconds: at once, for a
        regular file. (Bytes a buffered reader holds may make this say no early: a block
        then goes out sooner.)"""
        from pmfit.batch.readers import fd_ready

        if self.head:
            return True
        try:
            fd = self.stream.fileno()
        except (OSError, ValueError, AttributeError):
            return True
        return fd_ready(fd, wait)


class _Stdout:
    """Results on stdout: every byte written, or one line saying why not."""

    def __init__(self, env: Environment) -> None:
        self.stream = env.stdout
        try:
            self.fd: int | None = self.stream.fileno()
        except (AttributeError, OSError, ValueError):  # a test's stdout has no descriptor
            self.fd = None

    def write(self, data: bytes) -> None:
        from pmfit.render.literal import literal_bytes
        from pmfit.writing import NO_ROOM, WriteError, write_all

        # Written past the environment's filtered stream (to its descriptor, for speed),
        # so filtered here: the results on stdout are the one boundary's too.
        data = literal_bytes(data)
        try:
            if self.fd is not None:
                self.stream.flush()
                write_all(self.fd, data)
            elif (buffer := getattr(self.stream, "buffer", None)) is not None:
                buffer.write(data)
                # Each block's results go out as it is scored (a reader of a pipe sees them).
                buffer.flush()
            else:
                self.stream.write(data.decode("utf-8"))
        except OSError as error:
            if error.errno in NO_ROOM:
                raise WriteError("<stdout>", f"cannot write: {error.strerror}") from None
            raise


def read_by_run(
    sources: list["Input"], env: Environment, bank_path: str | None
) -> list[tuple[str, "Identity | None"]]:
    """Every file a run reads, to be kept from its outputs: its inputs and its bank's."""
    from pmfit.bank.loading import COMPILED_FILE, bank_files
    from pmfit.fileio import display_path
    from pmfit.writing import identity_of

    read = [
        (s.shown, identity_of(s.path) if s.path is not None else stdin_identity(env))
        for s in sources
    ]
    files = bank_files(bank_path)
    for path in [*files, files[0].parent / COMPILED_FILE]:
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
        from pmfit.batch.compact import compact_schema

        env.stdout.write(json.dumps(compact_schema(), indent=2, ensure_ascii=False) + "\n")
        return
    if not inputs:
        raise InputError(
            [Problem("pmfit batch", None, None, "give one or more INPUT files, or - for stdin")]
        )
    if excel:
        source = ctx.get_parameter_source("format")
        if format is not BatchFormat.csv and source is not None and source.name == "COMMANDLINE":
            raise InputError(
                [Problem("--excel", None, None, f"writes CSV, not --format {format.value}")]
            )
        format = BatchFormat.csv
    from pmfit.batch.forms import Reading
    from pmfit.batch.pipeline import Written
    from pmfit.batch.run import Stop, run_batch
    from pmfit.batch.writers import Output

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
        sink = out_file or _Stdout(env)
        total = None if any(s.size is None for s in sources) else sum(s.size or 0 for s in sources)

        def rejected(rejection: "Rejection") -> None:
            env.error(str(rejection))
            if errors_file:
                errors_file.write(_error_record(rejection))

        bar = _progress(env, total) if wants_progress(env, total, progress) else None
        try:
            summary = run_batch(
                bank,
                sources,
                Written(
                    bank,
                    sink,
                    Output(format.value, with_quotes, excel=excel, formula_guard=formula_guard),
                ),
                strict=strict,
                jobs=jobs,
                on_rejection=rejected,
                on_progress=bar.update if bar else (lambda done: None),
                reading=Reading(respondent_column, env.error),
            )
        except Stop as stop:
            if bar:
                bar.close()
            if out_file:
                out_file.abort()
            if errors_file:
                errors_file.write(_error_record(stop.rejection))
                errors_file.commit()
            r = stop.rejection
            raise InputError(
                [Problem(r.file, r.line, r.col, str(r)[len(_where(r)) + 2 :])]
            ) from None
        except BaseException as error:
            if bar:
                bar.close()
            for handle in (out_file, errors_file):
                if handle:
                    handle.abort()
            if isinstance(error, OSError) and out_file:
                # Workers write the output file themselves: a full disk is met there.
                failure = out_file.failed(error)
                if failure is not error:
                    raise failure from None
            raise
        if bar:
            bar.close()
        try:
            for handle in (out_file, errors_file):
                if handle:
                    handle.commit()
        except BaseException:
            for handle in (out_file, errors_file):
                if handle:
                    handle.abort()
            raise
    line = f"scored {summary.scored:,}; rejected {summary.rejected:,}"
    if summary.rejected and errors:
        line += f"; see {errors}"
    env.error(line)
    if summary.rejected or summary.rejections:
        raise typer.Exit(int(ExitStatus.SOME_REJECTED))


def _error_record(rejection: "Rejection") -> bytes:
    """One --errors line. A file name need not be UTF-8 (its bytes are kept as lone
    surrogates), so it is written as JSON's \\udcXX escape, not a crash after the work;
    and through the terminal filter, as the results are."""
    import json

    from pmfit.render.literal import literal_bytes

    text = json.dumps(rejection.record(), ensure_ascii=False)
    return literal_bytes(text.encode("utf-8", "backslashreplace")) + b"\n"


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


def _progress(env: Environment, total: int | None) -> _Bar:
    assert total is not None
    return _Bar(env, total)
