"""``geo-service harvest kbo`` on a full-size KBO/BCE Open Data extract: time and peak memory.

Generates once (into ``--dir``, outside the repository) a zip in the published layout and of the
published size: about 1.9 million enterprises, 2 million establishment units, 36 million activity
rows (about 1.6 GB of CSV for activity.csv alone), names, addresses and contacts, with 150
establishment units of VDAB (0887.158.639) spread through the files. Every row is generated
(fictional numbers and streets over real postcodes); nothing comes from the real register.

Then reads it as the command does (``geo_service.harvest.kbo.read_kbo``: the units of one
enterprise) in a fresh process and reports its wall time and peak resident memory (the child's
``ru_maxrss``). Baseline, same run: a fresh process that only inflates every member of the zip
(the floor any reader of this zip pays). Goal: <= 60 s and <= 500 MB.

    .venv/bin/python benchmarks/bench_harvest.py --dir ../kbo-bench      # generates on first use
"""

from __future__ import annotations

import argparse
import random
import resource
import subprocess
import sys
import time
import zipfile
from pathlib import Path

ENTERPRISES = 1_900_000
ESTABLISHMENTS = 2_000_000
ACTIVITIES_PER_ENTITY = 9  # x (enterprises + establishments) ~ 36 million rows
VDAB = "0887.158.639"
VDAB_UNITS = 150
POSTCODES = ["1000", "1210", "2000", "3000", "3500", "8000", "8500", "9000", "9100", "9120", "9300", "2300", "1800"]
BATCH = 200_000


def enterprise(i: int) -> str:
    digits = f"{200_000_000 + i:010d}"
    return f"{digits[:4]}.{digits[4:7]}.{digits[7:]}"


def establishment(i: int) -> str:
    digits = f"{2_000_000_000 + i:010d}"
    return f"{digits[0]}.{digits[1:4]}.{digits[4:7]}.{digits[7:]}"


def _member(zf: zipfile.ZipFile, name: str, header: str, rows) -> None:
    info = zipfile.ZipInfo(name, date_time=(2026, 12, 6, 7, 0, 0))
    info.compress_type = zipfile.ZIP_DEFLATED  # deflated, as the FPS Economy ships it
    info._compresslevel = 1  # Python 3.11 reads the level of a ZipInfo here (compress_level from 3.13)
    with zf.open(info, "w", force_zip64=True) as out:
        out.write((header + "\r\n").encode())
        batch = []
        for row in rows:
            batch.append(row)
            if len(batch) >= BATCH:
                out.write(("\r\n".join(batch) + "\r\n").encode())
                batch.clear()
        if batch:
            out.write(("\r\n".join(batch) + "\r\n").encode())


