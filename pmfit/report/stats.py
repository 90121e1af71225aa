"""Cohort statistics and item analysis, accumulated block by block (memory stays flat).

Item scores are the chosen options' leans (-1 B2B .. +1 B2C), so a high item
score means B2C for every question and the bank is one scale.

Skipped answers:
- Cronbach's alpha, its 95% interval and alpha-if-dropped use listwise
  deletion: only respondents who answered every question (their number is
  reported). Alpha is a property of the full set of items, and mixing
  respondents with different items would make the variances incomparable.
- Each question's answer distribution and share skipped count every respondent.
- The item-rest correlation of a question uses every respondent who answered it
  and at least one other question: the rest score is the mean lean of their other
  answers (with no skips this is the classic corrected item-total correlation,
  since a mean is a sum divided by a constant).

Alpha = k/(k-1) * (1 - sum of item variances / variance of the total), from the
covariance matrix of the complete cases. The interval is Feldt's (1965):
1 - (1 - alpha) * F(1 - p; n-1, (n-1)(k-1)) for the two tails p = 0.025, 0.975.
Questions whose item-rest correlation is negative (possibly keyed the wrong way)
or below 0.2 (weakly related to the rest) are flagged, once at least 20 respondents
answered the question and another (fewer cannot tell a bad question from chance).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, get_args

import msgspec

from pmfit.bank.model import Bank
from pmfit.report.fdist import f_quantile
from pmfit.scoring.result import FlagCode, Recommendation

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

# Declared once, with the result.
RECOMMENDATIONS: tuple[str, ...] = get_args(Recommendation)
FLAG_CODES: tuple[str, ...] = get_args(FlagCode)
HISTOGRAM_BINS = 20
LOW_ITEM_REST = 0.2
#: Below this many respondents a correlation is too noisy to accuse a question: with
#: two people it is always +1 or -1. (At 20 the 95% interval of r = 0 is about ±0.44.)
MIN_FLAG_RESPONDENTS = 20


class Share(msgspec.Struct, frozen=True):
    count: int
    share: float | None


class Bin(msgspec.Struct, frozen=True):
    low: float
    high: float
    count: int


class Spread(msgspec.Struct, frozen=True):
    n: int
    mean: float | None
    sd: float | None


class DimensionStats(msgspec.Struct, frozen=True):
    id: str
    n: int
    mean: float | None
    sd: float | None
    #: Respondents whose score on the dimension is below minus the bank's either band,
    #: within it, and above it: how the cohort splits, which a mean near 0 can hide.
    b2b: int = 0
    balanced: int = 0
    b2c: int = 0


class Reliability(msgspec.Struct, frozen=True):
    alpha: float | None
    ci95: list[float] | None
    #: Respondents who answered every question (listwise deletion).
    respondents: int
    items: int
    method: str = "Cronbach's alpha on leans, listwise; 95% CI by Feldt (1965)"


class ItemStats(msgspec.Struct, frozen=True):
    question: str
    dimension: str
    answered: int
    skipped: int
    skipped_share: float | None
    #: Times each option was chosen, in the question's order.
    distribution: dict[str, int]
    mean_lean: float | None
    item_rest: float | None
    alpha_if_dropped: float | None
    #: "negative" (possibly mis-keyed), "low" (below 0.2), or null.
    flag: str | None


class Report(msgspec.Struct, frozen=True):
    bank: dict[str, str]
    respondents: int
    recommendations: dict[str, Share]
    score: Spread
    histogram: list[Bin]
    dimensions: list[DimensionStats]
    flags: dict[str, Share]
    reliability: Reliability
    items: list[ItemStats]


class _Moments:
    """Count, mean and sum of squared deviations, merged block by block (Chan et al.)."""

    def __init__(self, shape: tuple[int, ...] = ()) -> None:
        import numpy as np

        self.n = np.zeros(shape)
        self.mean = np.zeros(shape)
        self.m2 = np.zeros(shape)

    def add(self, values: npt.NDArray[np.float64], mask: npt.NDArray[np.bool_]) -> None:
        import numpy as np

        n_b = mask.sum(axis=0).astype(np.float64)
        with np.errstate(invalid="ignore", divide="ignore"):
            mean_b = np.where(n_b > 0, np.where(mask, values, 0.0).sum(axis=0) / n_b, 0.0)
            m2_b = np.where(mask, (values - mean_b) ** 2, 0.0).sum(axis=0)
            total = self.n + n_b
            delta = mean_b - self.mean
            safe = np.where(total > 0, total, 1.0)
            self.mean = self.mean + delta * n_b / safe
            self.m2 = self.m2 + m2_b + delta**2 * self.n * n_b / safe
            self.n = total


class Accumulator:
    """Feed blocks of results; `report()` gives the figures."""

    def __init__(self, bank: Bank) -> None:
        import numpy as np

        self.bank = bank
        q = len(bank.questions)
        self.q = q
        width = max((len(x.options) for x in bank.questions), default=1)
        self.leans = np.zeros((q, width + 1))
        for i, question in enumerate(bank.questions):
            self.leans[i, : len(question.options)] = [o.lean for o in question.options]
        self.n = 0
        self.recommendations = dict.fromkeys(RECOMMENDATIONS, 0)
        self.flags = dict.fromkeys(FLAG_CODES, 0)
        self.histogram = np.zeros(HISTOGRAM_BINS, dtype=np.int64)
        self.score = _Moments((1,))  # one column: the overall score
        self.dimensions = _Moments((len(bank.dimensions),))
        self.sides = np.zeros((3, len(bank.dimensions)), dtype=np.int64)  # B2B, balanced, B2C
        self.counts = np.zeros((q, width + 1), dtype=np.int64)  # last column: skipped
        # Complete cases: count, mean vector, co-moment matrix.
        self.complete = 0
        self.c_mean = np.zeros(q)
        self.c_comoment = np.zeros((q, q))
        # Item-rest: per question, moments of (item, rest) pairs.
        self._pairs = [_Moments((q,)), _Moments((q,))]
        self._cross = np.zeros(q)

    def add(
        self,
        codes: npt.NDArray[np.int64],
        scores: npt.NDArray[np.float64],
        recommendations: npt.NDArray[np.int64],
        dimension_scores: npt.NDArray[np.float64],
        flags: npt.NDArray[np.bool_],
    ) -> None:
        """One block: option codes (-1 skipped) in bank order, scores, recommendations
        (codes into `pmfit.scoring.block.RECOMMENDATIONS`), dimension scores (NaN when
        null) and each result's flags (a column per FLAG_CODES)."""
        import numpy as np

        from pmfit.scoring.block import RECOMMENDATIONS as CODED

        n = codes.shape[0]
        if n == 0:
            return
        self.n += n
        counted = np.bincount(recommendations, minlength=len(CODED)).tolist()
        for name, count in zip(CODED, counted, strict=True):
            self.recommendations[name] = self.recommendations.get(name, 0) + count
        for code, count in zip(FLAG_CODES, flags.sum(axis=0).tolist(), strict=True):
            self.flags[code] += count
        bins = np.clip(
            ((scores + 100.0) / (200.0 / HISTOGRAM_BINS)).astype(np.int64), 0, HISTOGRAM_BINS - 1
        )
        self.histogram += np.bincount(bins, minlength=HISTOGRAM_BINS)
        self.score.add(scores[:, None], np.ones((n, 1), dtype=bool))
        self.dimensions.add(np.nan_to_num(dimension_scores), ~np.isnan(dimension_scores))
        band = self.bank.thresholds.either
        with np.errstate(invalid="ignore"):  # NaN (not answered) is on no side
            self.sides[0] += (dimension_scores < -band).sum(axis=0)
            self.sides[2] += (dimension_scores > band).sum(axis=0)
            self.sides[1] += (np.abs(dimension_scores) <= band).sum(axis=0)

        columns = np.arange(self.q)
        width = self.counts.shape[1]
        shifted = np.where(codes < 0, width - 1, codes)
        flat = (columns[None, :] * width + shifted).ravel()
        self.counts += np.bincount(flat, minlength=self.q * width).reshape(self.q, width)

        answered = codes >= 0
        x = self.leans[columns[None, :], codes]
        # Complete cases, merged into the running covariance (Chan et al., matrix form).
        full = answered.all(axis=1)
        if full.any():
            block = x[full]
            n_b = block.shape[0]
            mean_b = block.mean(axis=0)
            centred = block - mean_b
            comoment_b = centred.T @ centred
            total = self.complete + n_b
            delta = mean_b - self.c_mean
            self.c_comoment += comoment_b + np.outer(delta, delta) * self.complete * n_b / total
            self.c_mean = self.c_mean + delta * n_b / total
            self.complete = total

        # Item-rest pairs: the rest is the mean lean of the other answered questions.
        m = answered.sum(axis=1)
        s = np.where(answered, x, 0.0).sum(axis=1)
        usable = answered & (m >= 2)[:, None]
        with np.errstate(invalid="ignore", divide="ignore"):
            rest = (s[:, None] - x) / (m[:, None] - 1)
        rest = np.where(usable, rest, 0.0)
        item_m, rest_m = self._pairs
        n_before = item_m.n.copy()
        mean_x_before, mean_r_before = item_m.mean.copy(), rest_m.mean.copy()
        item_m.add(x, usable)
        rest_m.add(rest, usable)
        n_b = usable.sum(axis=0).astype(np.float64)
        with np.errstate(invalid="ignore", divide="ignore"):
            safe = np.where(n_b > 0, n_b, 1.0)
            mx = np.where(usable, x, 0.0).sum(axis=0) / safe
            mr = np.where(usable, rest, 0.0).sum(axis=0) / safe
            cross_b = np.where(usable, (x - mx) * (rest - mr), 0.0).sum(axis=0)
            total = n_before + n_b
            factor = np.where(total > 0, n_before * n_b / np.where(total > 0, total, 1.0), 0.0)
            self._cross += cross_b + (mx - mean_x_before) * (mr - mean_r_before) * factor

    def report(self) -> Report:

        bank = self.bank
        n = self.n

        def share(count: int) -> Share:
            return Share(count, round(count / n, 4) if n else None)

        def spread(count: float, mean: float, m2: float) -> tuple[int, float | None, float | None]:
            c = int(count)
            if c == 0:
                return 0, None, None
            sd = math.sqrt(m2 / (c - 1)) if c > 1 else None
            return c, round(float(mean), 2), None if sd is None else round(sd, 2)

        width = 200.0 / HISTOGRAM_BINS
        score_n, score_mean, score_sd = spread(
            float(self.score.n[0]), float(self.score.mean[0]), float(self.score.m2[0])
        )
        alpha, ci, dropped = self._alpha()
        item_m, rest_m = self._pairs
        items = []
        for i, question in enumerate(bank.questions):
            counts = self.counts[i].tolist()
            skipped = counts[-1]
            answered = n - skipped
            r = _correlation(
                float(item_m.n[i]), float(item_m.m2[i]), float(rest_m.m2[i]), float(self._cross[i])
            )
            flag = None
            if r is not None and item_m.n[i] >= MIN_FLAG_RESPONDENTS:
                flag = "negative" if r < 0 else ("low" if r < LOW_ITEM_REST else None)
            mean_lean = (
                float(
                    sum(c * o.lean for c, o in zip(counts, question.options, strict=False))
                    / answered
                )
                if answered
                else None
            )
            items.append(
                ItemStats(
                    question=question.id,
                    dimension=question.dimension,
                    answered=answered,
                    skipped=skipped,
                    skipped_share=round(skipped / n, 4) if n else None,
                    distribution={o.id: counts[k] for k, o in enumerate(question.options)},
                    mean_lean=None if mean_lean is None else round(mean_lean, 3),
                    item_rest=None if r is None else round(r, 3),
                    alpha_if_dropped=_round(dropped[i], 3),
                    flag=flag,
                )
            )
        return Report(
            bank={"id": bank.id, "version": bank.version, "sha256": bank.sha256},
            respondents=n,
            recommendations={r: share(c) for r, c in self.recommendations.items()},
            score=Spread(score_n, score_mean, score_sd),
            histogram=[
                Bin(-100.0 + b * width, -100.0 + (b + 1) * width, int(c))
                for b, c in enumerate(self.histogram.tolist())
            ],
            dimensions=[
                DimensionStats(
                    d.id,
                    *spread(
                        float(self.dimensions.n[k]),
                        float(self.dimensions.mean[k]),
                        float(self.dimensions.m2[k]),
                    ),
                    b2b=int(self.sides[0, k]),
                    balanced=int(self.sides[1, k]),
                    b2c=int(self.sides[2, k]),
                )
                for k, d in enumerate(bank.dimensions)
            ],
            flags={code: share(c) for code, c in self.flags.items()},
            reliability=Reliability(
                alpha=None if alpha is None else round(alpha, 3),
                ci95=None if ci is None else [round(ci[0], 3), round(ci[1], 3)],
                respondents=self.complete,
                items=self.q,
            ),
            items=items,
        )

    def _alpha(self) -> tuple[float | None, tuple[float, float] | None, list[float | None]]:
        import numpy as np

        k, n = self.q, self.complete
        dropped: list[float | None] = [None] * k
        if k < 2 or n < 2:
            return None, None, dropped
        cov = self.c_comoment / (n - 1)
        value = cronbach(cov)
        for i in range(k):
            keep = np.arange(k) != i
            dropped[i] = cronbach(cov[np.ix_(keep, keep)]) if k > 2 else None
        if value is None:
            return None, None, dropped
        df1, df2 = n - 1, (n - 1) * (k - 1)
        low = 1.0 - (1.0 - value) * f_quantile(0.975, df1, df2)
        high = 1.0 - (1.0 - value) * f_quantile(0.025, df1, df2)
        return value, (low, high), dropped


def cronbach(cov: npt.NDArray[np.float64]) -> float | None:
    """Alpha from a covariance matrix of k items; None when the total does not vary."""
    k = cov.shape[0]
    total = float(cov.sum())
    if k < 2 or total <= 0:
        return None
    return float(k / (k - 1) * (1.0 - float(cov.trace()) / total))


def _round(value: float | None, digits: int) -> float | None:
    return None if value is None else round(value, digits)


def _correlation(n: float, m2_x: float, m2_r: float, cross: float) -> float | None:
    if n < 2 or m2_x <= 0 or m2_r <= 0:
        return None
    return cross / math.sqrt(m2_x * m2_r)
