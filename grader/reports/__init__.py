"""Everything the grader writes for people: gradebook, Gradescope and JUnit files, GitHub
annotations, terminal text and the HTML reports. Reads results; knows nothing of the
sandbox or the engine."""
