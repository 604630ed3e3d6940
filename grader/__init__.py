"""grader: an autograder for PyTorch courses."""
__version__ = "0.1.0"
# The name pip knows it by (pyproject's `name`): `grader` on PyPI is another project.
DISTRIBUTION = "torchgrader"
