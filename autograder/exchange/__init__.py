"""nbgrader's exchange in a kit course: collecting through the kit's intake, the kit's
feedback page as nbgrader's feedback, and the hub set-up (`make hub`)."""
