"""Need against support: a 3 x 3 bivariate class per commune.

Need index = mean of the percentile ranks of the foreign-resident share and of the province's
employment gap (native minus foreign-born, pp); where the gap is missing, the share alone.
Support index = mean of the percentile ranks of the E2SFCA access scores of ``support_kinds``.
Each index is cut into thirds of its percentile rank (1 = lowest third, 3 = highest).
The class "3-1" (high need, low support) is where support is most missing.
"""

from __future__ import annotations

import pandas as pd


def pct_rank(values: pd.Series) -> pd.Series:
    """Percentile rank in (0, 1], ties share their average rank; NaN stays NaN."""
    return values.rank(method="average", pct=True)


def terciles(index: pd.Series) -> pd.Series:
    """1 if the percentile rank of ``index`` is <= 1/3, 2 if <= 2/3, else 3 (NaN stays missing)."""
    rank = pct_rank(index)
    classes = pd.Series(pd.NA, index=index.index, dtype="Int64")
    classes[rank <= 1 / 3] = 1
    classes[(rank > 1 / 3) & (rank <= 2 / 3)] = 2
    classes[rank > 2 / 3] = 3
    return classes


def need_index(foreign_share: pd.Series, employment_gap_pp: pd.Series) -> pd.Series:
    parts = pd.concat([pct_rank(foreign_share), pct_rank(employment_gap_pp)], axis=1)
    return parts.mean(axis=1, skipna=True).where(foreign_share.notna())


def support_index(access_scores: pd.DataFrame) -> pd.Series:
    return access_scores.apply(pct_rank).mean(axis=1)


def classify(need: pd.Series, support: pd.Series) -> pd.DataFrame:
    need_class, support_class = terciles(need), terciles(support)
    label = need_class.astype(str) + "-" + support_class.astype(str)
    known = need_class.notna() & support_class.notna()
    return pd.DataFrame(
        {
            "need_index": need,
            "support_index": support,
            "need_class": need_class,
            "support_class": support_class,
            "bivariate_class": label.where(known, None),
            "high_need_low_support": ((need_class == 3) & (support_class == 1)).fillna(False).astype(bool),
        }
    )
