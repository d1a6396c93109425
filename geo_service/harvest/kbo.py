"""The KBO/BCE Open Data extract (FPS Economy), read as published: a zip of quoted CSV files.

The monthly full extract is about 2 GB of CSV (``activity.csv`` alone tens of millions of rows),
so nothing is extracted or loaded whole: each member is streamed from the zip once, in blocks of
lines, and only the lines whose key is one of the wanted entities are parsed (with the csv
module). The wanted set grows file by file: the establishment units of the chosen enterprises
(``establishment.csv``), then their own activities, names, addresses and contacts. Memory stays
that of the selected units, whatever the size of the extract.

Layout (KBO Open Data cookbook): ``meta.csv`` (Variable, Value: SnapshotDate dd-mm-yyyy,
ExtractNumber), ``enterprise.csv``, ``establishment.csv`` (EstablishmentNumber 2.xxx.xxx.xxx,
StartDate, EnterpriseNumber), ``denomination.csv`` (Language 1 FR / 2 NL / 3 DE / 4 EN;
TypeOfDenomination 001 name, 002 abbreviation, 003 commercial name), ``address.csv``
(TypeOfAddress BAET for an establishment unit), ``contact.csv`` (EntityContact EST for a unit;
ContactType TEL / EMAIL / WEB), ``activity.csv`` (NaceVersion, NaceCode without dot). Every
value is quoted, dates are dd-mm-yyyy and lines may end in CRLF.
"""

from __future__ import annotations

import csv
import re
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import numpy as np

from . import BadExtract, Extract, Found

PUBLISHER = "KBO/BCE Open Data, FPS Economy"
LICENCE = "KBO Open Data licence (FPS Economy)"
URL = "https://kbopub.economie.fgov.be/kbo-open-data/"  # sign-up and download (free, monthly CSV)
BLOCK = 1 << 22  # bytes of a zip member read at once (4 MiB): lines are split and filtered per block

# the columns this reader uses, per file (a published file has these among its columns)
COLUMNS = {
    "meta.csv": ("Variable", "Value"),
    "enterprise.csv": ("EnterpriseNumber",),
    "establishment.csv": ("EstablishmentNumber", "StartDate", "EnterpriseNumber"),
    "denomination.csv": ("EntityNumber", "Language", "TypeOfDenomination", "Denomination"),
    "address.csv": (
        "EntityNumber",
        "TypeOfAddress",
        "CountryNL",
        "CountryFR",
        "Zipcode",
        "MunicipalityNL",
        "MunicipalityFR",
        "StreetNL",
        "StreetFR",
        "HouseNumber",
        "Box",
    ),
    "contact.csv": ("EntityNumber", "EntityContact", "ContactType", "Value"),
    "activity.csv": ("EntityNumber", "NaceVersion", "NaceCode"),
}
LANGUAGES = {"1": "fr", "2": "nl", "3": "de", "4": "en"}
CONTACT_TYPES = {"TEL": "phone", "EMAIL": "email", "WEB": "website"}


def enterprise_number(text: str) -> str:
    """``0887.158.639`` from any of ``0887.158.639``, ``0887158639``, ``BE 0887 158 639``, ``887158639``."""
    digits = re.sub(r"\D", "", str(text))
    if not 9 <= len(digits) <= 10:
        raise ValueError(f"{text!r} is not an enterprise number (10 digits, e.g. 0887.158.639)")
    digits = digits.zfill(10)
    return f"{digits[:4]}.{digits[4:7]}.{digits[7:]}"


def nace_code(text: str) -> str:
    """``78100`` from ``78.100`` or ``78100`` (the extract writes codes without the dot)."""
    code = str(text).replace(".", "").strip()
    if not re.fullmatch(r"\d{2,5}", code):
        raise ValueError(f"{text!r} is not a NACE-BEL code (e.g. 78.100 or 78100)")
    return code


def iso_date(text: str) -> str:
    """dd-mm-yyyy (the extract's dates) as an ISO date."""
    return datetime.strptime(text.strip(), "%d-%m-%Y").date().isoformat()


