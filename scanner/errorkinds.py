"""Kinds of recorded errors (:attr:`scanner.models.ScanError.kind`) that more than one layer reads.

Shared vocabulary: the pipeline counts an item with one of :data:`SKIP_KINDS` at its own location
as *skipped* (not *failed*), and the reports list those errors as skips, not problems.
"""

from __future__ import annotations

# An item left out on purpose (too large, excluded by a rule, of a type that is not read).
SKIP_KINDS = frozenset({"too_large", "skipped", "excluded", "unsupported"})
