"""The error of input the grader refuses before it does any work."""


class UsageError(ValueError):
    """Input the grader refuses before doing any work (the message is one line)."""
