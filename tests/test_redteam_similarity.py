"""Red-team findings on `grader similarity` and its outputs in DIR."""
from __future__ import annotations

from grader.course.submission import list_entries
from grader.reports.outputs import reserved_names


def test_a_student_cannot_take_the_name_of_a_similarity_output(tmp_path):
    # Found: a student folder named similarity.html became DIR/similarity.html/ under
    # `grade`, and `grader similarity --out DIR` then crashed (IsADirectoryError), no outputs.
    subs = tmp_path / "subs"
    for name in ("similarity.html", "Similarity.CSV"):
        (subs / name).mkdir(parents=True)
    entries = list_entries(subs, reserved_names(tmp_path / "out"))
    ids = {sid.lower() for sid, _ in entries.students}
    assert len(ids) == 2 and not ids & {"similarity.html", "similarity.csv"}