@dataclass(frozen=True)
class Selector:
    """The establishment units of ``enterprise`` belong to ``initiative``; with ``nace``, only
    those whose own activity has one of the codes (a code of fewer than 5 digits is a prefix)."""

    enterprise: str
    initiative: str
    nace: tuple[str, ...] = ()

    def wants(self, activities: set[str]) -> bool:
        return not self.nace or any(code.startswith(prefix) for code in activities for prefix in self.nace)


@dataclass
class _Unit:
    number: str
    enterprise: str
    start: str | None
    names: dict = field(default_factory=dict)  # (type, language) -> text
    address: dict | None = None
    contacts: dict = field(default_factory=dict)
    activities: set = field(default_factory=set)


class _Zip:
    """The extract's members by file name (folders inside the zip are ignored)."""

    def __init__(self, path: Path):
        self.path = path
        try:
            self.zip = zipfile.ZipFile(path)
        except zipfile.BadZipFile:
            raise BadExtract(
                f"{path.name} is not a zip archive (or it is truncated): expected the KBO/BCE Open Data extract"
            ) from None
        except OSError as exc:
            raise BadExtract(f"{path.name} cannot be read: {exc.strerror or exc}") from None
        self.members = {Path(info.filename).name.lower(): info for info in self.zip.infolist() if not info.is_dir()}
        missing = [name for name in COLUMNS if name not in self.members]
        if missing:
            raise BadExtract(f"{path.name} lacks {', '.join(missing)}: not a complete KBO/BCE Open Data extract")

    def close(self) -> None:
        self.zip.close()

    def lines(self, name: str) -> tuple[list[str], Iterator[bytes]]:
        """(header, blocks of whole lines, each block ending with a line end) of member ``name``;
        the header is checked for the columns the reader uses."""
        where = f"{self.path.name}: {name}"
        stream = self.zip.open(self.members[name])
        first = stream.readline()
        try:
            header = next(csv.reader([first.decode("utf-8-sig")]))
        except (UnicodeDecodeError, StopIteration):
            header = []
        missing = [column for column in COLUMNS[name] if column not in header]
        if missing:
            stream.close()
            raise BadExtract(
                f"{where} has the wrong columns: {', '.join(missing)} missing (found {', '.join(header) or 'none'})"
            )

        def blocks() -> Iterator[bytes]:
            rest = b""
            try:
                with stream:
                    while chunk := stream.read(BLOCK):
                        chunk = rest + chunk
                        cut = chunk.rfind(b"\n") + 1
                        rest = chunk[cut:]
                        if cut:
                            yield chunk[:cut]
            except (zipfile.BadZipFile, zlib.error, EOFError) as exc:
                raise BadExtract(f"{where} is truncated or damaged ({exc})") from None
            if rest.strip():
                raise BadExtract(f"{where} is truncated: its last line ends without a line break")

        return header, blocks()


def _parse(where: str, header: list[str], lines: list[bytes]) -> list[dict]:
    """The selected raw lines as rows (dicts by column); a line with the wrong number of fields
    is a damaged or truncated file."""
    try:
        text = [line.decode("utf-8") for line in lines]
    except UnicodeDecodeError:
        raise BadExtract(f"{where} is not UTF-8 text") from None
    rows = []
    for values in csv.reader(text):
        if len(values) != len(header):
            raise BadExtract(
                f"{where} has a line of {len(values)} fields where the header has {len(header)}: {values[:3]}"
            )
        rows.append(dict(zip(header, values)))
    return rows


def _select(zf: _Zip, name: str, keep: Callable[[bytes], bool]) -> list[dict]:
    """The rows of ``name`` whose raw line ``keep`` accepts (tested before any csv parsing); for
    the small files, where a Python test per line costs little."""
    header, blocks = zf.lines(name)
    where = f"{zf.path.name}: {name}"
    rows = []
    for block in blocks:
        chosen = [line for line in block.splitlines() if keep(line)]
        if chosen:
            rows.extend(_parse(where, header, chosen))
    return rows


