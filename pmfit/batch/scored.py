"""Scored respondents as one columnar block: what the vectorised scorer produces and
every consumer reads (the JSON encoder, the CSV writer, the report's accumulator).

Numbers are the result's as shown: rounded as the engine rounds them (scores and
contributions to 2 decimals, probabilities and confidence to 3). Questions are
columns in bank order; option positions are indices into the question's options.
Ragged lists (rationale items, flip changes) are rectangular arrays with a count
per row: row r's items are columns 0..count[r]-1.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, get_args

from pmfit.scoring.result import FlagCode

if TYPE_CHECKING:
    from pmfit.bank.model import Bank, Question
    from pmfit.scoring.block import Bools, Floats, Ints

#: A rationale item's rounded contribution (within +-100 points: +-10,000 hundredths,
#: offset to stay positive, doubled to carry the sign bit, which a -0.0 has too) as an
#: exact integer below POINTS: writers key an item's text by it.
_HUNDREDTHS = 10_000
POINTS = 2 * (2 * _HUNDREDTHS + 1)


def points_codes(points: Floats) -> Ints:
    """The codes of contributions rounded to hundredths (see POINTS)."""
    import numpy as np

    codes: Ints = (np.rint(points * 100.0).astype(np.int64) + _HUNDREDTHS) * 2 + np.signbit(points)
    return codes


def points_of(code: int) -> float:
    """The contribution a code stands for, its sign (of a zero too) kept."""
    hundredths, negative = divmod(code, 2)
    hundredths -= _HUNDREDTHS
    return -0.0 if negative and not hundredths else hundredths / 100.0


class Layout:
    """How a bank lies in the scorer's and the writers' arrays: its questions in the
    engine's answered order (by dimension, then bank order), each one's dimension, and
    the widest question's number of options (an option code's radix)."""

    def __init__(self, bank: Bank) -> None:
        import numpy as np

        from pmfit.scoring.engine import answered_order

        self.bank = bank
        self.n_questions = len(bank.questions)
        self.n_dimensions = len(bank.dimensions)
        self.order: Ints = np.array(answered_order(bank), dtype=np.int64)
        self.ordered: list[Question] = [bank.questions[i] for i in self.order.tolist()]
        dim_index = {d.id: i for i, d in enumerate(bank.dimensions)}
        self.dim_of: Ints = np.array([dim_index[q.dimension] for q in self.ordered], dtype=np.int64)
        self.width = max((len(q.options) for q in bank.questions), default=1)


#: The flag bits' columns, in the order the engine lists flags.
FLAG_CODES: tuple[str, ...] = get_args(FlagCode)


@dataclass
class Scored:
    """n respondents, scored (see the module's docstring for the conventions)."""

    #: n x q: the chosen option's position per question, -1 when skipped.
    codes: Ints
    respondents: list[str | None]
    score: Floats
    low: Floats
    high: Floats
    #: Codes into `pmfit.scoring.block.RECOMMENDATIONS`.
    recommendation: Ints
    confidence: Floats
    #: n x 3, in `pmfit.scoring.model.OUTCOMES` order.
    probabilities: Floats
    #: n x d, in bank order; NaN when none of the dimension's questions was answered.
    dimension_scores: Floats
    #: n x d: how many of the dimension's questions were answered.
    dimension_answered: Ints
    #: n x r: the rationale's question (column), option and contribution; r items at most.
    rationale_question: Ints
    rationale_option: Ints
    rationale_points: Floats
    rationale_count: Ints
    #: n x f: the flip's changes (question column, from option, to option), in order.
    flip_question: Ints
    flip_from: Ints
    flip_option: Ints
    flip_count: Ints
    #: What the flip's answers would get (a code as `recommendation`), -1 without a flip.
    flip_to: Ints
    #: n x len(FLAG_CODES).
    flags: Bools

    def __len__(self) -> int:
        return int(self.codes.shape[0])
