"""Student side: the fork server (and, as an ordinary user, a supervisor) and the worker that imports a student's
code, and the isolation layers they apply. Imports nothing of grader but grader.sandbox,
grader.wire and grader.errors (import-linter keeps it so): nothing of the checks, the
reference or expected values can be in these processes."""
