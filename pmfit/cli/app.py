"""The typer application and its one error boundary.

Domain exceptions become one line each on stderr and an exit status here, and
nowhere else; `--debug` (or PMFIT_DEBUG=1) lets the traceback through instead.
"""

import os
from typing import Annotated, Any

import typer
from typer import _click as click  # typer 0.28 vendors click
from typer.core import TyperGroup

from pmfit.cli.environment import Environment
from pmfit.errors import PmfitError
from pmfit.exit_status import ExitStatus


def environment(ctx: click.Context) -> Environment:
    """The Environment a test passed as `obj`, or the real one."""
    root = ctx.find_root()
    if not isinstance(root.obj, Environment):
        root.obj = Environment()
    return root.obj


def _usage_error(env: Environment, error: click.exceptions.UsageError) -> typer.Exit:
    # One line, like every other error: what was wrong and where to look.
    path = error.ctx.command_path if error.ctx else "pmfit"
    env.error(f"{path}: {error.format_message()} (see {path} --help)")
    return typer.Exit(int(ExitStatus.BAD_INPUT))


class Boundary(TyperGroup):
    """A group of commands: the one error boundary, and each command built only when it
    is looked up (see `COMMAND_MODULES`)."""

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands:
            modules = COMMAND_MODULES.get(self.name or "", {})
            # An unknown name loads them all, so that typer can suggest the nearest.
            self._load(cmd_name if cmd_name in modules else None)
        return self.commands.get(cmd_name)

    def list_commands(self, ctx: click.Context) -> list[str]:
        self._load(None)
        listed = list(COMMAND_MODULES.get(self.name or "", {}))
        return listed + [name for name in self.commands if name not in listed]

    def _load(self, only: str | None) -> None:
        """Import the module of command `only` (or of every command) and build it."""
        import importlib

        from typer.main import get_command_from_info, get_command_name

        modules = COMMAND_MODULES.get(self.name or "", {})
        for name, module in modules.items():
            if name in self.commands or only not in (None, name):
                continue
            importlib.import_module(f"pmfit.cli.{module}")
            group = _GROUPS[self.name or ""]
            for info in group.registered_commands:
                assert info.callback is not None
                if (info.name or get_command_name(info.callback.__name__)) == name:
                    self.commands[name] = get_command_from_info(
                        info,
                        pretty_exceptions_short=group.pretty_exceptions_short,
                        rich_markup_mode=group.rich_markup_mode,
                    )

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        # The group's own options are parsed before `invoke`: a bad one is reported
        # here, through the same stream as every other error.
        try:
            return super().parse_args(ctx, args)
        except click.exceptions.NoArgsIsHelpError:
            raise
        except click.exceptions.UsageError as error:
            raise _usage_error(environment(ctx), error) from None

    def invoke(self, ctx: click.Context) -> Any:
        from pmfit.interrupts import unwinding

        env = environment(ctx)
        try:
            with unwinding():
                return super().invoke(ctx)
        except (typer.Exit, typer.Abort):
            raise
        except click.exceptions.UsageError as error:
            raise _usage_error(env, error) from None
        except BrokenPipeError:
            # The reader went away (`pmfit ... | head`): stop quietly, as `cat` would.
            import sys

            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            raise typer.Exit(int(ExitStatus.BROKEN_PIPE)) from None
        except (PmfitError, KeyboardInterrupt, OSError, Exception) as error:
            if env.debug or os.environ.get("PMFIT_DEBUG"):
                raise
            lines, status = _explain(error)
            for line in lines:
                env.error(line)
            raise typer.Exit(int(status)) from None


def _explain(error: BaseException) -> tuple[list[str], int]:
    """What to tell the user about `error`, in one line each, and the exit status."""
    from pmfit.writing import NO_ROOM

    if isinstance(error, PmfitError):
        return error.lines(), error.exit_status
    if isinstance(error, KeyboardInterrupt):
        from pmfit.interrupts import exit_status

        return ["pmfit: interrupted"], exit_status(error)
    if isinstance(error, OSError) and error.filename:
        # A file or directory named by the user cannot be read or written.
        return [f"{error.filename}: {error.strerror or error}"], ExitStatus.BAD_INPUT
    if isinstance(error, OSError) and error.errno in NO_ROOM:
        # An output pmfit does not name (stdout): still the output's fault, not pmfit's.
        return [f"pmfit: cannot write the output: {error.strerror}"], ExitStatus.BAD_INPUT
    return [
        f"pmfit: unexpected error: {type(error).__name__}: {error} "
        "(run `pmfit --debug ...` for the traceback)"
    ], ExitStatus.FAILED


app = typer.Typer(
    name="pmfit",
    cls=Boundary,
    help="Does B2B or B2C product management fit you better? A quiz drawn from five PMs' answers.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    # -h as well as --help, in every command (sub-contexts inherit the names).
    context_settings={"help_option_names": ["-h", "--help"]},
)
bank_app = typer.Typer(
    cls=Boundary,
    help="Check, show and describe a question bank.",
    no_args_is_help=True,
    rich_markup_mode=None,
)
app.add_typer(bank_app, name="bank")
_GROUPS = {"pmfit": app, "bank": bank_app}

#: Where each command is declared, by group, in --help's order. Typer builds every
#: command's options from its signature when the app starts (about 7 ms for all of them,
#: with their modules' imports), so a command's module is imported, and the command
#: built, only when it is looked up: `pmfit score` builds `score` alone.
COMMAND_MODULES: dict[str, dict[str, str]] = {
    "pmfit": {
        "quiz": "quiz",
        "score": "score",
        "form": "form",
        "batch": "batch",
        "report": "report",
        "template": "template",
        "schema": "bank_commands",
    },
    "bank": {
        name: "bank_commands"
        for name in ("validate", "compile", "show", "coverage", "schema", "simulate")
    },
}

BankOption = Annotated[
    str | None,
    typer.Option(
        "--bank",
        metavar="DIR",
        envvar="PMFIT_BANK",
        help="A bank directory (or its bank.yaml) instead of the shipped bank.",
        show_default=False,
    ),
]


def _version(ctx: typer.Context, value: bool) -> None:
    if value:
        from pmfit.bank.loading import load_bank
        from pmfit.version import __version__

        try:
            bank = load_bank(os.environ.get("PMFIT_BANK"))
            about = f"bank {bank.id} {bank.version} sha256:{bank.sha256[:12]}"
        except PmfitError as error:
            about = f"bank not loaded: {error.lines()[0]}"
        environment(ctx).stdout.write(f"pmfit {__version__} ({about})\n")
        raise typer.Exit()


@app.callback()
def root(
    ctx: typer.Context,
    version: Annotated[
        bool,
        typer.Option(
            "--version",
            callback=_version,
            is_eager=True,
            help="Print the version and the bank's id, version and hash.",
        ),
    ] = False,
    debug: Annotated[
        bool, typer.Option("--debug", help="Show tracebacks instead of one-line errors.")
    ] = False,
) -> None:
    environment(ctx).debug = debug or environment(ctx).debug
