"""`pmfit form`: the quiz as text to paste, and as a Google Apps Script run under node."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import MINI
from pmfit.bank.loading import load_bank

MINI_TEXT = """\
Form title: Mini bank
Form description: Choose the answer closest to you: there are no right or wrong answers.

Short answer, required:
Your name

Question 1 of 8, multiple choice, optional:
Which problems would you rather solve? [problem-1]
A business's problems
Both equally
An end user's problems

Question 2 of 8, multiple choice, optional:
Who would you rather build for? [buyer-1]
People who buy and use it themselves
An executive buyer and their teams

Question 3 of 8, multiple choice, optional:
How soon do you want to see your work live? [release-1]
In long, planned releases
Tomorrow

Question 4 of 8, multiple choice, optional:
Which trade-off suits you? [risk-1]
High risk and stress, high rewards
Low risk and stress, steady rewards

Question 5 of 8, multiple choice, optional:
What draws you more? [problem-2]
Consumers' everyday problems
Problems of a role, a team, an industry

Question 6 of 8, multiple choice, optional:
Which value would you rather deliver? [buyer-2]
Strategic value to an executive
Some of each
Great products for users

Question 7 of 8, multiple choice, optional:
Which pace suits you? [release-2]
Frequent releases and experiments
Careful change with people and process

