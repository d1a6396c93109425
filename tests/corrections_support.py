"""Helpers shared by the corrections tests: reading a page's form as a browser would send it, and
checking an Atom document against RFC 4287's required elements."""

from __future__ import annotations

import datetime as dt
from html.parser import HTMLParser
from xml.etree import ElementTree as ET

from geo_service.changefeed import ATOM


class _FormReader(HTMLParser):
    """The fields of the form whose action contains ``action``, as a browser would submit them:
    text inputs and hidden fields with their value, checked radios and boxes, selected options
    (else the first option), textareas."""

    def __init__(self, action: str):
        super().__init__()
        self.action, self.inside, self.fields = action, False, {}
        self._select = self._textarea = None
        self._first_option = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.inside = self.action in (a.get("action") or "")
        if not self.inside:
            return
        name = a.get("name")
        if tag == "input" and name:
            kind = a.get("type", "text")
            if kind in ("radio", "checkbox"):
                if "checked" in a:
                    self.fields.setdefault(name, []).append(a.get("value", "on"))
            elif kind != "submit":
                self.fields.setdefault(name, []).append(a.get("value") or "")
        elif tag == "select" and name:
            self._select, self._first_option = name, None
        elif tag == "option" and self._select:
            if self._first_option is None:
                self._first_option = a.get("value", "")
            if "selected" in a:
                self.fields[self._select] = [a.get("value", "")]
        elif tag == "textarea" and name:
            self._textarea = name
            self.fields[name] = [""]

    def handle_data(self, data):
        if self._textarea:
            self.fields[self._textarea][0] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "select" and self._select:
            self.fields.setdefault(self._select, [self._first_option or ""])
            self._select = None
        elif tag == "textarea":
            self._textarea = None


def form_fields(html: str, action: str) -> dict[str, list[str]]:
    reader = _FormReader(action)
    reader.feed(html)
    return reader.fields


def assert_valid_atom(body: bytes, entries: int | None = None) -> ET.Element:
    """RFC 4287's required elements: the feed's id, title, updated and an author (of the feed);
    each entry's id, title, updated, and an alternate link or a content; ids are absolute IRIs,
    dates RFC 3339 instants."""
    root = ET.fromstring(body)
    a = {"a": ATOM}
    assert root.tag == f"{{{ATOM}}}feed"
    for element in (root, *root.findall("a:entry", a)):
        for tag in ("id", "title", "updated"):
            assert len(element.findall(f"a:{tag}", a)) == 1, f"{element.tag} needs one {tag}"
        assert ":" in element.findtext("a:id", namespaces=a)
        dt.datetime.strptime(element.findtext("a:updated", namespaces=a), "%Y-%m-%dT%H:%M:%SZ")
    assert root.find("a:author/a:name", a) is not None
    for entry in root.findall("a:entry", a):
        assert entry.find("a:link[@rel='alternate']", a) is not None or entry.find("a:content", a) is not None
    if entries is not None:
        assert len(root.findall("a:entry", a)) == entries
    return root
