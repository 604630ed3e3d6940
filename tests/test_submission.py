"""Reading submissions: folders and zips, with links and escapes refused."""
from __future__ import annotations

import os
import stat
import zipfile

import pytest

from grader.course.submission import list_entries, read_submission, safe_name
from grader.errors import UsageError

IDS = ["tensor_creation"]


def make_zip(path, members):
    with zipfile.ZipFile(path, "w") as z:
        for name, data in members.items():
            z.writestr(name, data)
    return path


def test_folder_and_nested_folder(tmp_path):
    (tmp_path / "tensor_creation.py").write_text("x = 1\n")
    sub = read_submission("a", tmp_path, IDS)
    assert sub.files["tensor_creation"].data == b"x = 1\n"
    nested = tmp_path / "b"
    (nested / "work").mkdir(parents=True)
    (nested / "work" / "tensor_creation.py").write_text("y = 2\n")
    assert read_submission("b", nested, IDS).files["tensor_creation"].data == b"y = 2\n"


def test_zip_with_a_top_folder(tmp_path):
    z = make_zip(tmp_path / "s.zip", {"alice/tensor_creation.py": "x = 1\n", "__MACOSX/._x": "junk"})
    assert read_submission("s", z, IDS).files["tensor_creation"].data == b"x = 1\n"


@pytest.mark.parametrize("member", ["../tensor_creation.py", "/etc/tensor_creation.py", "a/../../x.py", "C:/x.py"])
def test_zip_members_outside_the_archive_are_refused(tmp_path, member):
    z = make_zip(tmp_path / "s.zip", {member: "x", "tensor_creation.py": "x = 1\n"})
    sub = read_submission("s", z, IDS)
    assert sub.problem and "outside the archive" in sub.problem and not sub.files


def test_zip_symlink_member_is_refused(tmp_path):
    z = tmp_path / "s.zip"
    with zipfile.ZipFile(z, "w") as archive:
        info = zipfile.ZipInfo("tensor_creation.py")
        info.external_attr = (stat.S_IFLNK | 0o777) << 16
        archive.writestr(info, "/etc/hostname")
    assert "symbolic link" in read_submission("s", z, IDS).problem


def test_zip_bomb_is_refused_without_inflating_it(tmp_path):
    z = tmp_path / "s.zip"
    with zipfile.ZipFile(z, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("tensor_creation.py", b"#" * (300 * 2**20))
    sub = read_submission("s", z, IDS)
    assert sub.problem and "MiB" in sub.problem


def test_not_a_zip(tmp_path):
    bad = tmp_path / "s.zip"
    bad.write_bytes(b"this is not a zip")
    assert "not a readable zip" in read_submission("s", bad, IDS).problem


def test_symlinked_file_is_refused_not_followed(tmp_path):
    os.symlink("/etc/hostname", tmp_path / "tensor_creation.py")
    sub = read_submission("s", tmp_path, IDS)
    assert "symbolic link" in sub.problems["tensor_creation"] and not sub.files


def test_both_py_and_ipynb_prefers_py_and_says_so(tmp_path):
    (tmp_path / "tensor_creation.py").write_text("x = 1\n")
    (tmp_path / "tensor_creation.ipynb").write_text("{}")
    sub = read_submission("s", tmp_path, IDS)
    assert sub.files["tensor_creation"].name == "tensor_creation.py"
    assert "tensor_creation.py was graded" in sub.notes["tensor_creation"]


def test_entries_skip_links_and_stray_files_and_sort(tmp_path):
    (tmp_path / "zoe").mkdir()
    (tmp_path / "adam").mkdir()
    make_zip(tmp_path / "bea.zip", {"tensor_creation.py": "x"})
    (tmp_path / "notes.txt").write_text("hi")
    os.symlink(tmp_path / "zoe", tmp_path / "link")
    entries, skipped, _ = list_entries(tmp_path)
    assert [e[0] for e in entries] == ["adam", "bea", "zoe"]
    assert any("notes.txt" in s for s in skipped) and any("link" in s for s in skipped)


def test_empty_submissions_folder_is_a_usage_error(tmp_path):
    with pytest.raises(UsageError):
        list_entries(tmp_path)


@pytest.mark.parametrize("raw,safe", [("alice", "alice"), ("../x", "_x"), ("a b;rm -rf", "a_b_rm_-rf"), (".hidden", "hidden")])
def test_safe_names(raw, safe):
    assert safe_name(raw) == safe


def _broken_zip(path, how):
    """A zip that zipfile opens or reads with an error of another kind than BadZipFile."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("tensor_creation.py", "x = 1\n" * 2000)
    data, name = bytearray(path.read_bytes()), b"tensor_creation.py"
    if how == "name not UTF-8":  # the UTF-8 flag on a name that is not: UnicodeDecodeError on opening
        for signature, flag in ((b"PK\x03\x04", 7), (b"PK\x01\x02", 9)):
            i = data.find(signature)
            data[i + flag] |= 0x08
            data[data.find(name, i)] = 0xFF
    else:  # a garbage deflate stream: zlib.error on reading
        start = data.find(b"PK\x03\x04") + 30 + len(name)
        data[start:start + 20] = b"\xff" * 20
    path.write_bytes(data)


@pytest.mark.parametrize("how", ["name not UTF-8", "garbage compressed data"])
def test_a_broken_zip_is_that_students_problem(tmp_path, how):
    _broken_zip(tmp_path / "mallory.zip", how)
    sub = read_submission("mallory", tmp_path / "mallory.zip", ["tensor_creation"])
    assert sub.problem == "mallory.zip is not a readable zip archive"


def test_names_in_messages_cannot_start_a_line(tmp_path):
    # A file name with a newline would put a GitHub workflow command at the start of a line
    # the grade command prints, and an escape sequence would reach the terminal.
    (tmp_path / "good").mkdir()
    (tmp_path / "evil\n::error::INJECTED\x1b]0;title\x07.txt").write_text("x")
    entries = list_entries(tmp_path)
    assert len(entries.skipped) == 1
    line = entries.skipped[0]
    assert "\n" not in line and "\x1b" not in line and "\x07" not in line and "INJECTED" in line
