"""Opinion groups of 2,000 participants × 500 statements, side by side with red-dwarf.

``python -m benchmarks.opinions [--participants N] [--statements N] [--repeat N] [--dense]
[--record]``

One synthetic conversation, the same for both: four camps of different sizes, each with its
own leaning on every statement; every participant answers a random share of the statements
(between 2 % and 30 %), as in a large Pol.is conversation — with ``--dense``, every
statement: the full matrix, a million reactions at the default size, which takes minutes to
import — and 10 statements are hidden by moderators. Timed (wall clock and the process's CPU
time: on a shared machine the CPU time is the steadier figure), after one warm-up run:

- ``consensus.opinions.opinion_groups`` on the members × statements matrix (what the app
  computes per item), plus turning the vote list into that matrix;
- ``consensus.bridging.bridging_many`` for every statement over six declared groups and the
  opinion groups found;
- red-dwarf's ``run_pipeline`` (the Python reimplementation of Pol.is, the tests' reference)
  on the same votes, with the same statements moderated out and the same seed.

It then checks that both found the same groups and consensus statements, and measures the
same conversation inside the app: imported into a fresh SQLite file as a Pol.is export
(``flask polis import``), the item's opinion groups computed from the database (reading
every reaction included) with an empty cache, and the Common Ground and opinions API answers
once the result is cached (what each request costs).
"""

import argparse
import os
import platform
import statistics
import sys
import time
import warnings
from datetime import UTC, datetime

import numpy as np
from threadpoolctl import threadpool_limits

from benchmarks.report import write_section
from commonground.consensus.bridging import bridging_many
from commonground.consensus.opinions import opinion_groups

HEADING = "## Opinion groups and bridging (`python -m benchmarks.opinions`)"
CAMPS = (0.4, 0.3, 0.2, 0.1)
DECLARED = 6
HIDDEN = 10


def conversation(participants: int, statements: int, seed: int = 2026, dense: bool = False):
    """(votes as red-dwarf takes them, hidden statement ids, declared group of each row);
    ``dense``: everyone answers every statement."""
    rng = np.random.default_rng(seed)
    camp = rng.choice(len(CAMPS), size=participants, p=CAMPS)
    # Each camp's probability of agreeing with each statement, and of passing.
    leaning = rng.uniform(0.05, 0.95, size=(len(CAMPS), statements))
    passing = rng.uniform(0.05, 0.25, size=statements)
    share = rng.uniform(0.02, 0.30, size=participants)
    votes = []
    for person in range(participants):
        answered = np.flatnonzero(rng.random(statements) < (1.0 if dense else share[person]))
        draws = rng.random(len(answered))
        passes = rng.random(len(answered)) < passing[answered]
        for statement, draw, passed in zip(answered, draws, passes, strict=True):
            vote = 0 if passed else (1 if draw < leaning[camp[person], statement] else -1)
            votes.append(
                {
                    "participant_id": person,
                    "statement_id": int(statement),
                    "vote": vote,
                    "modified": len(votes),
                }
            )
    hidden = sorted(rng.choice(statements, size=HIDDEN, replace=False).tolist())
    declared = rng.integers(0, DECLARED, size=participants)
    return votes, hidden, declared


def as_matrix(votes: list[dict], participants: int, statements: int) -> np.ndarray:
    matrix = np.full((participants, statements), np.nan)
    for vote in votes:
        matrix[vote["participant_id"], vote["statement_id"]] = vote["vote"]
    return matrix


class Times(list):
    """Wall-clock seconds of each run; ``cpu``: the process's CPU seconds of each."""

    cpu: list[float]


def timed(function, repeat: int) -> tuple[Times, object]:
    result = function()  # warm-up
    times = Times()
    times.cpu = []
    for _ in range(repeat):
        began, began_cpu = time.perf_counter(), time.process_time()
        result = function()
        times.append(time.perf_counter() - began)
        times.cpu.append(time.process_time() - began_cpu)
    return times, result


