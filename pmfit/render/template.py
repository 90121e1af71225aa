"""Blank answer sheets in YAML (with each question as comments), JSON and CSV."""

from __future__ import annotations

import csv
import io
import json

from pmfit.bank.model import Bank


def _comment(text: str) -> str:
    return " ".join(text.split())


def yaml_template(bank: Bank, lang: str = "en") -> str:
    lines = [
        f"# pmfit answer sheet for bank {bank.id} {bank.version}",
        "# Put an option id after each question id; leave it blank to skip the question.",
        "# Score it with: pmfit score THIS_FILE",
        "respondent:",
        "answers:",
    ]
    for q in bank.questions:
        lines.append(f"  # {_comment(q.prompt.get(lang))}")
        for option in q.options:
            lines.append(f"  #   {option.id}: {_comment(option.label.get(lang))}")
        lines.append(f"  {q.id}:")
    return "\n".join(lines) + "\n"


def json_template(bank: Bank) -> str:
    sheet = {"respondent": None, "answers": {q.id: None for q in bank.questions}}
    return json.dumps(sheet, indent=2, ensure_ascii=False) + "\n"


def csv_template(bank: Bank) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerow(["respondent", *(q.id for q in bank.questions)])
    return out.getvalue()
