"""`pmfit report`: a cohort report and an item analysis, from results or from answers."""

import contextlib
import enum
from typing import TYPE_CHECKING, Annotated

import typer

from pmfit.cli.app import BankOption, app, environment
from pmfit.cli.batch import open_inputs
from pmfit.cli.options import (
    EncodingOption,
    InputFormatOption,
    JsonFlag,
    LangOption,
    PlainOption,
    RespondentColumnOption,
    ShortFormOption,
    language,
    load_form,
)
from pmfit.exit_status import ExitStatus

if TYPE_CHECKING:
    from rich.console import RenderableType

    from pmfit.batch.rows import Rejection


class ReportFormat(str, enum.Enum):
    table = "table"
    json = "json"
    md = "md"
    html = "html"


@app.command()
def report(
    ctx: typer.Context,
    source: Annotated[
        str,
        typer.Argument(
            metavar="RESULTS_OR_INPUT",
            help="Results: `pmfit batch` output (JSONL, a JSON array, CSV) or `pmfit score "
            "--json` documents, one after another; or answers in any format batch reads "
            "(scored on the fly); - reads stdin.",
        ),
    ],
    format: Annotated[
        ReportFormat | None,
        typer.Option(
            "--format",
            "-f",
            help="table, json, md, or html (one self-contained page with charts) "
            "[default: table on a terminal, json when piped]",
            show_default=False,
        ),
    ] = None,
    json_: JsonFlag = False,
    lang: LangOption = None,
    plain: PlainOption = False,
    input_format: InputFormatOption = None,
    short: ShortFormOption = False,
    respondent_column: RespondentColumnOption = None,
    encoding: EncodingOption = None,
    jobs: Annotated[
        int | None,
        typer.Option(
            "--jobs", "-j", min=1, help="Worker processes when scoring answers.", show_default=False
        ),
    ] = None,
    output: Annotated[
        str | None,
        typer.Option(
            "--output",
            "-o",
            help="Write the report here instead of stdout (a file is replaced atomically); "
            "a name ending in .html or .md picks that format.",
            show_default=False,
        ),
    ] = None,
    bank_path: BankOption = None,
    rescore: Annotated[
        bool,
        typer.Option(
            "--rescore",
            help="Score the answers in results again with the loaded bank (results of "
            "another version of it), keeping the answers whose question and option it "
            "still has.",
        ),
    ] = False,
) -> None:
    """Summarise a cohort and judge the questions: shares, scores, flags, Cronbach's alpha
    with a 95% CI, and per question its answers, skips, item-rest r and alpha if dropped."""
    import msgspec

    from pmfit.batch.allocator import reuse_freed_memory
    from pmfit.cli.outputs import planned_output, refuse_output_clashes
    from pmfit.report.run import report_of
    from pmfit.writing import write_planned

    env = environment(ctx)
    target = planned_output(output)
    bank = load_form(bank_path, short)

    def on_rejection(rejection: "Rejection") -> None:
        env.error(str(rejection))

    with contextlib.ExitStack() as stack:
        (inp,) = open_inputs([source], input_format, env, stack, encoding)
        refuse_output_clashes(target, env, [inp], bank_path)
        reuse_freed_memory()
        run = report_of(
            inp,
            bank=bank,
            rescore=rescore,
            jobs=jobs,
            respondent_column=respondent_column,
            on_rejection=on_rejection,
            on_notice=env.error,
        )
    if run.rescored_from:
        dropped = ", ".join(f"{qid} ({n:,})" for qid, n in run.dropped.items())
        env.error(
            f"rescored with bank {bank.id} {bank.version} results of "
            f"{', '.join(run.rescored_from)}; answers dropped because the bank no "
            f"longer has their question or option: {dropped or 'none'}"
        )
    result = run.report

    chosen = ReportFormat.json if json_ else format
    if chosen is None and output is not None:
        suffix = output.lower().rsplit(".", 1)[-1]
        chosen = {"html": ReportFormat.html, "htm": ReportFormat.html, "md": ReportFormat.md}.get(
            suffix
        )
    if chosen is None:
        to_terminal = target is None and env.is_tty("stdout")
        chosen = ReportFormat.table if to_terminal else ReportFormat.json
    if chosen is ReportFormat.json:
        text = msgspec.json.format(msgspec.json.encode(result), indent=2).decode() + "\n"
    elif chosen is ReportFormat.md:
        from pmfit.render.report_markdown import report_markdown

        text = report_markdown(result)
    elif chosen is ReportFormat.html:
        from pmfit.render.report_html import report_html

        text = report_html(result, bank, language(env, lang))
    else:
        from pmfit.render.report_view import report_view

        view = report_view(result, plain)
        if target is None:
            env.console(plain=plain).print(view)
        else:
            text = _plain(view, env.columns or 100)
    if target is not None:
        write_planned(target, text.encode("utf-8"))
    elif chosen is not ReportFormat.table:
        env.stdout.write(text)
    if run.rejected or run.rejections:
        env.error(f"reported {result.respondents:,}; rejected {run.rejected:,}")
        raise typer.Exit(int(ExitStatus.SOME_REJECTED))


def _plain(view: "RenderableType", width: int) -> str:
    """The table as plain text, for a file: no colour codes."""
    import io

    from rich.console import Console

    out = io.StringIO()
    Console(file=out, width=width, color_system=None, markup=False, highlight=False).print(view)
    return out.getvalue()
