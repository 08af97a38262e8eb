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
from scipy.spatial.distance import cdist
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


def best_kmeans(points: np.ndarray, params: OpinionParams) -> tuple[np.ndarray, np.ndarray, float]:
    """k-means for every k in ``k_min..k_max`` that the points allow, the best by silhouette
    (the first on a tie). Returns (labels, centres, silhouette); empty labels when no k fits
    (fewer distinct points than k + 1). A k for which k-means leaves a group empty (possible
    only with duplicate points) is skipped rather than reported with a group of nobody.

    The silhouettes of every k are computed together, in one pass over the distances between
    points (see ``silhouettes``)."""
    distinct = np.unique(points, axis=0)
    fitted: list[tuple[np.ndarray, np.ndarray]] = []
    for k in range(params.k_min, params.k_max + 1):
        # The silhouette needs 2 ≤ groups ≤ points - 1.
        if len(distinct) < k or k >= len(points):
            break
        with warnings.catch_warnings():
            # Duplicate points may leave a group empty: that k is then skipped, below.
            warnings.simplefilter("ignore", ConvergenceWarning)
            model = KMeans(n_clusters=k, init=distinct[:k], n_init=1, random_state=params.seed)
            labels = model.fit(points).labels_
        if len(np.unique(labels)) < k:
            continue
        fitted.append((labels, model.cluster_centers_))
    if not fitted:
        return np.empty(0, dtype=int), np.empty((0, points.shape[1])), float("nan")
    scores, errors = silhouettes(points, [labels for labels, _ in fitted])
    # Pol.is (and red-dwarf) choose by scikit-learn's ``silhouette_score``, whose distances
    # are rounded differently: only the k that could be the best by its figures are scored
    # by it — one k, unless several are within rounding of each other (or the points are so
    # close together that rounding is all that separates them) — and its figure is the
    # one reported, to the last bit.
    line = max(score - error for score, error in zip(scores, errors, strict=True))
    near = [i for i, score in enumerate(scores) if score + errors[i] >= line]
    exact = [float(silhouette_score(points, fitted[i][0])) for i in near]
    best = _first_best(exact)
    labels, centres = fitted[near[best]]
    return labels, centres, exact[best]


#: Rows of the distance matrix computed at once (``silhouettes``): 1,024 × n doubles.
_CHUNK = 1024


def _first_best(scores: list[float]) -> int:
    best = 0
    for i, score in enumerate(scores):
        if score > scores[best]:
            best = i
    return best


def silhouettes(points: np.ndarray, labelings: list[np.ndarray]) -> tuple[list[float], list[float]]:
    """The mean silhouette of each labelling of ``points``, in one pass: each chunk of rows
    of the Euclidean distance matrix is computed once and summed by group for every
    labelling at once (one matrix product), so neither the distances of all pairs nor any
    per-k copy of them is ever held.

    With each, a bound of how far ``silhouette_score`` may differ from it by rounding alone.
    scikit-learn computes a distance as √(x·x − 2 x·y + y·y), which may be off by up to
    about √ε·(|x| + |y|) (ε: the float precision) when points are close; a participant's
    silhouette (b − a) / max(a, b) moves by at most 4δ / max(a, b) when its mean distances a
    and b move by δ ≤ max(a, b) / 2, and by at most 2 in any case.
    """
    n = len(points)
    sizes = [int(labels.max()) + 1 for labels in labelings]
    offsets = np.cumsum([0, *sizes])
    rows = np.arange(n)
    membership = np.zeros((n, offsets[-1]))
    for labels, offset in zip(labelings, offsets, strict=False):
        membership[rows, offset + labels] = 1.0
    sums = np.empty((n, offsets[-1]))
    for start in range(0, n, _CHUNK):
        sums[start : start + _CHUNK] = cdist(points[start : start + _CHUNK], points) @ membership
    counts = membership.sum(axis=0)
    # Generous: sixteen times the bound above, with the largest point norm.
    delta = 16 * np.sqrt(np.finfo(float).eps) * 2 * float(np.linalg.norm(points, axis=1).max())
    scores, errors = [], []
    for labels, offset, k in zip(labelings, offsets, sizes, strict=False):
        block = sums[:, offset : offset + k]
        own = counts[offset : offset + k][labels]
        with np.errstate(divide="ignore", invalid="ignore"):
            inside = block[rows, labels] / (own - 1)
            means = block / counts[offset : offset + k]
        means[rows, labels] = np.inf
        outside = means.min(axis=1)
        larger = np.maximum(inside, outside)
        with np.errstate(divide="ignore", invalid="ignore"):
            each = np.nan_to_num((outside - inside) / larger)
            error = np.where(larger > 0, np.minimum(2.0, 4 * delta / larger), 2.0)
        # A participant alone in a group has silhouette 0, whatever the rounding.
        alone = own == 1
        each[alone] = 0.0
        error[alone] = 0.0
        scores.append(float(each.mean()))
        errors.append(float(error.mean()))
    return scores, errors


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
    """Agreements, disagreements and responses per statement (column), as floats: sums of
    whole numbers, exact."""

    agree: np.ndarray
    disagree: np.ndarray
    responses: np.ndarray


