"""The raw votes of a shared Pol.is export, as red-dwarf takes them and as a matrix: for the
tests that compare our opinion groups with red-dwarf's."""

import csv
from pathlib import Path

import numpy as np


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
