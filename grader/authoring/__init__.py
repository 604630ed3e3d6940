"""What a course's assignments import: checks (points, expect_*), probes (need) and
mutants (known-wrong solutions). The API a course author writes against."""