def _answers(matrix: np.ndarray) -> np.ndarray:
    """Agreements, disagreements and responses as a 3 × participants × statements array of
    0/1, to be summed (by group: one matrix product)."""
    return np.stack([matrix == 1, matrix == -1, ~np.isnan(matrix)]).astype(float)


def _count(answers: np.ndarray) -> _Counts:
    return _Counts(*answers.sum(axis=1))


def consensus_statements(
    matrix: np.ndarray, moderated: np.ndarray, params: OpinionParams
) -> tuple[list[int], list[int]]:
    """Statements most of everyone agrees (disagrees) with: smoothed p > 1/2 and the
    proportion test significant, strongest p·z first, up to ``pick_max`` each."""
    return _consensus(_count(_answers(matrix)), moderated, params)


def _consensus(
    counts: _Counts, moderated: np.ndarray, params: OpinionParams
) -> tuple[list[int], list[int]]:
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
    return _representative_statements(_answers(matrix), labels, moderated, params)


def _representative_statements(
    answers: np.ndarray, labels: np.ndarray, moderated: np.ndarray, params: OpinionParams
) -> dict[int, list[RepresentativeStatement]]:
    z_line = critical_z(params.confidence)
    keep = np.flatnonzero(~moderated)
    groups = int(labels.max()) + 1 if len(labels) else 0
    membership = np.zeros((groups, len(labels)))
    membership[labels, np.arange(len(labels))] = 1.0
    # Per group and statement, in one product each: agreements, disagreements, responses.
    by_group = membership @ answers
    total = answers.sum(axis=1)
    result: dict[int, list[RepresentativeStatement]] = {}
    for group in range(groups):
        inside = _Counts(*by_group[:, group])
        outside = _Counts(*(total - by_group[:, group]))
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
        result[group] = _chosen(figures, keep, z_line, params.pick_max)
    return result


def _chosen(
    figures: dict, keep: np.ndarray, z_line: float, pick_max: int
) -> list[RepresentativeStatement]:
    """One group's representative statements from its figures (see above)."""
    agree, disagree = figures["agree"], figures["disagree"]
    best_agree = _best_agreement(keep, agree, disagree["n"], z_line)
    significant = keep[
        (
            ((agree["p_test"] > z_line) & (agree["repness_test"] > z_line))
            | ((disagree["p_test"] > z_line) & (disagree["repness_test"] > z_line))
        )[keep]
    ]
    if best_agree is not None:
        head = int(best_agree)
    elif not len(significant) and len(keep):
        distinctive = np.maximum(agree["repness_test"], disagree["repness_test"])[keep]
        # The most distinctive, the first column on a tie.
        head = int(keep[np.flatnonzero(distinctive == distinctive.max())[0]])
    else:
        return []
    # Each statement in the direction in which the group stands out most.
    toward_agree = agree["repness_test"] > disagree["repness_test"]
    strength = {
        name: np.where(toward_agree, agree[name], disagree[name])[significant]
        for name in ("repness", "repness_test", "p", "p_test")
    }
    key = -(strength["repness"] * strength["repness_test"] * strength["p"] * strength["p_test"])
    ranked = [int(c) for c in significant[np.argsort(key, kind="stable")] if c != head]
    chosen = [_representative(c, figures) for c in [head, *ranked][:pick_max]]
    return sorted(chosen, key=lambda s: s.direction)


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


def _best_agreement(keep, agree: dict, disagree_n: np.ndarray, z_line: float) -> int | None:
    """The statement the group agrees with most convincingly (Pol.is's ``best agree``): the
    first plausible one, bettered by higher repness·test·p·test while the best so far is
    distinctive (repness > 1), else by higher p·test. (One pass over the statements, on
    Python numbers: each step depends on the best so far.)"""
    n, p, p_test = (agree[name][keep].tolist() for name in ("n", "p", "p_test"))
    repness, repness_test = (agree[name][keep].tolist() for name in ("repness", "repness_test"))
    against = disagree_n[keep].tolist()
    best = None
    for i in range(len(n)):
        if n[i] == 0 and against[i] == 0:
            continue
        if best is None:
            if p_test[i] > z_line or (repness[i] > 1 and p[i] > 0.5):
                best = i
            continue
        strength, best_strength = p[i] * p_test[i], p[best] * p_test[best]
        if repness[best] > 1:
            strength *= repness[i] * repness_test[i]
            best_strength *= repness[best] * repness_test[best]
        if strength > best_strength:
            best = i
    return None if best is None else int(keep[best])


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
    answers = _answers(matrix)
    consensus_agree, consensus_disagree = _consensus(_count(answers), moderated, params)
    projection, extremity = project(matrix, moderated, params)
    labels = np.full(rows, -1, dtype=int)
    clusterable = np.flatnonzero(answers[2].sum(axis=1) >= params.min_responses)
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
        representative=_representative_statements(
            answers[:, clusterable], found, moderated, params
        ),
        silhouette=silhouette,
    )
