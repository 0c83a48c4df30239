"""Hidden checks: every autograded item run in the sandbox and judged against the reference."""
