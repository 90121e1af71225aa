"""The header-mapping layer's rules, as properties over the shipped bank's own texts."""

from __future__ import annotations

import unicodedata

from hypothesis import given
from hypothesis import strategies as st

from pmfit.bank.loading import load_bank
from pmfit.batch.forms import Matcher, normalise

BANK = load_bank(None)
MATCHER = Matcher(BANK)


@st.composite
def retyped(draw: st.DrawFn, text: str) -> str:
    """`text` as a person or a tool may write it: another case, other spaces, curly or
    straight quotes, composed or decomposed accents."""
    case = draw(st.sampled_from([str, str.upper, str.lower, str.title]))
    form = draw(st.sampled_from(["NFC", "NFD"]))
    spaces = draw(st.lists(st.sampled_from([" ", "  ", "\t", "\u00a0", " \n "]), min_size=1))
    words = text.split()
    out = "".join(w + spaces[i % len(spaces)] for i, w in enumerate(words)).strip()
    if draw(st.booleans()):
        out = out.replace("'", "\u2019").replace('"', "\u201c")
    if draw(st.booleans()):
        out = draw(st.sampled_from(["", " ", "\u00a0"])) + out + draw(st.sampled_from(["", " "]))
    return unicodedata.normalize(form, case(out))


questions = st.integers(0, len(BANK.questions) - 1)
languages = st.sampled_from(["en", "es"])


@given(st.data(), questions, languages)
def test_a_label_however_retyped_names_its_option(data, i, lang) -> None:
    q = BANK.questions[i]
    k = data.draw(st.integers(0, len(q.options) - 1))
    assert MATCHER.option(i, data.draw(retyped(q.options[k].label.get(lang)))) == k
    assert MATCHER.option(i, q.options[k].id.upper()) == k
    assert MATCHER.option(i, str(k + 1)) == k


@given(st.data(), questions, languages)
def test_a_prompt_however_retyped_names_its_question(data, i, lang) -> None:
    q = BANK.questions[i]
    title = data.draw(retyped(q.prompt.get(lang)))
    assert MATCHER.question(title) == (i, lang)
    tagged = data.draw(st.sampled_from([f"{title} [{q.id}]", f"[{q.id}] Q{i + 1}", f"Q [{q.id}]"]))
    assert MATCHER.question(tagged)[0] == i  # type: ignore[index]


@given(st.text(max_size=40))
def test_a_cell_names_an_option_only_by_its_id_number_or_label(cell) -> None:
    """Nothing else matches: no prefix, no near miss."""
    for i, q in enumerate(BANK.questions):
        spellings = {
            normalise(s)
            for k, o in enumerate(q.options)
            for s in (o.id, str(k + 1), o.label.en, o.label.es)
        }
        found = MATCHER.option(i, cell.strip())
        assert (found is not None) == (normalise(cell) in spellings)


def test_no_two_options_of_a_question_share_a_spelling() -> None:
    """Else a label would name neither (the matcher drops shared labels): the bank's
    texts must keep every option reachable by its labels."""
    for q in BANK.questions:
        owners: dict[str, set[str]] = {}
        for o in q.options:
            for label in (o.label.en, o.label.es):
                owners.setdefault(normalise(label), set()).add(o.id)
        assert all(len(ids) == 1 for ids in owners.values()), q.id
