"""Resource limits of a sandbox process, and how to apply them.

Change a limit here (the defaults) or per item in its file under
autograder/checks/items/ (`seconds`, the item's wall-clock time; a job's time limits
are scaled to the sum of its items'). docs/sandbox.md lists them all.
"""

import resource
from dataclasses import dataclass


@dataclass(frozen=True)
class Limits:
    """Limits of one sandbox process.

    - wall_seconds: the process is killed after this long (the grader's clock)
    - cpu_seconds: RLIMIT_CPU, the kernel stops the process past it
    - memory_bytes: RLIMIT_AS, the address space of each process (numpy's BLAS
      reserves some); with `processes` it bounds the memory a job can take
    - file_bytes: RLIMIT_FSIZE, the largest file it may write (outputs, logs)
    - processes: RLIMIT_NPROC, processes and threads of the sandbox user (the
      runner needs one; a fork bomb stops here)
    """

    wall_seconds: float = 30.0
    cpu_seconds: int = 60
    memory_bytes: int = 3 << 30
    file_bytes: int = 64 << 20
    processes: int = 4

    def scaled(self, factor: float) -> "Limits":
        """The same limits with factor times the time."""
        return Limits(
            self.wall_seconds * factor,
            int(self.cpu_seconds * factor),
            self.memory_bytes,
            self.file_bytes,
            self.processes,
        )

    def apply(self) -> None:
        """Set the limits on the current process (called in the child before exec).

        RLIMIT_NPROC counts every process of the user: it binds the sandbox user of
        the jail; root ignores it; an unjailed grader's user keeps its own processes
        but the student's code cannot start new ones.
        """
        resource.setrlimit(resource.RLIMIT_CPU, (self.cpu_seconds, self.cpu_seconds))
        resource.setrlimit(resource.RLIMIT_AS, (self.memory_bytes, self.memory_bytes))
        resource.setrlimit(resource.RLIMIT_FSIZE, (self.file_bytes, self.file_bytes))
        resource.setrlimit(resource.RLIMIT_NPROC, (self.processes, self.processes))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
