"""JUnit XML: one <testsuite> per student and assignment, one <testcase> per check."""
from __future__ import annotations

import xml.etree.ElementTree as ET

from grader.results import Status, StudentResult


def to_junit(results: list[StudentResult]) -> str:
    """The results as JUnit XML: a testsuite per student and assignment, a testcase per check."""
    root = ET.Element("testsuites", name="grader")
    totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    for r in results:
        for a in r.assignments:
            suite = ET.SubElement(root, "testsuite", name=f"{r.student}.{a.assignment_id}")
            counts = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
            for c in a.checks:
                case = ET.SubElement(suite, "testcase", classname=f"{r.student}.{a.assignment_id}",
                                     name=c.title, time="0")
                ET.SubElement(case, "properties")
                prop = case.find("properties")
                assert prop is not None
                ET.SubElement(prop, "property", name="points", value=f"{c.score:g}/{c.max_score:g}")
                counts["tests"] += 1
                text = c.feedback("\n")
                if c.status is Status.FAILED:
                    counts["failures"] += 1
                    ET.SubElement(case, "failure", message=c.message, type="wrong answer").text = text
                elif c.status in (Status.ERROR, Status.TIMEOUT):
                    counts["errors"] += 1
                    ET.SubElement(case, "error", message=c.message, type=c.status.value).text = text
                elif c.status in (Status.SKIPPED, Status.NOT_RUN):  # not run: the message says why
                    counts["skipped"] += 1
                    ET.SubElement(case, "skipped", message=c.message)
            for key, value in counts.items():
                suite.set(key, str(value))
                totals[key] += value
    for key, value in totals.items():
        root.set(key, str(value))
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
