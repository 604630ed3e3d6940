"""Grading: starts the fork server, hands each submission to a sandboxed worker, runs the
checks in this (trusted) process and turns answers into results. Never imports
grader.sandbox: it reaches it only through the wire (grader.wire) and a boot line."""