def _hits(block: bytes, keys: set[bytes], tails: np.ndarray, width: int, last: bool = False) -> list[bytes]:
    """The lines of ``block`` whose first (with ``last``: last) quoted field is one of ``keys``
    (all ``width`` bytes long, at least 8), found with numpy over the block's bytes: where the
    lines end, the last 8 bytes of each line's key window read as one 64-bit word, one vectorised
    membership test against the keys' words (``tails``, sorted). Only those candidates are checked in
    Python, so the tens of millions of other lines cost C time, never a Python step each."""
    buf = np.frombuffer(block, dtype=np.uint8)
    ends = np.flatnonzero(buf == 0x0A)  # every line ends with \n (the block is cut after one)
    starts = np.concatenate(([0], ends[:-1] + 1))
    stop = ends - (buf[np.maximum(ends - 1, 0)] == 0x0D)  # before the CR of a CRLF
    first = stop - width - 1 if last else starts + 1  # where the key would start
    fits = (first - 1 >= starts) & (first + width + 1 <= stop)
    first, starts, stop = first[fits], starts[fits], stop[fits]
    if not len(first):
        return []
    words = np.ndarray((len(block) - 7,), dtype="<u8", buffer=block, strides=(1,))  # the 8 bytes from each offset
    found = words[first + width - 8]
    at = np.minimum(np.searchsorted(tails, found), len(tails) - 1)  # ``tails`` sorted: O(lines x log keys)
    candidates = np.flatnonzero(tails[at] == found)
    out = []
    for a, line_start, line_stop in zip(
        first[candidates].tolist(), starts[candidates].tolist(), stop[candidates].tolist()
    ):
        if block[a - 1] == 0x22 and block[a + width] == 0x22 and block[a : a + width] in keys:
            out.append(block[line_start:line_stop])
    return out


def _keyed(zf: _Zip, name: str, keys: set[str], last: bool = False) -> list[dict]:
    """The rows of ``name`` whose first column (with ``last``: last column) is one of ``keys``."""
    widths: dict[int, set[bytes]] = {}
    for key in keys:
        widths.setdefault(len(key.encode()), set()).add(key.encode())
    groups = [
        (group, np.sort(np.array([int.from_bytes(k[-8:], "little") for k in group], dtype="<u8")), width)
        for width, group in widths.items()
        if width >= 8  # the numbers of the register are 12 (enterprise) or 13 (establishment) characters
    ]
    header, blocks = zf.lines(name)
    where = f"{zf.path.name}: {name}"
    rows = []
    for block in blocks:
        for group, tails, width in groups:
            chosen = _hits(block, group, tails, width, last)
            if chosen:
                rows.extend(_parse(where, header, chosen))
    return rows


def snapshot_of(zf: _Zip) -> tuple[str, str | None]:
    """(ISO snapshot date, extract number) from meta.csv."""
    meta = {row["Variable"]: row["Value"] for row in _select(zf, "meta.csv", lambda line: bool(line.strip()))}
    try:
        return iso_date(meta["SnapshotDate"]), meta.get("ExtractNumber")
    except (KeyError, ValueError):
        raise BadExtract(f"{zf.path.name}: meta.csv has no SnapshotDate in dd-mm-yyyy") from None


def _text(unit: _Unit, languages: tuple[str, ...]) -> str | None:
    """The unit's name: its commercial name, else its name, else its abbreviation, in the first
    language of ``languages`` the register gives."""
    for kind in ("003", "001", "002"):
        for language in (*languages, "fr", "nl", "de", "en"):
            if (kind, language) in unit.names:
                return unit.names[(kind, language)]
    return None


def _address(row: dict, languages: tuple[str, ...]) -> str | None:
    street = next((row[f"Street{lang.upper()}"] for lang in languages if row.get(f"Street{lang.upper()}")), None)
    street = street or row.get("StreetNL") or row.get("StreetFR")
    if not street:
        return None
    box = row.get("Box")
    box_word = "bus" if languages[0] == "nl" else "boîte"
    return " ".join(p for p in (street, row.get("HouseNumber"), f"{box_word} {box}" if box else None) if p)


