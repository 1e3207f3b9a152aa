"""Text that reaches a terminal: names from the scanned sources (file, member, field, table names)
are data an attacker may choose. Two rules, applied to every uri, field or member name that is
printed:

* **no control characters**: C0 (including ESC, so no ANSI/CSI/OSC sequence), DEL, C1, and the
  Unicode line/paragraph separators and bidirectional overrides are replaced by visible escapes
  (``\\x1b``, ``\\u202e``); a backslash stays a backslash. Tab and newline are escaped too: a name
  never spans two cells or lines.
* **no markup**: text handed to rich goes in a :class:`rich.text.Text` (never parsed as markup),
  or through :func:`markup` (``rich.markup.escape``) where a markup string is built.

Also the width helpers the tables use: shortening a path in the middle (``root…/file``).
"""

from __future__ import annotations

import os
import re
import sys
from typing import TYPE_CHECKING, TextIO

from rich.markup import escape as _escape_markup
from rich.text import Text

if TYPE_CHECKING:
    from rich.console import Console, JustifyMethod

# C0 controls, DEL, C1 controls; Unicode separators and bidi embeddings/overrides/isolates,
# zero-width joiners and the BOM (they reorder or hide what follows).
_UNSAFE = re.compile(
    "[\x00-\x1f\x7f-\x9f\u2028\u2029\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]"
)
ELLIPSIS = "…"


def _visible(m: re.Match[str]) -> str:
    c = ord(m.group())
    return f"\\x{c:02x}" if c < 0x100 else f"\\u{c:04x}"


def clean(value: object) -> str:
    """``value`` as a string with every control / reordering character made visible."""
    s = value if isinstance(value, str) else str(value)
    return _UNSAFE.sub(_visible, s)


def markup(value: object) -> str:
    """Clean text, escaped for inclusion in a rich markup string."""
    return _escape_markup(clean(value))


def text(value: object, style: str = "") -> Text:
    """A rich ``Text`` of clean ``value``: rich never interprets it as markup."""
    return Text(clean(value), style=style)


def shorten_middle(value: str, width: int, *, min_head: int = 6) -> str:
    """``value`` cut to ``width`` characters by removing its middle: the start (root) and the
    end stay, joined by an ellipsis. As many whole trailing path components (``/`` or ``!/``
    separated) are kept as fit beside ``min_head`` characters of the root, so
    ``/srv/…/archive.zip!/leavers.csv``; a single component too long for that is cut in its own
    middle."""
    if width <= 0:
        return ""
    if len(value) <= width:
        return value
    if width == 1:
        return ELLIPSIS
    room = width - 1 - min_head
    tail = ""
    pos = len(value)
    while True:
        cut = value.rfind("/", 0, pos)
        if cut <= 0:
            break
        candidate = value[cut:]
        if len(candidate) > room:
            break
        tail, pos = candidate, cut
    if tail:
        return value[: width - 1 - len(tail)] + ELLIPSIS + tail
    keep = width - 1
    front = (keep + 1) // 2
    back = keep - front
    return value[:front] + ELLIPSIS + (value[-back:] if back else "")


def terminal_width(stream: TextIO | None = None, default: int = 80) -> int | None:
    """The width to render at: the terminal's when ``stream`` is one, else ``$COLUMNS`` when set,
    else ``None`` (the caller prints plain rows)."""
    stream = stream if stream is not None else sys.stdout
    env = os.environ.get("COLUMNS", "")
    if getattr(stream, "isatty", lambda: False)():
        if env.isdigit() and int(env) > 0:
            return int(env)
        try:
            return os.get_terminal_size(stream.fileno()).columns
        except (OSError, ValueError, AttributeError):
            return default
    if env.isdigit() and int(env) > 0:
        return int(env)
    return None


# -- tables that fit -----------------------------------------------------------------------------
GAP = 3  # what rich puts between two columns of the tables below (padding + rule + padding)


class Col:
    """One column of a fitted table.

    ``kind``: ``"fixed"`` cells are never broken or cut (entity names, counts, severities);
    ``"path"`` cells are shortened in the middle (root…/file) down to ``min``; ``"text"`` cells
    are shortened at the end down to ``min``; ``"dotted"`` cells (fideslang categories) are
    broken after a dot onto more lines, never inside a segment. ``priority``: lower is kept first when the width
    does not allow every column (fewer columns, never unreadable ones)."""

    def __init__(self, name: str, *, kind: str = "text", priority: int = 0, min: int = 8,
                 justify: JustifyMethod = "left", max: int | None = None) -> None:
        self.name, self.kind, self.priority, self.min = name, kind, priority, min
        self.justify, self.max = justify, max


