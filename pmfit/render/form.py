"""The quiz as a form for Google Forms and the like: text to paste, or an Apps Script.

Every question's title ends with its id in brackets ("[problem-focus-1]"), so that
`pmfit batch` can read the export by that tag whatever the title becomes; the options
are the bank's labels, in the bank's order, so the export's cells read back as options.
"""

from __future__ import annotations

import json
from typing import Literal

from pmfit.bank.model import Bank, Question
from pmfit.i18n import t

Respondent = Literal["name", "email"]


def question_title(question: Question, lang: str) -> str:
    """The title a form shows: the prompt, then the id tag pmfit reads back."""
    return f"{' '.join(question.prompt.get(lang).split())} [{question.id}]"


def form_text(bank: Bank, lang: str, *, respondent: Respondent, required: bool) -> str:
    """Each item as a block to paste: what kind of item, its title, its options."""
    blocks = [
        [
            t("form.title", lang, title=bank.title.get(lang)),
            t("form.description.label", lang, description=t("form.description", lang)),
        ]
    ]
    if respondent == "email":
        # Any tool can ask for an email; the Apps Script uses Google's own setting instead.
        blocks.append([t("form.email.kind", lang), t("form.email", lang)])
    else:
        blocks.append([t("form.name.kind", lang), t("form.name", lang)])
    status = t("form.required" if required else "form.optional", lang)
    total = len(bank.questions)
    for n, q in enumerate(bank.questions, 1):
        kind = t("form.question", lang, n=n, total=total, status=status)
        blocks.append([kind, question_title(q, lang), *(o.label.get(lang) for o in q.options)])
    return "\n\n".join("\n".join(block) for block in blocks) + "\n"


def apps_script(bank: Bank, lang: str, *, respondent: Respondent, required: bool) -> str:
    """A Google Apps Script whose createForm() makes the whole form in the user's Drive."""
    form = {
        "title": bank.title.get(lang),
        "description": t("form.description", lang),
        "respondent": respondent,
        "respondentTitle": t("form.name", lang),
        "questions": [
            {
                "title": question_title(q, lang),
                "choices": [o.label.get(lang) for o in q.options],
                "required": required,
            }
            for q in bank.questions
        ],
    }
    # JSON is JavaScript, except for two line separators older engines reject in strings.
    data = json.dumps(form, indent=2, ensure_ascii=False)
    data = data.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
    return _SCRIPT.format(
        bank=bank.id, version=bank.version, count=len(bank.questions), lang=lang, form=data
    )


_SCRIPT = """\
// A Google Form for the pmfit quiz (bank {bank} {version}, {count} questions, {lang}).
// 1. Open https://script.google.com, start a new project and paste this whole file
//    in place of the editor's text.
// 2. Run createForm and allow it to create a form in your Google Drive.
// 3. The execution log shows the link to send and the link to edit the form.
// pmfit reads the responses by the [id] at the end of each question's title: keep it.
var FORM = {form};

function createForm() {{
  // Unpublished until every item is in, so nobody answers a half-made form.
  var form = FormApp.create(FORM.title, false);
  form.setDescription(FORM.description);
  if (FORM.respondent === "email") {{
    form.setCollectEmail(true);
  }} else {{
    form.addTextItem().setTitle(FORM.respondentTitle).setRequired(true);
  }}
  FORM.questions.forEach(function (question) {{
    form
      .addMultipleChoiceItem()
      .setTitle(question.title)
      .setChoiceValues(question.choices)
      .setRequired(question.required);
  }});
  form.setPublished(true);
  Logger.log("Send this link: " + form.getPublishedUrl());
  Logger.log("Edit the form: " + form.getEditUrl());
  return form;
}}
"""
