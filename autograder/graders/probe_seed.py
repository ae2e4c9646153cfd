"""Secret probe inputs: each grading feeds 02's functions data that no student can know in advance.

The notebooks' check cells use function_probes.make_inputs() (seed 0): public, and harmless, because a
check cell earns no points. The hidden checks use inputs seeded from a secret of the instructor's (a
key in the cache folder, mode 600, never shipped, unreachable for an isolated child) and the student
id: a function that returns the public answers as constants fails, while the same submission graded
again by the same instructor gets the same inputs, and so the same messages.
"""
from __future__ import annotations

import hmac
import os
import secrets
import sys
from pathlib import Path

KEY_FILE = "probe-key"
KEY_BYTES = 32


def instructor_key(folder: Path) -> str:
    """The instructor's probe key (hex) from folder/probe-key, made on first use. A folder that cannot
    hold it gives a key for this batch alone: only the messages' numbers may then differ between batches."""
    path = folder / KEY_FILE
    try:
        key = path.read_text(encoding="ascii").strip()
        if len(bytes.fromhex(key)) == KEY_BYTES:
            return key
    except (OSError, ValueError):
        pass
    key = secrets.token_hex(KEY_BYTES)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="ascii") as f:
            f.write(key)
    except FileExistsError:  # another batch made it first: take theirs
        return instructor_key(folder) if path.is_file() else key
    except OSError as exc:
        print(f"note: the probe key cannot be kept in {folder} ({exc.strerror}): this batch uses a key of its own",
              file=sys.stderr)
    return key


def probe_seed(key: str, student: str) -> int:
    """The seed of student's probe inputs: a keyed hash, so neither the key nor another student's seed
    can be derived from it. An empty key (a set-up made by hand) gives a fresh random seed."""
    if not key:
        return secrets.randbits(62)
    digest = hmac.new(bytes.fromhex(key), student.encode("utf-8", "surrogatepass"), "sha256").digest()
    return int.from_bytes(digest[:8], "big") >> 2
