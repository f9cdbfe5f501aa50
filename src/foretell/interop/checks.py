"""Checking imported payloads against their question by the rules of typed input, quickly.

The checks live in ``foretell.values`` (shared with the write path, which must not import
pydantic); this module keeps the names the importers use.
"""

from foretell.values import fit_payload, level_key, slow_fit

__all__ = ["fit_payload", "level_key", "slow_fit"]
