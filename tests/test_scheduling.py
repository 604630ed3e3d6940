"""The task queue: every student once per assignment, costly first, tasks shrinking, estimates learnt."""
from __future__ import annotations

from grader.engine.scheduling import MAX_TASK_SECONDS, TaskQueue


def drain(queue: TaskQueue, true_cost: dict[str, float] | None = None) -> list[tuple[str, range]]:
    tasks = []
    while (task := queue.next()) is not None:
        tasks.append(task)
        if true_cost:
            queue.done(task[0], len(task[1]), true_cost[task[0]] * len(task[1]))
    return tasks


def test_every_student_is_graded_once_per_assignment():
    queue = TaskQueue(students=137, slots=2)
    for aid, cost in (("cheap", 0.05), ("mid", 0.3), ("xor", 1.4)):
        queue.add(aid, cost)
    tasks = drain(queue)
    for aid in ("cheap", "mid", "xor"):
        covered = sorted(i for a, r in tasks if a == aid for i in r)
        assert covered == list(range(137))
    assert not queue


def test_costliest_assignment_first_and_tasks_shrink_toward_the_end():
    queue = TaskQueue(students=200, slots=2)
    queue.add("cheap", 0.05)
    queue.add("xor", 1.4)
    tasks = drain(queue)
    assert tasks[0][0] == "xor"
    assert [a for a, _ in tasks] == sorted((a for a, _ in tasks), key=lambda a: a != "xor")
    seconds = [len(r) * {"cheap": 0.05, "xor": 1.4}[a] for a, r in tasks]
    assert max(seconds) <= MAX_TASK_SECONDS + 1.4
    assert seconds[-1] < seconds[0] / 4  # small grains last: slots finish together


def test_a_wrong_first_guess_is_replaced_by_what_tasks_took():
    queue = TaskQueue(students=100, slots=2)
    queue.add("xor", 0.1)  # the reference trains fast; students take 1.5 s each
    first = queue.next()
    assert first is not None
    queue.done("xor", len(first[1]), 1.5 * len(first[1]))
    second = queue.next()
    assert second is not None and len(second[1]) * 1.5 <= MAX_TASK_SECONDS + 1.5
    assert len(second[1]) < len(first[1])


def test_no_students_no_tasks():
    queue = TaskQueue(students=0, slots=2)
    queue.add("cheap", 0.1)
    assert queue.next() is None and not queue
