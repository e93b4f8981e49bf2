"""What the per-brief barrier costs: reading briefs in this process vs. each in its own child.

    python3 bench/barrier.py [--briefs 40]

Copies the sample briefs N times into a temporary project, then reads them all (YAML, model,
Markdown, figures) once with :func:`briefing.build.load_brief` in this process and once with
:func:`briefing.build.load_all` (a forked child per brief, ``jobs`` at a time). Reported as
times and their ratio, from one run on this machine.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--briefs", type=int, default=40)
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    from briefing.build import find, load_all, load_brief
    from briefing.config import load_config

    with tempfile.TemporaryDirectory() as tmp:
        project = Path(tmp)
        content = project / "content"
        samples = sorted(p for p in (ROOT / "content").iterdir() if not p.name.startswith("."))
        for i in range(args.briefs):
            sample = samples[i % len(samples)]
            name = f"{sample.stem}-{i}"
            if sample.is_dir():
                shutil.copytree(sample, content / name)
            else:
                content.mkdir(exist_ok=True)
                shutil.copy(sample, content / f"{name}.md")
        config = load_config(project)
        files, errors = find(config)
        assert not errors, errors
        started = time.perf_counter()
        for path in files:
            load_brief(path, config)
        inline = time.perf_counter() - started
        started = time.perf_counter()
        briefs, errors = load_all(files, config)
        barrier = time.perf_counter() - started
        assert len(briefs) == len(files) and not errors, errors
    print(
        f"{len(files)} briefs: in-process {inline:.2f} s, behind the barrier {barrier:.2f} s "
        f"({barrier / inline:.2f}× with {config.build.jobs or 'all'} cores)"
    )


if __name__ == "__main__":
    main()
