"""Reports and exports: feedback pages, grades.csv, the LMS files and the check that they agree."""
