"""Group commit (``realtime.grouping.CommitGroups``) with real threads: requests that wait
while a group runs form the next group, each request gets its own outcome, the lead passes
on, and subjects never wait for each other."""

import threading
import time

import pytest

from commonground.realtime.grouping import CommitGroups


class Blocking:
    """A ``run`` that records its groups and holds the first until released."""

    def __init__(self, outcome=lambda payload: payload * 10):
        self.groups: list[tuple] = []
        self.running = threading.Event()
        self.release = threading.Event()
        self.outcome = outcome

    def __call__(self, subject, payloads):
        self.groups.append((subject, list(payloads)))
        if len(self.groups) == 1:
            self.running.set()
            assert self.release.wait(10)
        return [self.outcome(payload) for payload in payloads]


def submit_in_threads(groups: CommitGroups, subject, payloads) -> tuple[list, dict]:
    answers: dict = {}

    def submit(payload):
        try:
            answers[payload] = groups.submit(subject, payload)
        except BaseException as error:  # the outcome under test
            answers[payload] = error

    threads = [threading.Thread(target=submit, args=(payload,)) for payload in payloads]
    for thread in threads:
        thread.start()
    return threads, answers


def wait_until(condition) -> None:
    deadline = time.monotonic() + 10
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.005)


def finish(threads) -> None:
    for thread in threads:
        thread.join(10)
        assert not thread.is_alive()


def behind_a_held_group(groups: CommitGroups, run: Blocking, payloads: list) -> dict:
    """Submit 0 and hold its group running while ``payloads`` arrive, then let everything
    finish; every request's answer by payload."""
    first, answers = submit_in_threads(groups, "motion", [0])
    assert run.running.wait(10)
    rest, more = submit_in_threads(groups, "motion", payloads)
    wait_until(lambda: groups.waiting("motion") == len(payloads))
    run.release.set()
    finish(first + rest)
    return {**answers, **more}


def test_requests_that_arrive_while_a_group_runs_form_the_next_group():
    run = Blocking()
    groups = CommitGroups(run)
    answers = behind_a_held_group(groups, run, [1, 2, 3, 4, 5])
    assert run.groups[0] == ("motion", [0])
    assert len(run.groups) == 2 and sorted(run.groups[1][1]) == [1, 2, 3, 4, 5]
    assert answers == {n: n * 10 for n in range(6)}
    assert groups.waiting("motion") == 0


def test_a_group_holds_at_most_its_limit_and_the_lead_passes_on():
    run = Blocking()
    groups = CommitGroups(run, limit=2)
    answers = behind_a_held_group(groups, run, [1, 2, 3, 4, 5])
    assert [len(payloads) for _, payloads in run.groups] == [1, 2, 2, 1]
    assert answers == {n: n * 10 for n in range(6)}


def test_an_outcome_that_is_an_error_is_raised_in_its_own_request_only():
    run = Blocking(lambda n: ValueError(f"refused {n}") if n == 2 else n)
    answers = behind_a_held_group(CommitGroups(run), run, [1, 2, 3])
    assert answers[1] == 1 and answers[3] == 3
    assert isinstance(answers[2], ValueError) and str(answers[2]) == "refused 2"


def test_a_group_that_fails_fails_each_of_its_requests_and_the_next_group_runs():
    calls = []

    def run(subject, payloads):
        calls.append(list(payloads))
        if len(calls) == 1:
            raise RuntimeError("the database went away")
        return payloads

    groups = CommitGroups(run)
    with pytest.raises(RuntimeError, match="went away"):
        groups.submit("motion", "first")
    assert groups.submit("motion", "second") == "second"


def test_a_run_that_answers_the_wrong_number_of_requests_fails_them():
    groups = CommitGroups(lambda subject, payloads: [])
    with pytest.raises(RuntimeError, match="0 outcomes for 1 requests"):
        groups.submit("motion", 1)
    assert groups.waiting("motion") == 0


def test_subjects_never_wait_for_each_other():
    run = Blocking()
    groups = CommitGroups(run)
    held, _ = submit_in_threads(groups, "motion 1", [0])
    assert run.running.wait(10)
    # The first subject's group is still running: another subject's request goes ahead.
    assert groups.submit("motion 2", 7) == 70
    run.release.set()
    finish(held)


class Killed(BaseException):
    """What a killed greenlet raises (gevent's GreenletExit is a BaseException too)."""


def test_a_leader_killed_mid_group_answers_its_group_and_passes_the_lead():
    entered = threading.Event()
    release = threading.Event()
    calls = []

    def run(subject, payloads):
        calls.append(list(payloads))
        if len(calls) == 1:
            entered.set()
            assert release.wait(10)
        elif len(calls) == 2:
            raise Killed()
        return payloads

    groups = CommitGroups(run)
    first, _ = submit_in_threads(groups, "motion", ["a"])
    assert entered.wait(10)
    second, answers = submit_in_threads(groups, "motion", ["b", "c"])
    wait_until(lambda: groups.waiting("motion") == 2)
    release.set()
    finish(first + second)
    # The second group's leader died with Killed; the other request of its group was
    # answered with an error instead of being left waiting, and the lead passed on.
    assert sorted(type(answer).__name__ for answer in answers.values()) == [
        "Killed",
        "RuntimeError",
    ]
    assert groups.waiting("motion") == 0
    assert groups.submit("motion", "d") == "d"
