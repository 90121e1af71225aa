"""`pmfit quiz`: the quiz, one question at a time, in a terminal.

The interface talks on stderr (the terminal), so stdout stays free for the
result: `pmfit quiz --json > me.json` works. With no terminal on stdin, one
answer is read per line instead (see `pmfit.cli.quiz_run.run_piped`).
"""

import shlex
from typing import Annotated

import typer

from pmfit.cli.app import BankOption, app, environment
from pmfit.cli.options import LangOption, PlainOption
from pmfit.errors import InputError, Problem

SAVE_FORMATS = (".svg", ".html", ".htm", ".txt")


@app.command()
def quiz(
    ctx: typer.Context,
    short: Annotated[bool, typer.Option("--short", help="The short form.")] = False,
    adaptive: Annotated[
        bool,
        typer.Option(
            "--adaptive",
            help="The heaviest questions first; stop once the result is 97% sure, when finishing "
            "changes it for fewer than 1 in 20 simulated respondents like you.",
        ),
    ] = False,
    exact: Annotated[
        bool,
        typer.Option(
            "--exact",
            help="With --adaptive: stop only once no way of answering the rest could move the "
            "score off the result's side (an exact bound; asks more).",
        ),
    ] = False,
    restart: Annotated[
        bool, typer.Option("--restart", help="Start over, discarding a saved unfinished quiz.")
    ] = False,
    lang: LangOption = None,
    json_: Annotated[
        bool,
        typer.Option("--json", help="At the end, write the result as JSON to stdout."),
    ] = False,
    save: Annotated[
        str | None,
        typer.Option(
            "--save",
            metavar="FILE",
            help="Write the result card to FILE: .svg, .html or .txt.",
            show_default=False,
        ),
    ] = None,
    plain: PlainOption = False,
    bank_path: BankOption = None,
) -> None:
    """Take the quiz in your terminal, one question at a time.

    Type a number and Enter to answer; b back, s skip, ? why this question, q save and
    quit. Progress is saved after every answer: run pmfit quiz again to resume (Enter),
    or pass --restart. --json writes the result JSON to stdout at the end (the quiz talks
    on stderr). With stdin not a terminal, reads one answer per line (an option's number
    or id; a blank line skips) until the quiz or the input ends.
    """
    from pmfit.cli import quiz_run

    env = environment(ctx)
    problems = []
    if save is not None and not save.lower().endswith(SAVE_FORMATS):
        problems.append(
            Problem("--save", None, None, f"{save!r}: the name must end in .svg, .html or .txt")
        )
    elif save is not None:
        from pmfit.cli.batch import read_by_run
        from pmfit.writing import plan, refuse_clashes

        try:
            # Said now, not after the last question; the bank's files (its thread is a
            # .txt) are the quiz's inputs.
            target = plan(save, option="--save")
            refuse_clashes([("--save", target)], read_by_run([], env, bank_path))
        except InputError as error:
            problems += error.problems
    if exact and not adaptive:
        problems.append(Problem("--exact", None, None, "only with --adaptive"))
    if problems:
        raise InputError(problems)
    command = (
        ["pmfit", "quiz"] + ["--short"] * short + ["--adaptive"] * adaptive + ["--exact"] * exact
    )
    source = ctx.get_parameter_source("bank_path")
    if bank_path is not None and source is not None and source.name == "COMMANDLINE":
        command += ["--bank", bank_path]
    options = quiz_run.Options(
        form="short" if short else "full",
        adaptive=adaptive,
        exact=exact,
        restart=restart,
        lang=lang.value if lang is not None else None,
        json=json_,
        save=save,
        plain=plain,
        bank_path=bank_path,
        resume_command=shlex.join(command),
    )
    if env.is_tty("stdin"):
        status = quiz_run.run_terminal(env, options)
    else:
        status = quiz_run.run_piped(env, options)
    if status:
        raise typer.Exit(status)