Question 8 of 8, multiple choice, optional:
Which life cycle do you prefer? [risk-2]
Long product life cycles
Short product life cycles
"""


def test_text_form_lists_every_question_with_its_id_and_labels(cli) -> None:
    run = cli("form", "--bank", str(MINI))
    assert (run.exit_code, run.stderr) == (0, "")
    assert run.stdout == MINI_TEXT


def test_text_form_in_spanish_short_required_and_by_email(cli) -> None:
    run = cli(
        "form", "--bank", str(MINI), "--lang", "es", "--short", "--required",
        "--respondent", "email",
    )  # fmt: skip
    assert run.exit_code == 0, run.stderr
    assert run.stdout.split("\n\n")[:3] == [
        "Título del formulario: Banco mínimo\nDescripción del formulario: Elige la respuesta "
        "que más se acerque a ti: no hay respuestas correctas ni incorrectas.",
        "Respuesta corta, obligatoria, una dirección de correo electrónico:\nTu correo electrónico",
        "Pregunta 1 de 4, opción múltiple, obligatoria:\n¿Qué problemas prefieres resolver? "
        "[problem-1]\nLos de un negocio\nAmbos por igual\nLos de un usuario final",
    ]
    short = [q.id for q in load_bank(MINI).questions if q.short]
    assert [line.rsplit("[", 1)[1][:-1] for line in run.stdout.splitlines() if "?" in line] == short


def test_form_language_follows_lang_like_other_commands(cli) -> None:
    run = cli("form", "--bank", str(MINI), env={"LANG": "es_ES.UTF-8"})
    assert run.stdout.startswith("Título del formulario: Banco mínimo\n")


def test_output_file_is_written_whole_and_named_on_stderr(cli, tmp_path) -> None:
    out = tmp_path / "form.gs"
    run = cli("form", "--bank", str(MINI), "-f", "apps-script", "-o", str(out))
    assert run.exit_code == 0
    assert run.stdout == ""
    assert run.stderr == (
        f"Wrote {out}: paste it into a new project at https://script.google.com and run "
        "createForm.\n"
    )
    assert (
        out.read_text(encoding="utf-8")
        == cli("form", "--bank", str(MINI), "-f", "apps-script").stdout
    )
    missing = cli("form", "--bank", str(MINI), "-o", str(tmp_path / "no" / "form.txt"))
    assert (missing.exit_code, missing.stderr) == (
        2,
        f"{tmp_path / 'no' / 'form.txt'}: no such directory to write into\n",
    )


#: A stand-in for Apps Script's FormApp and Logger that records every call made.
HARNESS = r"""
const fs = require("fs");
const vm = require("vm");
const calls = [];
function recorder(name) {
  return new Proxy({}, {
    get(target, method) {
      if (method === "then") return undefined;
      return (...args) => {
        calls.push([name, method, ...args]);
        if (method.startsWith("add")) return recorder(method.slice(3));
        if (method.startsWith("get")) return "https://forms.example/" + method;
        return recorder(name);
      };
    },
  });
}
const FormApp = {
  create: (...args) => { calls.push(["FormApp", "create", ...args]); return recorder("Form"); },
};
const Logger = { log: (line) => calls.push(["Logger", "log", line]) };
const context = vm.createContext({ FormApp, Logger });
vm.runInContext(fs.readFileSync(process.argv[2], "utf8"), context);
vm.runInContext("createForm()", context);
process.stdout.write(JSON.stringify(calls));
"""


def _node_calls(script: str, tmp_path: Path) -> list[list[object]]:
    node = shutil.which("node") or shutil.which("nodejs")
    if node is None:
        if os.environ.get("CI"):
            pytest.fail("node is missing under CI: .ci/run installs Debian's nodejs")
        pytest.skip("node is not installed (Debian: apt-get install nodejs)")
    (tmp_path / "form.gs").write_text(script, encoding="utf-8")
    (tmp_path / "harness.js").write_text(HARNESS, encoding="utf-8")
    run = subprocess.run(
        [node, str(tmp_path / "harness.js"), str(tmp_path / "form.gs")],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(run.stdout)


@pytest.mark.parametrize("lang", ["en", "es"])
def test_apps_script_creates_the_whole_form_under_node(cli, tmp_path, lang) -> None:
    script = cli("form", "--bank", str(MINI), "-f", "apps-script", "--lang", lang).stdout
    calls = _node_calls(script, tmp_path)
    bank = load_bank(MINI)
    name = {"en": "Your name", "es": "Tu nombre"}[lang]
    expected: list[list[object]] = [
        ["FormApp", "create", bank.title.get(lang), False],
        ["Form", "setDescription", calls[1][2]],
        ["Form", "addTextItem"],
        ["TextItem", "setTitle", name],
        ["TextItem", "setRequired", True],
    ]
    for q in bank.questions:
        expected += [
            ["Form", "addMultipleChoiceItem"],
            ["MultipleChoiceItem", "setTitle", f"{q.prompt.get(lang)} [{q.id}]"],
            ["MultipleChoiceItem", "setChoiceValues", [o.label.get(lang) for o in q.options]],
            ["MultipleChoiceItem", "setRequired", False],
        ]
    expected += [
        ["Form", "setPublished", True],
        ["Form", "getPublishedUrl"],
        ["Logger", "log", "Send this link: https://forms.example/getPublishedUrl"],
        ["Form", "getEditUrl"],
        ["Logger", "log", "Edit the form: https://forms.example/getEditUrl"],
    ]
    assert calls == expected
    assert (
        calls[1][2]
        == {
            "en": "Choose the answer closest to you: there are no right or wrong answers.",
            "es": "Elige la respuesta que más se acerque a ti: no hay respuestas correctas ni "
            "incorrectas.",
        }[lang]
    )


def test_apps_script_collecting_emails_and_requiring_answers(cli, tmp_path) -> None:
    script = cli(
        "form", "--bank", str(MINI), "-f", "apps-script", "--short", "--required",
        "--respondent", "email",
    ).stdout  # fmt: skip
    calls = _node_calls(script, tmp_path)
    assert calls[2] == ["Form", "setCollectEmail", True]
    assert not any(call[1] == "addTextItem" for call in calls)
    required = [call[2] for call in calls if call[1] == "setRequired"]
    assert required == [True] * sum(q.short for q in load_bank(MINI).questions)


def test_apps_script_keeps_any_text_a_string(cli, tmp_path) -> None:
    """Quotes, backslashes, line separators and a closing comment in a bank stay data."""
    bank = tmp_path / "bank"
    shutil.copytree(MINI, bank)
    questions = bank / "questions.yaml"
    text = questions.read_text(encoding="utf-8")
    nasty = 'Say \\"hi\\" \\\\ */ \\u2028 </script> ${x}'
    text = text.replace("Which problems would you rather solve?", nasty, 1)
    text = text.replace("Both equally", nasty, 1)
    questions.write_text(text, encoding="utf-8")
    script = cli("form", "--bank", str(bank), "-f", "apps-script").stdout
    calls = _node_calls(script, tmp_path)
    titles = [
        call[2] for call in calls if call[0] == "MultipleChoiceItem" and call[1] == "setTitle"
    ]
    # A title is one line: a line separator in a prompt is a space there.
    assert titles[0] == 'Say "hi" \\ */ </script> ${x} [problem-1]'
    choices = [call[2] for call in calls if call[1] == "setChoiceValues"]
    assert choices[0][1] == 'Say "hi" \\ */ \u2028 </script> ${x}'


def test_short_needs_a_bank_with_a_short_form(cli, tmp_path) -> None:
    bank = tmp_path / "bank"
    shutil.copytree(MINI, bank)
    questions = bank / "questions.yaml"
    questions.write_text(
        questions.read_text(encoding="utf-8").replace("short: true", "short: false"),
        encoding="utf-8",
    )
    run = cli("form", "--bank", str(bank), "--short")
    assert (run.exit_code, run.stdout) == (2, "")
    assert run.stderr == "--short: bank mini has no short form (no question is marked short)\n"


def test_output_onto_a_bank_file_is_refused_and_dev_null_stays_a_device(cli, tmp_path) -> None:
    bank = tmp_path / "bank"
    shutil.copytree(MINI, bank)
    before = (bank / "questions.yaml").read_bytes()
    run = cli("form", "--bank", str(bank), "-o", str(bank / "questions.yaml"))
    assert (run.exit_code, run.stdout) == (2, "")
    assert len(run.stderr.splitlines()) == 1
    assert (bank / "questions.yaml").read_bytes() == before
    run = cli("form", "--bank", str(MINI), "-o", os.devnull)
    assert run.exit_code == 0, run.stderr
    assert not Path(os.devnull).is_file()
