"""Text and sizes from the sandbox are made safe once, where they cross (THREATS 58, 63)."""
from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest
from helpers import ROOT, grade_source

from grader.engine.workers import failure_from_error
from grader.reports.outputs import write_batch
from grader.results import StudentResult
from grader.wire import boundary, transport

NASTY = "a\udc80b\x1b[31m\x00\r\nc\td\u202e\x85"


def test_clean_text_replaces_what_no_writer_can_take():
    text = boundary.clip(NASTY, 100)
    assert text == "a\ufffdb\ufffd[31m\ufffd\nc\td\ufffd\ufffd"
    text.encode("utf-8")  # would raise on a lone surrogate


def test_clip_says_what_was_cut_and_clipping_twice_changes_nothing():
    once = boundary.clip("z" * 12_000_000, boundary.NAME)
    assert once == "z" * 120 + "[... 11999880 characters cut]"
    assert boundary.clip(once, boundary.NAME) == once
    assert boundary.clip("short", 3) == "short"  # within the marker's room: kept whole


def test_notes_are_capped_in_number_and_size():
    notes = boundary.cap_notes(["n" * 80_000] * 50)
    assert len(notes) == 21 and notes[-1] == "... and 30 more"
    assert max(map(len, notes)) < boundary.MESSAGE + 40
    assert boundary.cap_notes(notes) == notes
    assert boundary.cap_notes("not a list") == []


def test_a_reply_is_cleaned_field_by_field():
    reply = boundary.clean_reply({
        "error": {"kind": "raised", "type": "\udc80" * 10**6, "message": "m" * 10**6,
                  "function": "z" * 12_000_000, "where": "line 3, in " + "z" * 12_000_000, "line": "7"},
        "ok": {"k\udc80": [transport.Opaque("T" * 10**6), "v" * 10**6]},
        "notes": ["x\x1b"] * 3})
    err = reply["error"]
    assert len(err["type"]) < 200 and len(err["function"]) < 200 and len(err["where"]) < 300
    assert err["line"] is None and err["type"].startswith("\ufffd")
    (key, (opaque, text)), = reply["ok"].items()
    assert key == "k\ufffd" and len(opaque.type_name) < 200 and len(text) < boundary.VALUE + 40
    assert reply["notes"] == ["x\ufffd"] * 3
    message = failure_from_error(err, "make_zeros()").message
    assert len(message) < 1_200 and "characters cut" in message


def test_an_unreadable_error_description_is_still_an_error():
    failure = failure_from_error(boundary.clean_error(["not", "a", "dict"]), "f()")
    assert failure.kind == "raised" and "cannot be read" in failure.message


def _frame(header: bytes) -> bytes:
    head = header + b"\n[]"
    return transport.HEADER.pack(len(head), 0) + head


@pytest.mark.parametrize("header, words", [
    (b"[" + b"0," * (3 * 2**20) + b"0]", "too large"),
    (b"[" + b"[]," * 60_000 + b"[]]", "too complex"),
], ids=["size", "containers"])
def test_an_over_cap_header_is_refused_before_parsing(monkeypatch, header, words):
    def no_parse(*args, **kwargs):
        raise AssertionError("json.loads ran on an over-cap header")

    monkeypatch.setattr(transport, "_loads", no_parse)
    with pytest.raises(transport.AnswerTooLarge, match=words):
        transport.decode(_frame(header))


def test_an_ordinary_answer_is_within_the_caps():
    value = {"losses": [0.5] * 1000, "state": {f"layer{i}.weight": (1, 2.0, "x") for i in range(500)}}
    assert transport.decode(transport.encode(value)) == value


def test_a_frame_bomb_costs_the_grader_its_size_not_gigabytes():
    """The receiving path (framing, transport) on a 63 MB `[{},{},...]` frame, in a fresh process."""
    script = textwrap.dedent("""
        import os, resource, socket, struct, time
        from grader.wire import transport
        from grader.wire.framing import recv_frame
        a, b = socket.socketpair()
        if os.fork() == 0:
            a.close()
            head = b"[" + b"{}," * 20_999_999 + b"{}]" + b"\\n[]"
            payload = struct.pack("!II", len(head), 0) + head
            b.sendall(struct.pack("!Q", len(payload)) + payload)
            os._exit(0)
        b.close()
        base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        try:
            transport.decode(recv_frame(a, time.monotonic() + 60, max_bytes=64 * 2**20 + 4096))
        except transport.AnswerTooLarge:
            pass
        print((resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - base) // 1024)
    """)
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert out.returncode == 0, out.stderr
    assert int(out.stdout) < 150  # MiB: the frame itself (63 MB), once; it was 1.7 GB


HOSTILE_MODULE = (ROOT / "reference" / "tensor_creation.py").read_text() + r'''
import sys
sys.stdout.buffer.write(b"\x1b[2J\x07 \xed\xb2\x80 raw surrogate bytes\r\n")
sys.stdout.flush()


def make_zeros(rows, cols):
    raise ValueError("\udc80" * 1000)


make_zeros.__code__ = make_zeros.__code__.replace(co_name="\udc80" * 200_000)


class Weird:
    pass


Weird.__qualname__ = "\udc80" * 300


def make_ones(rows, cols):
    return Weird()
'''


def test_a_batch_of_text_no_writer_could_encode_is_written(grader, tmp_path):
    """Every text field of these results came through the boundary with surrogates and escapes."""
    module = grade_source(grader, "tensor_creation", HOSTILE_MODULE)
    notebook = json.dumps({"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [
        {"cell_type": "code", "execution_count": None, "id": "a", "metadata": {}, "outputs": [],
         "source": HOSTILE_MODULE + "\n%time \udc80\x1b\n"}]}).encode()
    nb = grade_source(grader, "tensor_creation", notebook, name="tensor_creation.ipynb")
    assert module.score == nb.score == 8  # the make_zeros/make_ones check fails; the rest is graded
    results = [StudentResult("alice", (module,)), StudentResult("bob", (nb,))]
    out = tmp_path / "out"
    write_batch(out, [grader.course.get("tensor_creation")], results, 1.0, junit=tmp_path / "junit.xml")
    alice = (out / "alice" / "results.json").read_text(encoding="utf-8")
    assert json.loads(alice)["score"] == 8.0
    assert "\ufffd" in alice and "characters cut" in alice
    assert "\x1b" not in (out / "alice" / "report.html").read_text(encoding="utf-8")
    assert "`%time \ufffd\ufffd` was not run" in (out / "bob" / "report.html").read_text(encoding="utf-8")
    for path in out.rglob("*"):
        assert not path.is_file() or path.stat().st_size < 200_000, path