def languages_of(postcode: str | None) -> tuple[str, ...]:
    """The languages to name a unit in, by its postcode's language area (bpost ranges): Brussels
    1000-1299 French then Dutch, Flanders Dutch, Wallonia French, the German-language area German."""
    code = int(postcode) if postcode and postcode.isdigit() else 0
    if 1000 <= code < 1300:
        return ("fr", "nl")
    if 4700 <= code < 4800:
        return ("de", "fr")
    if 1300 <= code < 1500 or 4000 <= code < 8000:
        return ("fr", "nl")
    return ("nl", "fr")


def read_kbo(path: Path, selectors: list[Selector], progress: Callable[[str], None] | None = None) -> Extract:
    """The establishment units of the selectors' enterprises (and NACE codes) in the extract at ``path``."""
    zf = _Zip(Path(path))
    try:
        return _read(zf, selectors, progress or (lambda _message: None))
    finally:
        zf.close()


def _read(zf: _Zip, selectors: list[Selector], progress: Callable[[str], None]) -> Extract:
    snapshot, number = snapshot_of(zf)
    by_enterprise = {s.enterprise: s for s in selectors}
    known = {row["EnterpriseNumber"] for row in _keyed(zf, "enterprise.csv", set(by_enterprise))}
    progress(f"enterprises found: {len(known)} of {len(by_enterprise)}")

    units = {
        row["EstablishmentNumber"]: _Unit(row["EstablishmentNumber"], row["EnterpriseNumber"], row["StartDate"] or None)
        for row in _keyed(zf, "establishment.csv", set(by_enterprise), last=True)
    }
    progress(f"establishment units: {len(units)}")
    keys = set(units)
    for row in _keyed(zf, "activity.csv", keys):
        units[row["EntityNumber"]].activities.add(row["NaceCode"])
    for row in _keyed(zf, "denomination.csv", keys):
        units[row["EntityNumber"]].names[(row["TypeOfDenomination"], LANGUAGES.get(row["Language"], "?"))] = row[
            "Denomination"
        ]
    for row in _keyed(zf, "address.csv", keys):
        if row["TypeOfAddress"] == "BAET":
            units[row["EntityNumber"]].address = row
    for row in _keyed(zf, "contact.csv", keys):
        kind = CONTACT_TYPES.get(row["ContactType"])
        if row["EntityContact"] == "EST" and kind and row["Value"].strip():
            units[row["EntityNumber"]].contacts.setdefault(kind, row["Value"].strip())
    extract = Extract(
        source="kbo",
        snapshot=snapshot,
        publisher=PUBLISHER,
        licence=LICENCE,
        url=URL,
        filename=zf.path.name,
        selectors={
            "extract_number": number,
            "enterprises": sorted(by_enterprise),
            "nace": sorted({c for s in selectors for c in s.nace}),
        },
    )
    for enterprise in sorted(set(by_enterprise) - known):
        extract.rejected.append(
            {
                "source_id": enterprise,
                "reason": f"enterprise {enterprise} is not in the extract (not active, or a wrong number)",
            }
        )
    for unit in sorted(units.values(), key=lambda u: u.number):
        selector = by_enterprise[unit.enterprise]
        if not selector.wants(unit.activities):
            continue  # another activity of the same enterprise (e.g. a training centre): not this network
        extract.found.append(_found(unit, selector))
    return extract


def _found(unit: _Unit, selector: Selector) -> Found:
    row = unit.address or {}
    postcode = (row.get("Zipcode") or "").strip() or None
    languages = languages_of(postcode)
    country = (row.get("CountryNL") or row.get("CountryFR") or "").strip() or None
    return Found(
        source_id=unit.number,
        initiative=selector.initiative,
        name=_text(unit, languages),
        address=_address(row, languages) if row else None,
        postcode=postcode,
        municipalities=tuple(m for m in (row.get("MunicipalityNL"), row.get("MunicipalityFR")) if m),
        contacts=dict(unit.contacts),
        country=country,
    )
