"""Comparing the components of networks: what they add up to per class, how well they separate the classes, and
which of one network's components answer like another's (between seeds, or between m5 and SoundNet)."""

from __future__ import annotations

import numpy as np

from ..serve.decide import Decision

__all__ = ["mean_contributions", "match_components", "class_separation", "vote_of_units", "best_correlations"]


def mean_contributions(d: Decision, y: np.ndarray) -> np.ndarray:
    """Mean contribution ``w_i * g_i`` of every component over cat windows and over dog windows.

    Returns
    -------
    np.ndarray, shape (2, k)
        Row 0 cats, row 1 dogs.
    """
    y = np.ravel(y)
    return np.stack([d.contributions[y == label].mean(axis=0) for label in (0, 1)])


def _correlations(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Correlation over the rows of every column of ``a`` with every column of ``b``; 0 for a constant column."""

    def standardized(p: np.ndarray) -> np.ndarray:
        sd = p.std(axis=0)
        return (p - p.mean(axis=0)) / np.where(sd > 0, sd, np.inf)

    return standardized(a).T @ standardized(b) / len(a)


def match_components(pooled_a: np.ndarray, pooled_b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Pair the pooled components of two networks, seen on the same windows, by activation correlation.

    Each component of network A is paired with one of B so that the summed correlation over all pairs is
    highest (the Hungarian method); a component that never varies correlates 0 with everything.

    Parameters
    ----------
    pooled_a, pooled_b : np.ndarray, shape (n_windows, k)
        The ``gap`` outputs of the two networks (:attr:`Decision.pooled`), the same k components each.

    Returns
    -------
    pairs : np.ndarray of int, shape (k,)
        ``pairs[i]`` is the component of B paired with component i of A.
    correlation : np.ndarray, shape (k,)
        The correlation of each pair over the windows.
    """
    from scipy.optimize import linear_sum_assignment

    r = _correlations(pooled_a, pooled_b)
    rows, pairs = linear_sum_assignment(-r)
    return pairs[np.argsort(rows)], r[rows, pairs][np.argsort(rows)]


def class_separation(values: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Per column of ``values`` (n, k): its mean on dog windows less its mean on cat windows, in pooled sd.

    For decision terms (:attr:`Decision.contributions`), how well each component tells the classes apart
    (Cohen's d): 0 means not at all, 1 means the class means lie one standard deviation apart.
    """
    y = np.ravel(y)
    gap = values[y == 1].mean(axis=0) - values[y == 0].mean(axis=0)
    return gap / np.sqrt((values[y == 1].var(axis=0) + values[y == 0].var(axis=0)) / 2 + 1e-12)


def vote_of_units(train: np.ndarray, y_train: np.ndarray, test: np.ndarray, *, k: int) -> np.ndarray:
    """Call each test row dog or cat by the plain vote of the ``k`` columns that best separate the training rows.

    The columns are chosen, standardised, signed (dog side up) and the threshold set on the training rows
    alone: the mean of the k standardised, signed columns above the midpoint of its two class means is dog.
    No weight is fitted, so it shows what adding weak units does without a classifier's help.

    Returns
    -------
    np.ndarray of bool, shape (len(test),)
        True for dog.
    """
    sep = class_separation(train, y_train)
    top = np.argsort(-np.abs(sep), kind="stable")[:k]
    mean, sd = train[:, top].mean(axis=0), train[:, top].std(axis=0) + 1e-12
    score = lambda v: ((v[:, top] - mean) / sd * np.sign(sep[top])).mean(axis=1)  # noqa: E731
    on_train, y_train = score(train), np.ravel(y_train)
    threshold = (on_train[y_train == 1].mean() + on_train[y_train == 0].mean()) / 2
    return score(test) > threshold


def best_correlations(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For every column of ``a`` (n, k), the column of ``b`` (n, m) it correlates with most, over the n rows.

    Unlike :func:`match_components`, several columns of ``a`` may pick the same column of ``b``: it asks
    whether each unit of one network has a close counterpart anywhere in another, of any size.

    Returns
    -------
    best : np.ndarray of int, shape (k,)
    correlation : np.ndarray, shape (k,)
        0 for a column that never varies.
    """

    r = _correlations(a, b)
    best = np.argmax(r, axis=1)
    return best, r[np.arange(len(best)), best]
