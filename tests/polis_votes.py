"""The raw votes of a shared Pol.is export, as red-dwarf takes them and as a matrix: for the
tests that compare our opinion groups with red-dwarf's."""

import csv
import warnings
from pathlib import Path

import numpy as np
import pytest
from conftest import SHARED_DATA

POLIS = SHARED_DATA / "polis"
CONVERSATIONS = ["brexit-consensus", "15-per-hour-seattle"]
needs_shared_data = pytest.mark.skipif(
    not (POLIS / "brexit-consensus" / "votes.csv").is_file(),
    reason=f"the shared Pol.is data is not at {POLIS}",
)


def latest_votes(folder: Path) -> tuple[list[dict], list[int]]:
    """The latest vote of each (participant, comment), and the comments moderated out."""
    latest: dict[tuple[int, int], dict] = {}
    with (folder / "votes.csv").open(newline="") as stream:
        for row in csv.DictReader(stream):
            vote = {
                "participant_id": int(row["voter-id"]),
                "statement_id": int(row["comment-id"]),
                "vote": int(row["vote"]),
                "modified": int(row["timestamp"]),
            }
            key = (vote["participant_id"], vote["statement_id"])
            if key not in latest or vote["modified"] >= latest[key]["modified"]:
                latest[key] = vote
    with (folder / "comments.csv").open(newline="") as stream:
        moderated = [int(r["comment-id"]) for r in csv.DictReader(stream) if r["moderated"] == "-1"]
    return list(latest.values()), moderated


def as_matrix(votes: list[dict]) -> tuple[np.ndarray, list[int], list[int]]:
    participants = sorted({v["participant_id"] for v in votes})
    statements = sorted({v["statement_id"] for v in votes})
    row = {p: i for i, p in enumerate(participants)}
    column = {s: j for j, s in enumerate(statements)}
    matrix = np.full((len(participants), len(statements)), np.nan)
    for v in votes:
        matrix[row[v["participant_id"]], column[v["statement_id"]]] = v["vote"]
    return matrix, participants, statements


def red_dwarf(conversation: str):
    """(red-dwarf's result, the latest votes, the moderated comment ids) of a shared
    conversation; skips the test when red-dwarf is not installed."""
    polis = pytest.importorskip("reddwarf.implementations.polis", reason="red-dwarf not installed")
    votes, moderated = latest_votes(POLIS / conversation)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # red-dwarf's own dependencies warn on import and use
        reference = polis.run_pipeline(votes=votes, mod_out_statement_ids=moderated, random_state=0)
    return reference, votes, moderated


def both_ways(conversation: str):
    """Our opinion groups and red-dwarf's of a shared conversation, from the same votes:
    (ours, red-dwarf's, matrix, participant ids of its rows, statement ids of its columns)."""
    from commonground.consensus.opinions import opinion_groups

    reference, votes, moderated = red_dwarf(conversation)
    matrix, participants, statements = as_matrix(votes)
    ours = opinion_groups(matrix, np.array([s in moderated for s in statements]))
    return ours, reference, matrix, participants, statements