def fit_columns(cols: list[Col], rows: list[list[str]], width: int | None
                ) -> list[tuple[int, int]]:
    """Which columns to show and how wide: ``[(index, width), ...]`` in the given order.

    ``width=None`` means unbounded (``--wide``): every column at its natural width."""
    natural = []
    for i, c in enumerate(cols):
        n = max([len(c.name), *(_cell_width(r[i]) for r in rows)])
        natural.append(min(n, c.max) if c.max else n)
    if width is None:
        return list(enumerate(natural))
    need = [natural[i] if c.kind == "fixed" else min(natural[i], max(c.min, len(c.name)))
            for i, c in enumerate(cols)]
    for i, c in enumerate(cols):
        if c.kind == "dotted":  # never narrower than its longest dotted segment
            need[i] = max(need[i], min(natural[i], max(
                [0, *(_longest_segment(r[i]) for r in rows)])))
    chosen: list[int] = []
    used = -GAP
    empty = {i for i in range(len(cols)) if rows and not any(r[i] for r in rows)}
    for i in sorted(range(len(cols)), key=lambda k: (cols[k].priority, k)):
        if i in empty and len(cols) - len(empty) > 0:
            continue  # a column with nothing in it only takes room
        if used + GAP + need[i] <= width or not chosen:
            chosen.append(i)
            used += GAP + need[i]
    chosen.sort()
    widths = {i: need[i] for i in chosen}
    spare = width - (sum(widths.values()) + GAP * (len(chosen) - 1))
    # grow the shrinkable columns towards their natural width, narrowest first
    for i in sorted((i for i in chosen if widths[i] < natural[i]), key=lambda k: natural[k]):
        grow = min(spare, natural[i] - widths[i])
        widths[i] += grow
        spare -= grow
    return [(i, max(1, widths[i])) for i in chosen]


def _longest_segment(value: str) -> int:
    """The widest piece a dotted key breaks into (each but the last keeps its dot)."""
    return max(len(seg) + (k < line.count(".")) for line in value.split("\n")
               for k, seg in enumerate(line.split(".")))


def _wrap_dotted(value: str, width: int) -> str:
    """A dotted key (``user.government_id.national_identification_number``) broken after its
    dots to fit ``width``: lines of whole segments, each but the last ending in a dot."""
    lines, cur = [], ""
    for k, seg in enumerate(value.split(".")):
        piece = seg + ("." if k < value.count(".") else "")
        if cur and len(cur) + len(piece) > width:
            lines.append(cur)
            cur = ""
        cur += piece
    lines.append(cur)
    return "\n".join(line if len(line) <= width else line[: width - 1] + ELLIPSIS
                     for line in lines)


def _cell_width(value: str) -> int:
    return max(len(line) for line in value.split("\n"))


def fit_cell(col: Col, value: str, width: int) -> str:
    """``value`` (one line or several) cut to ``width`` as its column's kind says."""
    if "\n" in value:
        return "\n".join(fit_cell(col, line, width) for line in value.split("\n"))
    if len(value) <= width or col.kind == "fixed":
        return value
    if col.kind == "dotted":
        return _wrap_dotted(value, width)
    if col.kind == "path":
        return shorten_middle(value, width)
    return value[: max(0, width - 1)] + ELLIPSIS


def render_table(console: Console, title: str, cols: list[Col], rows: list[list[str]],
                 width: int | None, *, styles: list[list[str]] | None = None,
                 note: str = "") -> None:
    """Print ``rows`` (already clean strings) on a rich console as a table that fits ``width``.

    Cells go in as :class:`rich.text.Text`: never parsed as markup."""
    from rich import box
    from rich.table import Table

    layout = fit_columns(cols, rows, width)
    console.print(Text(title, style="bold"))
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
    for i, w in layout:
        c = cols[i]
        table.add_column(Text(c.name), width=w, no_wrap=True, overflow="ellipsis",
                         justify=c.justify)
    for r, row in enumerate(rows):
        cells = []
        for i, w in layout:
            style = styles[r][i] if styles else ""
            cells.append(Text(fit_cell(cols[i], row[i], w), style=style))
        table.add_row(*cells)
    console.print(table)
    shown = {k for k, _ in layout}
    hidden = [cols[i].name for i in range(len(cols))
              if i not in shown and any(r[i] for r in rows)]
    if hidden or note:
        parts = [note] if note else []
        if hidden:
            parts.append(f"not shown at this width: {', '.join(hidden)} (--wide shows them)")
        console.print(Text("; ".join(parts), style="dim"))


def plain_rows(stream: TextIO, cols: list[Col], rows: list[list[str]]) -> None:
    """Tab-separated rows with a header line: for pipes (``grep``, ``cut``, ``sort``)."""
    stream.write("\t".join(c.name for c in cols) + "\n")
    stream.writelines("\t".join(v.replace("\n", ", ") for v in row) + "\n" for row in rows)