def bridging_of(matrix: np.ndarray, labels: np.ndarray, declared: np.ndarray):
    groups = [declared == g for g in range(DECLARED)]
    groups += [labels == g for g in range(int(labels.max()) + 1)]
    agree = np.stack([(matrix[rows] == 1).sum(axis=0) for rows in groups], axis=1)
    disagree = np.stack([(matrix[rows] == -1).sum(axis=0) for rows in groups], axis=1)
    seen = np.stack([(~np.isnan(matrix[rows])).sum(axis=0) for rows in groups], axis=1)
    return bridging_many(agree, disagree, seen)


def run(participants: int, statements: int, repeat: int, dense: bool = False) -> dict:
    votes, hidden, declared = conversation(participants, statements, dense=dense)
    # Participants who answered nothing are not rows for red-dwarf either.
    present = sorted({v["participant_id"] for v in votes})
    moderated = np.zeros(statements, dtype=bool)
    moderated[hidden] = True

    matrix_times, full = timed(lambda: as_matrix(votes, participants, statements), repeat)
    matrix = full[present]
    ours_times, ours = timed(lambda: opinion_groups(matrix, moderated), repeat)
    bridge_times, _ = timed(lambda: bridging_of(matrix, ours.labels, declared[present]), repeat)

    from reddwarf.implementations.polis import run_pipeline

    def theirs_run():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return run_pipeline(votes=votes, mod_out_statement_ids=hidden, random_state=0)

    theirs_times, theirs = timed(theirs_run, max(1, repeat // 2))
    with threadpool_limits(limits=1):
        theirs_one_times, _ = timed(theirs_run, max(1, repeat // 2))
    their_labels = theirs.participants_df["cluster_id"]
    their_sizes = sorted(their_labels.value_counts().tolist())
    our_sizes = sorted(len(ours.members(g)) for g in range(ours.group_count))
    same_members = all(
        (ours.labels[i] == -1 and their_labels.isna()[p])
        or (not their_labels.isna()[p] and ours.labels[i] == int(their_labels[p]))
        for i, p in enumerate(present)
    )
    columns = sorted({v["statement_id"] for v in votes})
    same_consensus = [columns[c] for c in ours.consensus_agree] == [
        s["tid"] for s in theirs.consensus["agree"]
    ] and [columns[c] for c in ours.consensus_disagree] == [
        s["tid"] for s in theirs.consensus["disagree"]
    ]
    in_app = run_in_app(votes, hidden, declared, statements, max(1, repeat // 2))
    return {
        "in_app": in_app,
        "participants": len(present),
        "statements": statements,
        "dense": dense,
        "votes": len(votes),
        "matrix": matrix_times,
        "ours": ours_times,
        "bridging": bridge_times,
        "theirs": theirs_times,
        "theirs_one": theirs_one_times,
        "our_sizes": our_sizes,
        "their_sizes": their_sizes,
        "same_members": same_members,
        "same_consensus": same_consensus,
    }


def write_export(folder, votes: list[dict], hidden: list[int], declared, statements: int) -> None:
    """The conversation as a Pol.is open-data export (the four CSV files)."""
    import csv

    folder.mkdir()
    with (folder / "summary.csv").open("w", newline="") as stream:
        csv.writer(stream).writerows([["topic", "Benchmark"], ["voters", "2000"]])
    with (folder / "comments.csv").open("w", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(
            ["timestamp", "datetime", "comment-id", "author-id", "agrees", "disagrees",
             "moderated", "comment-body"]
        )  # fmt: skip
        for statement in range(statements):
            moderated = -1 if statement in hidden else 1
            writer.writerow(
                [statement, "", statement, 0, 0, 0, moderated, f"Statement {statement}"]
            )
    with (folder / "participants-votes.csv").open("w", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(["participant", "group-id"])
        for person in sorted({v["participant_id"] for v in votes}):
            writer.writerow([person, int(declared[person])])
    with (folder / "votes.csv").open("w", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(["timestamp", "datetime", "comment-id", "voter-id", "vote"])
        for v in votes:
            writer.writerow(
                [1000 + v["modified"], "", v["statement_id"], v["participant_id"], v["vote"]]
            )


def response_matrix_before(item):
    """The baseline: how the matrix was read before (every reaction as a SQLAlchemy row of
    four columns, the stance as text turned into a number in Python)."""
    import sqlalchemy as sa

    from commonground.consensus.sensemaking import ResponseMatrix
    from commonground.db import db
    from commonground.deliberations.models import Membership, StakeholderGroup
    from commonground.discussion.models import Post, Reaction

    values_of = {"agree": 1.0, "disagree": -1.0, "pass": 0.0}
    connection = db.session.connection()
    rows = connection.execute(
        sa.select(Reaction.membership_id, Reaction.post_id, Reaction.stance, Post.hidden)
        .join(Post, Post.id == Reaction.post_id)
        .where(Post.item_id == item.id)
    ).all()
    group_of = dict(
        connection.execute(
            sa.select(Membership.id, StakeholderGroup.key)
            .join(StakeholderGroup, StakeholderGroup.id == Membership.group_id)
            .where(Membership.deliberation_id == item.deliberation_id)
        ).all()
    )
    member_ids, post_ids, stances, hidden = (list(c) for c in zip(*rows, strict=True))
    members, rows_at = np.unique(np.array(member_ids, dtype=np.int64), return_inverse=True)
    posts, columns_at = np.unique(np.array(post_ids, dtype=np.int64), return_inverse=True)
    values = np.full((len(members), len(posts)), np.nan)
    values[rows_at, columns_at] = [values_of[stance] for stance in stances]
    moderated = np.zeros(len(posts), dtype=bool)
    moderated[columns_at] = np.array(hidden, dtype=bool)
    members_list = [int(m) for m in members]
    declared = [group_of.get(member) for member in members_list]
    return ResponseMatrix(members_list, [int(p) for p in posts], values, moderated, declared)


def run_in_app(votes, hidden, declared, statements: int, repeat: int) -> dict:
    """Import the conversation and time the app's own reading and computing."""
    import tempfile
    from pathlib import Path

    import sqlalchemy as sa

    from commonground import create_app
    from commonground.consensus import sensemaking
    from commonground.db import db
    from commonground.deliberations.models import AgendaItem, Deliberation

    with tempfile.TemporaryDirectory(prefix="cg-bench-") as tmp:
        folder = Path(tmp) / "benchmark-conversation"
        write_export(folder, votes, hidden, declared, statements)
        app = create_app(
            {
                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp}/bench.db",
                "SECRET_KEY": "benchmark",
                "AUTO_MIGRATE": True,
                "DEMO": False,
            }
        )
        with app.app_context():
            began = time.perf_counter()
            result = app.test_cli_runner().invoke(
                args=["polis", "import", str(folder), "--deliberation", "bench"]
            )
            imported = time.perf_counter() - began
            assert result.exit_code == 0, result.output
            item = db.session.scalar(
                sa.select(AgendaItem).join(Deliberation).where(Deliberation.slug == "bench")
            )
            item.deliberation.is_public = True
            db.session.commit()

            def cold():
                sensemaking.forget()
                return sensemaking.item_opinions(item)

            cold_times, opinions = timed(cold, repeat)
            read_times, matrix = timed(lambda: sensemaking.response_matrix(item), repeat)
            before_times, baseline = timed(lambda: response_matrix_before(item), repeat)
            assert matrix.members == baseline.members and matrix.posts == baseline.posts
            assert np.array_equal(matrix.values, baseline.values, equal_nan=True)
            assert np.array_equal(matrix.moderated, baseline.moderated)
            client = app.test_client()
            urls = {
                "common-ground": f"/api/v1/items/{item.id}/common-ground",
                "opinions": f"/api/v1/items/{item.id}/opinions",
            }
            answers = {}
            for name, url in urls.items():
                answers[name] = timed(lambda url=url: client.get(url), repeat)[0]
            return {
                "import": imported,
                "cold": cold_times,
                "read": read_times,
                "read_before": before_times,
                "answers": answers,
                "reactions": int((~np.isnan(opinions.matrix.values)).sum()),
            }


def ms(seconds: float) -> str:
    return f"{seconds * 1000:,.0f} ms"


def row(label: str, values: Times) -> str:
    median = statistics.median
    return (
        f"| {label} | {ms(median(values))} | {ms(min(values))} | {ms(max(values))} "
        f"| {ms(median(values.cpu))} |"
    )


def report(result: dict) -> str:
    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    cpu = {key: statistics.median(result[key].cpu) for key in ("ours", "theirs", "theirs_one")}
    in_app = result["in_app"]
    cold = statistics.median(in_app["cold"].cpu)
    answered = "every statement" if result["dense"] else "2–30 % of the statements"
    header = ["| step | median | min | max | CPU (median) |", "| --- | --- | --- | --- | --- |"]
    lines = [
        HEADING,
        "",
        f"- Machine: {os.cpu_count()} cores ({platform.machine()}), {platform.system()}, Python "
        f"{platform.python_version()}; run on {now}. Other work on the machine adds noise: "
        "the CPU time of the process (`time.process_time`) is the steadier figure.",
        f"- One synthetic conversation: {result['participants']:,} participants × "
        f"{result['statements']} statements, {result['votes']:,} votes (each participant "
        f"answers {answered}; four camps of 40/30/20/10 %; {HIDDEN} statements "
        "hidden). Times: median after one warm-up run, in one process.",
        "- `opinion_groups`: what the app computes per item (PCA, k-means for k = 2…5 with "
        "silhouettes, representative and consensus statements), limited to one thread as in "
        "the app. `bridging`: every statement "
        f"over {DECLARED} declared groups and the opinion groups. red-dwarf: `run_pipeline` "
        "on the same votes (it builds its own matrix), same hidden statements, same seed.",
        "",
        *header,
    ]
    for label, key in (
        ("votes → matrix", "matrix"),
        ("opinion groups (ours)", "ours"),
        ("bridging, every statement", "bridging"),
        ("red-dwarf `run_pipeline`", "theirs"),
        ("red-dwarf `run_pipeline`, one thread", "theirs_one"),
    ):
        lines.append(row(label, result[key]))
    lines += [
        "",
        f"red-dwarf takes **{cpu['theirs_one'] / cpu['ours']:.1f}×** the CPU time of our "
        "`opinion_groups` on the same conversation, both on one thread (its k-means and PCA "
        "run the same scikit-learn code); with scikit-learn's default threads, "
        f"{statistics.median(result['theirs']) / statistics.median(result['ours']):.1f}× "
        "the wall time (on a shared machine OpenMP threads mostly wait for each other). "
        f"Groups: ours {result['our_sizes']}, red-dwarf {result['their_sizes']}; every "
        f"participant in the same group: {'yes' if result['same_members'] else 'no'}; the same "
        f"consensus statements: {'yes' if result['same_consensus'] else 'no'}.",
        "",
        "In the app (the same conversation imported into SQLite with `flask polis import`, "
        f"{ms(in_app['import'])}; {in_app['reactions']:,} reactions):",
        "",
        *header,
    ]
    app_rows = [
        ("opinion groups from the database, empty cache", in_app["cold"]),
        ("of which reading the matrix", in_app["read"]),
        ("reading the matrix as before (baseline, same run)", in_app["read_before"]),
    ]
    app_rows += [
        (f"`GET …/{name}`, result cached", values) for name, values in in_app["answers"].items()
    ]
    lines += [row(label, values) for label, values in app_rows]
    read_ratio = statistics.median(in_app["read_before"].cpu) / statistics.median(
        in_app["read"].cpu
    )
    lines += [
        "",
        f"The whole computation in the app, from the database to the result: **{ms(cold)}** of "
        "CPU time (the issue asks for < 2 s); red-dwarf's `run_pipeline` on one thread, from "
        f"its votes already in memory, takes **{cpu['theirs_one'] / cold:.1f}×** that. "
        "The baseline reading, run beside the app's on the same database, reads four columns "
        "through SQLAlchemy rows and converts the stance in Python "
        f"({read_ratio:.1f}× the CPU time).",
    ]
    return "\n".join(lines) + "\n"


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--participants", type=int, default=2000)
    parser.add_argument("--statements", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument(
        "--dense", action="store_true", help="everyone answers every statement (slow to import)"
    )
    parser.add_argument("--record", action="store_true", help="write the result to BENCHMARKS.md")
    args = parser.parse_args(argv)
    section = report(run(args.participants, args.statements, args.repeat, args.dense))
    print(section)
    if args.record:
        write_section(section)


if __name__ == "__main__":
    sys.exit(main())
