"""JSON (``piiscout.scan/1``, documented in docs/json-schema.md) and JSON Lines, both written
as the findings arrive: memory does not grow with their number, and the file is flushed every
:data:`FLUSH_EVERY` findings so that what a killed scan leaves is valid up to its last line.

The JSON document is the same object as :meth:`ScanResult.to_dict` (same keys and values, the same
two-space layout) with its keys in the order they can be known: ``schema``, the ``findings``
array, then ``errors`` and the ``scan`` summary (its end time and counts come last)."""

from __future__ import annotations

import json
import json.encoder
from typing import Any, TextIO

from scanner.models import SCHEMA_VERSION, Finding, ScanResult

FLUSH_EVERY = 500


def write_json(result: ScanResult, stream: TextIO, *, color: bool = False) -> None:
    writer = JsonStream(stream)
    for f in result.findings:
        writer.finding(f)
    writer.end(result)


def _nested_reference(value: object, indent: int) -> str:
    """``value`` as ``json.dump(..., indent=2)`` writes it at nesting depth ``indent`` / 2: the
    reference for :func:`_nested` (tests/scanner/reports/test_json_stream.py compares them)."""
    text = json.dumps(value, indent=2, ensure_ascii=False)
    return text.replace("\n", "\n" + " " * indent)


_string = json.encoder.encode_basestring  # the C function when _json is there
_CONSTANTS = {True: "true", False: "false", None: "null"}


def _nested(value: Any, indent: int) -> str:
    """What :func:`_nested_reference` writes, built directly: ``json.dumps`` with an indent falls
    back to the pure-Python encoder, which was a tenth of a dense scan's parent CPU. Strings go
    through the same C escaping; anything but str keys and str/int/float/bool/None/list/tuple/dict
    values goes to the reference. (``value`` is Any: ``typing.cast`` is a call, a million of them
    in a dense scan.)"""
    if value is None or value is True or value is False:
        return _CONSTANTS[value]
    t = type(value)
    if t is str:
        return _string(value)
    if t is int:
        return int.__repr__(value)
    if t is float:
        return float.__repr__(value) if value == value and value not in (_INF, -_INF) \
            else json.dumps(value)
    pad = "\n" + " " * (indent + 2)
    if t is dict:
        if not value:
            return "{}"
        if any(type(k) is not str for k in value):
            return _nested_reference(value, indent)
        body = ("," + pad).join(_string(k) + ": " + _nested(v, indent + 2)
                                for k, v in value.items())
        return "{" + pad + body + "\n" + " " * indent + "}"
    if t is list or t is tuple:
        if not value:
            return "[]"
        body = ("," + pad).join(_nested(v, indent + 2) for v in value)
        return "[" + pad + body + "\n" + " " * indent + "]"
    return _nested_reference(value, indent)


_INF = float("inf")


def _finding_reference(f: Finding, indent: int) -> str:
    """``_nested(f.to_dict(), indent)``: what :func:`_finding` writes (the tests compare them)."""
    return _nested(f.to_dict(), indent)


_PADS: dict[int, tuple[str, str, str]] = {}


def _pads(indent: int) -> tuple[str, str, str]:
    pads = _PADS.get(indent)
    if pads is None:
        pads = _PADS[indent] = ("\n" + " " * (indent + 2), "\n" + " " * (indent + 4),
                                "\n" + " " * indent + "}")
    return pads


def _scalar(value: Any) -> str:
    """A number or constant as :func:`_nested` writes it (bool before int: True is an int)."""
    if value is None or value is True or value is False:
        return _CONSTANTS[value]
    t = type(value)
    if t is int:
        return int.__repr__(value)
    if t is float and value == value and value != _INF and value != -_INF:
        return float.__repr__(value)
    return _nested(value, 0)


def _attribute(value: Any, indent: int) -> str:
    """An attribute's value at ``indent`` as :func:`_nested` writes it (most are str or int)."""
    t = type(value)
    if t is str:
        return _string(value)
    if t is int:
        return int.__repr__(value)
    return _nested(value, indent)