def generate(path: Path) -> None:
    rng = random.Random(21)
    vdab_at = set(rng.sample(range(ESTABLISHMENTS), VDAB_UNITS))
    owner = [rng.randrange(ENTERPRISES) for _ in range(ESTABLISHMENTS)]
    for i in vdab_at:
        owner[i] = -1

    def owner_of(i: int) -> str:
        return VDAB if owner[i] < 0 else enterprise(owner[i])

    def q(*values) -> str:
        return ",".join(f'"{v}"' for v in values)

    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1, allowZip64=True) as zf:
        _member(zf, "meta.csv", q("Variable", "Value"), [q("SnapshotDate", "05-12-2026"), q("ExtractNumber", "170")])
        _member(
            zf,
            "enterprise.csv",
            q(
                "EnterpriseNumber",
                "Status",
                "JuridicalSituation",
                "TypeOfEnterprise",
                "JuridicalForm",
                "JuridicalFormCAC",
                "StartDate",
            ),
            (
                q(enterprise(i) if i != ENTERPRISES // 2 else VDAB, "AC", "000", "2", "014", "", "01-01-2000")
                for i in range(ENTERPRISES)
            ),
        )
        _member(
            zf,
            "establishment.csv",
            q("EstablishmentNumber", "StartDate", "EnterpriseNumber"),
            (q(establishment(i), "01-01-2005", owner_of(i)) for i in range(ESTABLISHMENTS)),
        )
        _member(
            zf,
            "denomination.csv",
            q("EntityNumber", "Language", "TypeOfDenomination", "Denomination"),
            (
                row
                for i in range(max(ENTERPRISES, ESTABLISHMENTS))
                for row in (
                    q(enterprise(i), "2", "001", f"Onderneming {i}") if i < ENTERPRISES else None,
                    q(establishment(i), "2", "003", f"Vestiging {i}") if i < ESTABLISHMENTS else None,
                )
                if row
            ),
        )
        from geo_service.harvest.kbo import COLUMNS

        # the published file's columns: those the reader uses, then two it skips
        columns = (*COLUMNS["address.csv"], "ExtraAddressInfo", "DateStrikingOff")
        _member(
            zf,
            "address.csv",
            q(*columns),
            (
                row
                for i in range(max(ENTERPRISES, ESTABLISHMENTS))
                for row in (
                    q(
                        enterprise(i),
                        "REGO",
                        "",
                        "",
                        POSTCODES[i % 13],
                        "",
                        "",
                        f"Straat {i % 997}",
                        "",
                        str(i % 200),
                        "",
                        "",
                        "",
                    )
                    if i < ENTERPRISES
                    else None,
                    q(
                        establishment(i),
                        "BAET",
                        "",
                        "",
                        POSTCODES[i % 13],
                        "",
                        "",
                        f"Laan {i % 991}",
                        "",
                        str(i % 150),
                        "",
                        "",
                        "",
                    )
                    if i < ESTABLISHMENTS
                    else None,
                )
                if row
            ),
        )
        _member(
            zf,
            "contact.csv",
            q("EntityNumber", "EntityContact", "ContactType", "Value"),
            (
                q(establishment(i), "EST", "TEL", f"0{i % 9 + 1} {i % 1000:03d} 00 00")
                for i in range(0, ESTABLISHMENTS, 3)
            ),
        )
        _member(
            zf,
            "activity.csv",
            q("EntityNumber", "ActivityGroup", "NaceVersion", "NaceCode", "Classification"),
            (
                q(number, "001", version, f"{(i * 7 + k * 13) % 90000 + 10000}", "MAIN" if k == 0 else "SECO")
                for i in range(max(ENTERPRISES, ESTABLISHMENTS))
                for number in ((enterprise(i),) if i < ENTERPRISES else ())
                + ((establishment(i),) if i < ESTABLISHMENTS else ())
                for k, version in enumerate(
                    ("2008", "2025", "2008", "2025", "2003", "2008", "2025", "2008", "2025")[:ACTIVITIES_PER_ENTITY]
                )
            ),
        )


READ = """
import sys, time
from geo_service.harvest.kbo import Selector, read_kbo
started = time.perf_counter()
extract = read_kbo(sys.argv[1], [Selector("0887.158.639", "vdab", ())])
print(f"{time.perf_counter() - started:.2f} {len(extract.found)}")
"""
INFLATE = """
import sys, time, zipfile
started = time.perf_counter()
total = 0
with zipfile.ZipFile(sys.argv[1]) as zf:
    for info in zf.infolist():
        with zf.open(info) as member:
            while chunk := member.read(1 << 22):
                total += len(chunk)
print(f"{time.perf_counter() - started:.2f} {total}")
"""


def in_child(code: str, path: Path) -> tuple[str, float, float]:
    """(output, wall seconds, peak RSS in MB) of ``code`` run in a fresh Python process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    started = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", code, str(path)], check=True, capture_output=True, text=True).stdout
    wall = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss  # KiB on Linux: the largest child so far
    return out.strip(), wall, max(peak, before) / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dir", type=Path, required=True, help="folder for the generated extract (not the repository)")
    args = parser.parse_args()
    args.dir.mkdir(parents=True, exist_ok=True)
    path = args.dir / "KboOpenData_0170_2026_12_Full.zip"
    if not path.exists():
        started = time.perf_counter()
        generate(path.with_suffix(".part"))
        path.with_suffix(".part").rename(path)
        print(f"generated {path.name} in {time.perf_counter() - started:.0f} s")
    with zipfile.ZipFile(path) as zf:
        sizes = {i.filename: i.file_size for i in zf.infolist()}
    print(
        f"extract: {path.stat().st_size / 1e6:.0f} MB zipped, {sum(sizes.values()) / 1e9:.2f} GB of CSV; "
        f"activity.csv {sizes['activity.csv'] / 1e9:.2f} GB"
    )
    inflate, inflate_wall, inflate_peak = in_child(INFLATE, path)
    print(
        f"baseline (inflate every member): {inflate.split()[0]} s in the child, wall {inflate_wall:.1f} s, peak {inflate_peak:.0f} MB"
    )
    read, wall, peak = in_child(READ, path)
    seconds, units = read.split()
    print(
        f"read_kbo (VDAB): {units} units in {seconds} s, wall {wall:.1f} s (imports included), peak RSS {peak:.0f} MB"
    )
    print(
        f"goal <= 60 s and <= 500 MB: {'met' if wall <= 60 and peak <= 500 else 'NOT met'}; "
        f"{float(seconds) / float(inflate.split()[0]):.1f}x the inflate-only floor"
    )


if __name__ == "__main__":
    main()
