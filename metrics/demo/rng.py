"""Named random streams derived from the one generation seed.

Every part of the generator draws from its own stream, ``stream(seed, "orders")`` and so on, so
that adding draws to one part never shifts the numbers of another part. The sub-seed is a fixed
CRC-32 of the stream's name (stable across Python runs, unlike ``hash``).
"""

from __future__ import annotations

import zlib

import numpy as np


def stream(seed: int, name: str) -> np.random.Generator:
    """A generator for the named part of the simulation, fully determined by ``seed``."""
    return np.random.default_rng([seed, zlib.crc32(name.encode("utf-8"))])