def _finding(f: Finding, indent: int) -> str:
    """``_nested(f.to_dict(), indent)``, spelled out for the one shape every finding has, as one
    f-string (a list of sixty parts joined cost twice as much)."""
    p1, p2, end = _pads(indent)
    loc = f.location
    line, field, clauses, attributes = loc.line, loc.field, f.clauses, f.attributes
    text = (
        f'{{{p1}"location": {{{p2}"uri": {_string(loc.uri)},{p2}"line": '
        f'{"null" if line is None else _scalar(line)},{p2}"field": '
        f'{"null" if field is None else _string(field)}{p1}}},{p1}"entity": {_string(f.entity)},'
        f'{p1}"category": {_string(f.category)},{p1}"score": {_scalar(round(f.score, 4))},'
        f'{p1}"severity": {_string(f.severity._value_)},{p1}"detector": {_string(f.detector)},'
        f'{p1}"explanation": {_string(f.explanation)},{p1}"preview": {_string(f.preview)},'
        f'{p1}"value_hash": {_string(f.value_hash)},{p1}"linked": {_scalar(f.linked)},'
        f'{p1}"clauses": '
    )
    # clauses and attributes as _nested(list(...)) and _nested(dict(...)) at indent + 2 write
    # them: their items at p2, the closing bracket at p1 (a clause not a str: TypeError)
    text += f'[{p2}{f",{p2}".join(map(_string, clauses))}{p1}]' if clauses else "[]"
    if attributes:
        if any(type(k) is not str for k in attributes):
            raise TypeError("attribute keys are not all str")
        inner = indent + 4
        body = f",{p2}".join([_string(k) + ": " + _attribute(v, inner)
                              for k, v in attributes.items()])
        text += f',{p1}"attributes": {{{p2}{body}{p1}}}'
    return text + end


def _finding_checked(f: Finding, indent: int) -> str:
    # The spelled-out shape takes str fields (the C escaping refuses anything else, as a
    # TypeError) and a Severity (a plain string has no ``_value_``); a finding built with
    # other types takes the generic path.
    try:
        return _finding(f, indent)
    except (TypeError, AttributeError):
        return _nested(f.to_dict(), indent)


class JsonStream:
    """The JSON report written incrementally: header, each finding, then errors and totals."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.count = 0
        stream.write('{\n  "schema": ' + json.dumps(SCHEMA_VERSION) + ',\n  "findings": [')

    def finding(self, f: Finding) -> None:
        self.stream.write(("\n    " if self.count == 0 else ",\n    ")
                          + _finding_checked(f, 4))
        self.count += 1
        if self.count % FLUSH_EVERY == 0:
            self.stream.flush()

    def end(self, result: ScanResult) -> None:
        self.stream.write(("\n  ]" if self.count else "]")
                          + ',\n  "errors": ' + _nested([e.to_dict() for e in result.errors], 2)
                          + ',\n  "scan": ' + _nested(result.scan_dict(), 2) + "\n}\n")
        self.stream.flush()


def write_jsonl(result: ScanResult, stream: TextIO, *, color: bool = False) -> None:
    """One object per line: each finding, then each error, then the scan summary."""
    writer = JsonlStream(stream)
    for f in result.findings:
        writer.finding(f)
    writer.end(result)


class JsonlStream:
    """JSON Lines written as findings arrive; the scan summary line comes last."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.count = 0

    def finding(self, f: Finding) -> None:
        self.stream.write(json.dumps({"type": "finding", **f.to_dict()}, ensure_ascii=False) + "\n")
        self.count += 1
        if self.count % FLUSH_EVERY == 0:
            self.stream.flush()

    def end(self, result: ScanResult) -> None:
        self.stream.writelines(
            json.dumps({"type": "error", **e.to_dict()}, ensure_ascii=False) + "\n"
            for e in result.errors
        )
        summary = {"type": "scan", "schema": SCHEMA_VERSION, **result.scan_dict()}
        self.stream.write(json.dumps(summary, ensure_ascii=False) + "\n")
        self.stream.flush()
