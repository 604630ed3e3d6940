"""What a course and a submission are: the catalogue of assignments, students' files and
notebooks. Grader side; runs no student code."""
