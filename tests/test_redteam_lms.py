"""Red-team findings on --roster and `grader export`: names as macOS and a spreadsheet write them."""
from __future__ import annotations

from grader.course.roster import load_roster
from grader.course.submission import list_entries


def test_a_roster_name_matches_the_folder_whatever_its_unicode_form(tmp_path):
    # Found: macOS zips and file systems store "José" decomposed (e + U+0301), a spreadsheet
    # stores it composed; grade's id was "Jose_" and the roster's "Jos_", so the student got
    # 0 in the LMS export ("no submission") although their work was graded.
    (tmp_path / "subs" / "Jose\u0301").mkdir(parents=True)
    roster = tmp_path / "roster.csv"
    roster.write_text("submission,name,email\nJos\u00e9,Jos\u00e9 Diaz,jose@example.edu\n", encoding="utf-8")
    ids = [sid for sid, _ in list_entries(tmp_path / "subs").students]
    match = load_roster(roster).match(ids)
    assert not match.missing and not match.unknown and match.pairs[0][1] == ids[0]
