"""The text layer in four readers: briefing against plain WeasyPrint, as Markdown tables.

    .venv/bin/python bench/textlayer.py            # every sample edition and corpus page
    .venv/bin/python bench/textlayer.py --only corpus/

Renders every document of tests/test_readers.py twice in one run — with briefing's text layer and
with WeasyPrint alone on the same HTML (the floor) — reads each PDF back with pdfium, poppler,
pdf.js and MuPDF (tests/readers/), and prints, per reader, every document's scores as
"briefing / plain": adjacent-pair recall, word recall, sentence phrases found by find, junk
characters, invisible bidi marks (most on one line, and in all), and the PDFs' sizes.
The measures are defined in tests/readers/metrics.py. Needs ./install.sh (node, pdfjs-dist).
"""

from __future__ import annotations

import argparse
import datetime as dt
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default="", help="documents whose name starts with this")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    from tests.readers import OWN_MARKS, READERS, extract
    from tests.readers.documents import collect, corpus_documents, render, sample_documents
    from tests.readers.metrics import score

    documents = [
        d for d in (*sample_documents(), *corpus_documents()) if d.name.startswith(args.only)
    ]
    jobs = [d.job for d in documents]
    fixed_child, plain_child = render(jobs, plain=False), render(jobs, plain=True)
    pdfs = {"briefing": collect(fixed_child), "plain": collect(plain_child)}

    def one(key):  # type: ignore[no-untyped-def]
        index, variant, reader = key
        return score(
            documents[index].expected,
            extract(pdfs[variant][index], reader),
            own_marks=OWN_MARKS.get(reader, ""),
        )

    keys = [(i, v, r) for i in range(len(documents)) for v in pdfs for r in READERS]
    with ThreadPoolExecutor(2) as pool:
        scores = dict(zip(keys, pool.map(one, keys), strict=True))

    commit = (
        subprocess.run(
            ["git", "describe", "--always", "--dirty"], cwd=ROOT, capture_output=True, text=True
        ).stdout.strip()
        or "?"
    )
    print(
        f"Measured {dt.date.today().isoformat()} at {commit}, one run; each cell is "
        "briefing / plain WeasyPrint 70 on the same HTML.\n"
    )
    print(
        "| reader | worst pair recall | mean pair recall | words (mean) | phrases found | "
        "junk | bidi marks: most per line, total |"
    )
    print("|---|---|---|---|---|---|---|")
    for reader in READERS:
        cells = []
        for metric in ("worst", "mean", "words", "phrases", "junk", "bidi"):
            cells.append(
                " / ".join(
                    _summary([scores[i, v, reader] for i in range(len(documents))], metric)
                    for v in pdfs
                )
            )
        print(f"| {reader} | " + " | ".join(cells) + " |")
    print()
    print("Adjacent-pair recall per document (target ≥ 0.99):\n")
    print("| document | PDF bytes | " + " | ".join(READERS) + " |")
    print("|---|---|" + "---|" * len(READERS))
    for i, document in enumerate(documents):
        size = " / ".join(f"{len(pdfs[v][i]):,}" for v in pdfs)
        cells = [" / ".join(f"{scores[i, v, r].pairs:.3f}" for v in pdfs) for r in READERS]
        print(f"| {document.name} | {size} | " + " | ".join(cells) + " |")


def _summary(scores, metric: str) -> str:  # type: ignore[no-untyped-def]
    if metric == "worst":
        return f"{min(s.pairs for s in scores):.3f}"
    if metric == "mean":
        return f"{sum(s.pairs for s in scores) / len(scores):.3f}"
    if metric == "words":
        return f"{sum(s.words for s in scores) / len(scores):.3f}"
    if metric == "phrases":
        return f"{sum(s.phrases_found for s in scores)}/{sum(s.phrases_total for s in scores)}"
    if metric == "junk":
        return str(sum(s.junk for s in scores))
    return f"{max(s.bidi_max for s in scores)}, {sum(s.bidi_total for s in scores)}"


if __name__ == "__main__":
    main()
