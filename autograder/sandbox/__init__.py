"""Stage 3: run one submission's definitions in a locked-down child process and collect its artifacts."""
from autograder.sandbox.run_child import ChildRun, run_child

__all__ = ["ChildRun", "run_child"]
