"""Release: the student files, the solution and the student zip, from the instructor sources."""
