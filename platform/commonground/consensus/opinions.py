"""Emergent opinion groups, the way Pol.is classic finds them (DESIGN §4, issue 13).

Pure functions over numpy arrays: no Flask, no database. The input is the participants ×
statements matrix of responses — agree +1, disagree −1, pass 0, no response NaN — and which
statements moderators took out. The steps are those of Pol.is classic, as its Python
reimplementation red-dwarf (the tests' reference) performs them:

1. statements moderators took out are zeroed for everyone (as if everyone passed);
2. every missing response is imputed with its statement's mean (column-mean imputation);
3. principal component analysis to two dimensions, fitted on every participant, each
   projection then scaled by √(statements / own responses) so that people who answered little
   are not bunched in the centre (Pol.is's "sparsity-aware" projection);
4. only participants with at least ``min_responses`` (7) responses are clustered: k-means for
   every k from 2 to 5, started from the first k distinct points in sorted order (so the
   result is deterministic; ``seed`` fixes whatever randomness remains), keeping the k with
   the highest silhouette (the lowest k on a tie);
5. representative statements per group (Pol.is "repness": two-proportion tests of the group
   against everyone else clustered) and consensus statements over everyone (p > 1/2 at 90 %
   one-sided confidence, up to 5 each way), both ignoring statements taken out.

Deliberate differences from Pol.is's server: no "base clusters" (Pol.is first squeezes
participants into 100 k-means centres when a conversation is large) and no smoothing of k
over successive runs — both make Pol.is's groups depend on history, and red-dwarf leaves them
out for the same reason. Too few participants, or too little variety among them, gives an
answer with ``clustered`` false and a reason, never invented groups.
"""

from __future__ import annotations

import warnings
from dataclasses import asdict, dataclass, field
from statistics import NormalDist

import numpy as np
from sklearn.cluster import KMeans
from sklearn.decomposition import PCA
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import silhouette_score
from threadpoolctl import threadpool_limits

__all__ = [
    "ALGORITHM",
    "VERSION",
    "OpinionGroups",
    "OpinionParams",
    "RepresentativeStatement",
    "opinion_groups",
]

ALGORITHM = "polis-classic"
#: Raised whenever a change could move a participant or a statement: results carry it, so a
#: think tank knows which computation produced the figures in a record.
VERSION = "1"

#: Why there are no groups (``OpinionGroups.reason``).
TOO_FEW_PARTICIPANTS = "too_few_participants"
TOO_LITTLE_VARIETY = "too_little_variety"


