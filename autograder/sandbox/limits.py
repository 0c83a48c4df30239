"""Resource limits of a sandbox process, and how to apply them."""

import resource
from dataclasses import dataclass


@dataclass(frozen=True)
class Limits:
    """Limits of one sandbox process.

    - wall_seconds: the process is killed after this long (the grader's clock)
    - cpu_seconds: RLIMIT_CPU, the kernel stops the process past it
    - memory_bytes: RLIMIT_AS, the address space (numpy's BLAS reserves some)
    - file_bytes: RLIMIT_FSIZE, the largest file it may write (outputs, logs)
    """

    wall_seconds: float = 30.0
    cpu_seconds: int = 60
    memory_bytes: int = 4 << 30
    file_bytes: int = 64 << 20

    def scaled(self, factor: float) -> "Limits":
        """The same limits with factor times the time."""
        return Limits(
            self.wall_seconds * factor,
            int(self.cpu_seconds * factor),
            self.memory_bytes,
            self.file_bytes,
        )

    def apply(self) -> None:
        """Set the limits on the current process (called in the child before exec)."""
        resource.setrlimit(resource.RLIMIT_CPU, (self.cpu_seconds, self.cpu_seconds))
        resource.setrlimit(resource.RLIMIT_AS, (self.memory_bytes, self.memory_bytes))
        resource.setrlimit(resource.RLIMIT_FSIZE, (self.file_bytes, self.file_bytes))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
