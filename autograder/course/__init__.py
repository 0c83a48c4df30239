"""The nbgrader course and the grading run: each student graded into it, its records read back."""