@dataclass(frozen=True)
class OpinionParams:
    """The parameters of the computation (all of them are reported with every result)."""

    #: Responses (passes included) a participant needs to be clustered.
    min_responses: int = 7
    #: Clustered participants needed before any group is formed: fewer, and two groups of a
    #: handful of people would say more about chance than about opinion.
    min_participants: int = 10
    components: int = 2
    k_min: int = 2
    k_max: int = 5
    #: Fixes k-means (its start is already deterministic) and the PCA solver.
    seed: int = 0
    #: Statements per group (representative) and per direction (consensus).
    pick_max: int = 5
    #: One-sided confidence of the proportion tests.
    confidence: float = 0.9

    def to_json(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class RepresentativeStatement:
    """A statement that sets a group apart: its column, whether the group agrees or
    disagrees more than the rest, and the Pol.is figures behind the choice."""

    statement: int
    direction: str  # "agree" | "disagree"
    #: P(direction | group), smoothed: (1 + n) / (2 + responses).
    p: float
    p_test: float
    #: How much likelier the group is to respond so than everyone else clustered.
    repness: float
    repness_test: float


@dataclass
class OpinionGroups:
    """The result: who is in which group, where everyone sits on the map, and the statements
    that characterise the groups and unite everyone."""

    params: OpinionParams
    clustered: bool
    #: Why ``clustered`` is false (``TOO_FEW_PARTICIPANTS``, ``TOO_LITTLE_VARIETY``).
    reason: str | None
    #: Group of each participant (row); -1 for those not clustered.
    labels: np.ndarray
    #: Each participant's place in the plane of the first two components (NaN when the
    #: participant gave no response at all).
    projection: np.ndarray
    #: Per statement: distance from the centre of a participant who only agreed with it.
    extremity: np.ndarray
    #: Centre of each group in that plane, group id = index.
    centres: np.ndarray
    #: Statements (columns) everyone agrees on / disagrees on, strongest first.
    consensus_agree: list[int] = field(default_factory=list)
    consensus_disagree: list[int] = field(default_factory=list)
    #: group id → its representative statements, agreements first.
    representative: dict[int, list[RepresentativeStatement]] = field(default_factory=dict)
    silhouette: float | None = None

    @property
    def group_count(self) -> int:
        return len(self.centres)

    def members(self, group: int) -> np.ndarray:
        """Row indices of the participants in ``group``."""
        return np.flatnonzero(self.labels == group)


def critical_z(confidence: float) -> float:
    """One-sided critical value of the standard normal (1.2816 at 90 %)."""
    return NormalDist().inv_cdf(confidence)


# --- the map ---------------------------------------------------------------------------------


def _zero_moderated(matrix: np.ndarray, moderated: np.ndarray) -> np.ndarray:
    zeroed = np.array(matrix, dtype=float, copy=True)
    zeroed[:, moderated] = 0.0
    return zeroed


def project(
    matrix: np.ndarray, moderated: np.ndarray, params: OpinionParams
) -> tuple[np.ndarray, np.ndarray]:
    """Every participant's place in the plane of the first principal components (steps 1–3),
    and every statement's *extremity*: how far from the centre a participant who answered
    only that statement, agreeing, would be placed (Pol.is's routing uses it).

    Statements nobody answered carry no information and are left out of the fit (their
    extremity is 0); the scaling still counts every column, as Pol.is does.
    """
    zeroed = _zero_moderated(matrix, moderated)
    rows, columns = zeroed.shape
    answered = ~np.isnan(zeroed)
    used = answered.any(axis=0)
    data = zeroed[:, used]
    extremity = np.zeros(columns)
    if data.shape[1] == 0 or rows == 0:
        return np.full((rows, params.components), np.nan), extremity
    means = np.nanmean(np.where(answered[:, used], data, np.nan), axis=0)
    imputed = np.where(np.isnan(data), means, data)
    components = min(params.components, *imputed.shape)
    pca = PCA(n_components=components, random_state=params.seed)
    with warnings.catch_warnings():
        # Everyone answering alike leaves no variance to explain: a warning, not an error.
        warnings.simplefilter("ignore", RuntimeWarning)
        points = pca.fit_transform(imputed)
    if components < params.components:
        points = np.hstack([points, np.zeros((rows, params.components - components))])
    responses = answered.sum(axis=1)
    scale = np.sqrt(columns / np.maximum(1, responses))
    # The lone agreement differs from the imputed means in its own column only, and one
    # response scales by √columns.
    lone = (1 - pca.mean_) * pca.components_
    extremity[used] = np.sqrt(columns) * np.linalg.norm(lone, axis=0)
    return points * scale[:, np.newaxis], extremity


# --- the groups ------------------------------------------------------------------------------


def _first_distinct(points: np.ndarray, k: int) -> np.ndarray | None:
    distinct = np.unique(points, axis=0)
    return distinct[:k] if len(distinct) >= k else None


def best_kmeans(points: np.ndarray, params: OpinionParams) -> tuple[np.ndarray, np.ndarray, float]:
    """k-means for every k in ``k_min..k_max`` that the points allow, the best by silhouette
    (the first on a tie). Returns (labels, centres, silhouette); empty labels when no k fits
    (fewer distinct points than k + 1). A k for which k-means leaves a group empty (possible
    only with duplicate points) is skipped rather than reported with a group of nobody."""
    best: tuple[np.ndarray, np.ndarray, float] | None = None
    for k in range(params.k_min, params.k_max + 1):
        start = _first_distinct(points, k)
        # The silhouette needs 2 ≤ groups ≤ points - 1.
        if start is None or k >= len(points):
            break
        with warnings.catch_warnings():
            # Duplicate points may leave a group empty: that k is then skipped, below.
            warnings.simplefilter("ignore", ConvergenceWarning)
            model = KMeans(n_clusters=k, init=start, n_init=1, random_state=params.seed)
            labels = model.fit(points).labels_
        if len(np.unique(labels)) < k:
            continue
        score = float(silhouette_score(points, labels))
        if best is None or score > best[2]:
            best = (labels, model.cluster_centers_, score)
    if best is None:
        return np.empty(0, dtype=int), np.empty((0, points.shape[1])), float("nan")
    return best


# --- statement statistics (Pol.is's ``comment statistics``) -----------------------------------


def _smoothed(count: np.ndarray, total: np.ndarray) -> np.ndarray:
    """(1 + count) / (2 + total): the proportion with one success and one failure added."""
    return (1 + count) / (2 + total)


def proportion_test(successes: np.ndarray, trials: np.ndarray) -> np.ndarray:
    """Pol.is's one-proportion z-score against 1/2, with the same smoothing."""
    return 2 * np.sqrt(trials + 1) * ((successes + 1) / (trials + 1) - 0.5)


def two_proportion_test(
    in_successes: np.ndarray,
    out_successes: np.ndarray,
    in_trials: np.ndarray,
    out_trials: np.ndarray,
) -> np.ndarray:
    """Pol.is's two-proportion z-score (group against the rest), one added to every count;
    0 where both proportions are 1 (the limit)."""
    s1, s2 = in_successes + 1.0, out_successes + 1.0
    n1, n2 = in_trials + 1.0, out_trials + 1.0
    pooled = (s1 + s2) / (n1 + n2)
    spread = np.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    with np.errstate(divide="ignore", invalid="ignore"):
        z = (s1 / n1 - s2 / n2) / spread
    return np.where(pooled == 1, 0.0, z)


@dataclass
class _Counts:
    agree: np.ndarray
    disagree: np.ndarray
    responses: np.ndarray


def _count(matrix: np.ndarray) -> _Counts:
    return _Counts(
        agree=(matrix == 1).sum(axis=0),
        disagree=(matrix == -1).sum(axis=0),
        responses=(~np.isnan(matrix)).sum(axis=0),
    )


def consensus_statements(
    matrix: np.ndarray, moderated: np.ndarray, params: OpinionParams
) -> tuple[list[int], list[int]]:
    """Statements most of everyone agrees (disagrees) with: smoothed p > 1/2 and the
    proportion test significant, strongest p·z first, up to ``pick_max`` each."""
    counts = _count(matrix)
    z_line = critical_z(params.confidence)
    chosen = []
    for successes in (counts.agree, counts.disagree):
        p = _smoothed(successes, counts.responses)
        z = proportion_test(successes, counts.responses)
        candidates = np.flatnonzero((p > 0.5) & (z > z_line) & ~moderated)
        strength = (p * z)[candidates]
        order = np.lexsort((candidates, -strength))
        chosen.append([int(c) for c in candidates[order][: params.pick_max]])
    return chosen[0], chosen[1]


def representative_statements(
    matrix: np.ndarray, labels: np.ndarray, moderated: np.ndarray, params: OpinionParams
) -> dict[int, list[RepresentativeStatement]]:
    """Each group's representative statements, chosen as Pol.is chooses them.

    ``matrix`` holds the clustered participants only, ``labels`` their groups. Per group:
    the statements where the group both leans one way (one-proportion test) and differs from
    the rest (two-proportion test), at the confidence given, by repness·test·p·test; headed
    by the group's "best agreement" (or, when nothing is significant, its most distinctive
    statement); at most ``pick_max``, agreements first.
    """
    z_line = critical_z(params.confidence)
    keep = np.flatnonzero(~moderated)
    result: dict[int, list[RepresentativeStatement]] = {}
    for group in range(int(labels.max()) + 1 if len(labels) else 0):
        inside = _count(matrix[labels == group])
        outside = _count(matrix[labels != group])
        figures = {}
        for direction, n_in, n_out in (
            ("agree", inside.agree, outside.agree),
            ("disagree", inside.disagree, outside.disagree),
        ):
            p = _smoothed(n_in, inside.responses)
            figures[direction] = {
                "n": n_in,
                "p": p,
                "p_test": proportion_test(n_in, inside.responses),
                "repness": p / _smoothed(n_out, outside.responses),
                "repness_test": two_proportion_test(
                    n_in, n_out, inside.responses, outside.responses
                ),
            }
        agree, disagree = figures["agree"], figures["disagree"]
        best_agree = _best_agreement(keep, agree, disagree["n"], z_line)
        significant = [
            c
            for c in keep
            if (agree["p_test"][c] > z_line and agree["repness_test"][c] > z_line)
            or (disagree["p_test"][c] > z_line and disagree["repness_test"][c] > z_line)
        ]
        head: list[RepresentativeStatement] = []
        if best_agree is not None:
            head = [_representative(best_agree, figures)]
        elif not significant and len(keep):
            most = max(
                keep,
                key=lambda c: (
                    max(agree["repness_test"][c], disagree["repness_test"][c]),
                    -c,
                ),
            )
            head = [_representative(most, figures)]
        ranked = sorted(
            (_representative(c, figures) for c in significant),
            key=lambda s: -(s.repness * s.repness_test * s.p * s.p_test),
        )
        chosen = head + [s for s in ranked if head and s.statement != head[0].statement]
        result[group] = sorted(chosen[: params.pick_max], key=lambda s: s.direction)
    return result


def _representative(column: int, figures: dict) -> RepresentativeStatement:
    """The figures of one statement for one group, in the direction in which the group stands
    out most (Pol.is compares the two repness tests)."""
    agree, disagree = figures["agree"], figures["disagree"]
    direction = (
        "agree" if agree["repness_test"][column] > disagree["repness_test"][column] else "disagree"
    )
    f = figures[direction]
    return RepresentativeStatement(
        statement=int(column),
        direction=direction,
        p=float(f["p"][column]),
        p_test=float(f["p_test"][column]),
        repness=float(f["repness"][column]),
        repness_test=float(f["repness_test"][column]),
    )


def _agreement_strength(agree: dict, i: int, distinctive: bool) -> float:
    """What makes one agreement better than another: repness·test·p·test when the best so
    far is distinctive, else p·test."""
    strength = agree["p"][i] * agree["p_test"][i]
    if distinctive:
        strength *= agree["repness"][i] * agree["repness_test"][i]
    return strength


def _best_agreement(keep, agree: dict, disagree_n: np.ndarray, z_line: float) -> int | None:
    """The statement the group agrees with most convincingly (Pol.is's ``best agree``): the
    first plausible one, bettered by higher repness·test·p·test while the best so far is
    distinctive (repness > 1), else by higher p·test."""
    best = None
    for c in keep:
        if agree["n"][c] == 0 and disagree_n[c] == 0:
            continue
        if best is None:
            if agree["p_test"][c] > z_line or (agree["repness"][c] > 1 and agree["p"][c] > 0.5):
                best = c
            continue
        distinctive = agree["repness"][best] > 1
        if _agreement_strength(agree, c, distinctive) > _agreement_strength(
            agree, best, distinctive
        ):
            best = c
    return best


# --- everything ------------------------------------------------------------------------------


def opinion_groups(
    matrix: np.ndarray, moderated: np.ndarray | None = None, params: OpinionParams | None = None
) -> OpinionGroups:
    """Opinion groups of a participants × statements response matrix (see the module).

    ``matrix``: float, +1 agree, −1 disagree, 0 pass, NaN no response. ``moderated``: a
    boolean per column, True for statements moderators took out.
    """
    # One thread: on a busy server, OpenMP's threads fight the processes serving requests
    # for the cores — ten times slower on two shared cores (BENCHMARKS.md) — and matrices
    # of one agenda item are small enough for one core.
    with threadpool_limits(limits=1):
        return _opinion_groups(matrix, moderated, params or OpinionParams())


def _opinion_groups(
    matrix: np.ndarray, moderated: np.ndarray | None, params: OpinionParams
) -> OpinionGroups:
    matrix = np.asarray(matrix, dtype=float)
    if matrix.ndim != 2:
        raise ValueError("the response matrix must have two dimensions")
    rows, columns = matrix.shape
    moderated = (
        np.zeros(columns, dtype=bool) if moderated is None else np.asarray(moderated, dtype=bool)
    )
    if moderated.shape != (columns,):
        raise ValueError("one moderated flag per statement")
    consensus_agree, consensus_disagree = consensus_statements(matrix, moderated, params)
    projection, extremity = project(matrix, moderated, params)
    labels = np.full(rows, -1, dtype=int)
    clusterable = np.flatnonzero((~np.isnan(matrix)).sum(axis=1) >= params.min_responses)
    unclustered = OpinionGroups(
        params=params,
        clustered=False,
        reason=TOO_FEW_PARTICIPANTS,
        labels=labels,
        projection=projection,
        extremity=extremity,
        centres=np.empty((0, params.components)),
        consensus_agree=consensus_agree,
        consensus_disagree=consensus_disagree,
    )
    if len(clusterable) < params.min_participants:
        return unclustered
    found, centres, silhouette = best_kmeans(projection[clusterable], params)
    if not len(found):
        unclustered.reason = TOO_LITTLE_VARIETY
        return unclustered
    labels[clusterable] = found
    return OpinionGroups(
        params=params,
        clustered=True,
        reason=None,
        labels=labels,
        projection=projection,
        extremity=extremity,
        centres=centres,
        consensus_agree=consensus_agree,
        consensus_disagree=consensus_disagree,
        representative=representative_statements(matrix[clusterable], found, moderated, params),
        silhouette=silhouette,
    )
