"""Convert the shared classification sets to plain ``text,label`` CSVs for ``xlink evaluate-zeroshot``.

The CLI is data-set agnostic; this script only flattens formats (SNIPS JSON segments, ATIS
``seq.in``/``label`` lines, header-less AG News CSV) and writes a ``--label-map`` per set.
Output goes to ``runs/zeroshot_data/`` (git-ignored; the data are read-only and not committed).

    .venv/bin/python benchmarks/zeroshot_prepare.py [--data ../shared/data/classification]
"""

from __future__ import annotations

import argparse
import csv
import json
import logging
import os
import re
from pathlib import Path

logger = logging.getLogger("zeroshot_prepare")


def write(path: Path, rows: list[tuple[str, str]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["text", "label"])
        writer.writerows(rows)
    logger.info("%s: %d rows, %d labels", path, len(rows), len({label for _, label in rows}))


def banking77(root: Path, out: Path) -> None:
    for split in ("train", "test"):
        with open(root / "banking77" / f"{split}.csv", encoding="utf-8", newline="") as handle:
            rows = [(r["text"], r["category"]) for r in csv.DictReader(handle)]
        write(out / f"banking77_{split}.csv", rows)


def read_utf8_or_latin1(path: Path) -> str:
    """UTF-8, or Latin-1 for a file that is not valid UTF-8 (SNIPS train_PlayMusic_full.json).

    Decoding every file as Latin-1 would turn the UTF-8 ones into mojibake ("RomÃ¡ntica").
    """
    raw = path.read_bytes()
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


def snips(root: Path, out: Path) -> None:
    label_map: dict[str, str] = {}
    for split, pattern in (("train", "train_*_full.json"), ("validate", "validate_*.json")):
        rows = []
        for file in sorted((root / "snips").glob(pattern)):
            data = json.loads(read_utf8_or_latin1(file))
            for intent, items in data.items():
                label_map[intent] = re.sub(r"(?<!^)(?=[A-Z])", " ", intent).lower()
                rows.extend(("".join(seg["text"] for seg in item["data"]).strip(), intent) for item in items)
        write(out / f"snips_{split}.csv", rows)
    (out / "snips_label_map.json").write_text(json.dumps(label_map, indent=2), encoding="utf-8")


def atis(root: Path, out: Path) -> None:
    label_map: dict[str, str] = {}
    for split in ("train", "test"):
        texts = (root / "atis" / split / "seq.in").read_text(encoding="utf-8").splitlines()
        labels = (root / "atis" / split / "label").read_text(encoding="utf-8").splitlines()
        # multi-intent examples ("atis_flight#atis_airfare") are dropped: one gold label each
        rows = [(t.strip(), lab.strip()) for t, lab in zip(texts, labels, strict=True) if "#" not in lab]
        logger.info("atis %s: dropped %d multi-intent examples", split, len(texts) - len(rows))
        for _, lab in rows:
            label_map[lab] = lab.removeprefix("atis_").replace("_", " ")
        write(out / f"atis_{split}.csv", rows)
    (out / "atis_label_map.json").write_text(json.dumps(label_map, indent=2), encoding="utf-8")


def ag_news(root: Path, out: Path) -> None:
    classes = (root / "ag_news" / "classes.txt").read_text(encoding="utf-8").split()
    with open(root / "ag_news" / "test.csv", encoding="utf-8", newline="") as handle:
        rows = [(f"{title}. {desc}".replace("\\", " "), classes[int(cls) - 1]) for cls, title, desc in csv.reader(handle)]
    write(out / "ag_news_test.csv", rows)
    (out / "ag_news_label_map.json").write_text(json.dumps({"Sci/Tech": "science and technology"}, indent=2), encoding="utf-8")


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    default = Path(os.environ.get("XLINK_DATA", "../shared/data")) / "classification"
    parser.add_argument("--data", type=Path, default=default)
    parser.add_argument("--out", type=Path, default=Path("runs/zeroshot_data"))
    args = parser.parse_args()
    for convert in (banking77, snips, atis, ag_news):
        convert(args.data, args.out)


if __name__ == "__main__":
    main()
