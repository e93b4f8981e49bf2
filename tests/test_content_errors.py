"""Bad input gets a clear `path:line: message` error; a failed brief never costs a good PDF."""

from __future__ import annotations

from pathlib import Path

import pytest

from briefing.build import build, gather
from briefing.config import load_config

from .conftest import MINIMAL, write_brief

GOOD_HEAD = "---\ntitle: عنوان\ndate: 2025-01-01\n"


def error_for(project: Path, text: str | bytes, name: str = "x.md") -> str:
    path = write_brief(project, name, text)
    briefs, errors = gather(load_config(project), [path])
    assert not briefs and len(errors) == 1
    return str(errors[0])


@pytest.mark.parametrize(
    ("text", "line", "needle"),
    [
        (GOOD_HEAD + "key_point:\n  - نقطة\n---\n", 4, "unknown key 'key_point'"),
        (GOOD_HEAD + "number: اثنا عشر\n---\n", 4, "number"),
        ("---\ntitle: عنوان\ndate: 20-01-2025\n---\n", 3, "YYYY-MM-DD"),
        ("---\ntitle: عنوان\ndate: 2025-02-30\n---\n", 3, "date"),
        ("---\ndate: 2025-01-01\n---\n", 1, "missing required key 'title'"),
        ("---\ntitle: [غير مغلق\ndate: 2025-01-01\n---\n", 3, "YAML error"),
        (
            GOOD_HEAD + "authors:\n  - name: أ\n    role: x\n---\n",
            6,
            "unknown key 'authors[0].role'",
        ),
        (GOOD_HEAD + "english:\n  title: T\n---\n", 4, "missing required key 'english.summary'"),
        (GOOD_HEAD + "key_points: نقطة واحدة\n---\n", 4, "key_points"),
        ("# بلا ترويسة\n", 1, "missing front matter"),
        ("---\ntitle: x\n", 1, "not closed"),
        (GOOD_HEAD + "---\n\nنص[^9]\n", 6, "footnote [^9] is cited but never defined"),
        (GOOD_HEAD + "---\n\n# عنوان\n", 6, "'# ' headings"),
    ],
    ids=[
        "unknown-key",
        "wrong-type",
        "bad-date-format",
        "impossible-date",
        "missing-title",
        "yaml-syntax",
        "nested-unknown-key",
        "english-missing-summary",
        "list-expected",
        "no-front-matter",
        "unclosed-front-matter",
        "undefined-footnote",
        "h1-in-body",
    ],
)
def test_bad_front_matter_names_file_line_and_key(project, text, line, needle):
    message = error_for(project, text)
    assert message.startswith(f"{project / 'content' / 'x.md'}:{line}: "), message
    assert needle in message


@pytest.mark.parametrize(
    ("data", "needle"),
    [
        (b"", "empty"),
        (MINIMAL.encode("utf-16"), "UTF-16"),
        (MINIMAL.encode("cp1256"), "not valid UTF-8"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "NUL bytes"),
    ],
    ids=["empty", "utf16", "windows-1256", "binary"],
)
def test_undecodable_files_are_clear_errors(project, data, needle):
    assert needle in error_for(project, data)


def test_bom_and_crlf_are_accepted(project):
    path = write_brief(project, "x.md", b"\xef\xbb\xbf" + MINIMAL.replace("\n", "\r\n").encode())
    briefs, errors = gather(load_config(project), [path])
    assert not errors
    assert briefs[0].meta.title == "عنوان تجريبي"
    assert briefs[0].body.sections[0].title == "القسم الأول"


def test_one_bad_brief_does_not_stop_the_others(project):
    write_brief(project, "good.md", MINIMAL)
    write_brief(project, "bad.md", "---\ntitle: x\ndate: nope\n---\n")
    report = build(load_config(project))
    assert [r.name for r in report.results if r.status == "built"] == [
        "good/full",
        "good/public",
        "good/executive",
    ] or {r.name for r in report.results if r.status == "built"} == {
        "good/full",
        "good/public",
        "good/executive",
    }
    assert len(report.errors) == 1 and "bad.md:3:" in str(report.errors[0])
    assert not (project / "dist" / "bad").exists()


def test_failed_rebuild_keeps_the_previous_good_pdf(project):
    path = write_brief(project, "b.md", MINIMAL)
    config = load_config(project)
    assert build(config).ok
    pdf = project / "dist" / "b" / "full.pdf"
    good = pdf.read_bytes()
    # now the brief references a file outside its folder: the render is refused
    path.write_text(MINIMAL + "\n![صورة](../../../etc/passwd)\n", encoding="utf-8")
    report = build(config)
    assert not report.ok
    full = next(r for r in report.results if r.name == "b/full")
    assert full.status == "failed" and "refused resource" in str(full.error)
    assert pdf.read_bytes() == good
    assert not [p for p in pdf.parent.iterdir() if p.name.startswith(".")]  # no temp files left


def test_section_marked_for_unknown_audience_is_an_error(project):
    text = MINIMAL + "\n## سرّي {audiences=ministers}\n\nنص.\n"
    assert "unknown audience 'ministers'" in error_for(project, text)


def test_every_problem_of_a_brief_is_reported_with_its_line(project):
    text = "---\ntitle: x\ndate: 2025-13-01\nkey_point: [a]\nnumber: x\n---\n"
    message = error_for(project, text)
    path = project / "content" / "x.md"
    assert message.splitlines() == [
        f"{path}:3: date: '2025-13-01' is not a real calendar date",
        f"{path}:4: unknown key 'key_point'; did you mean 'key_points'?",
        f"{path}:5: number: Input should be a valid integer, unable to parse string as an integer",
    ]


def test_unknown_key_without_a_near_miss_lists_the_allowed_keys(project):
    message = error_for(project, "---\ntitle: x\ndate: 2025-01-01\nzzz: 1\n---\n")
    assert message.endswith(
        "unknown key 'zzz' (allowed: title, subtitle, date, authors, "
        "series, number, summary, key_points, recommendations, sources, "
        "keywords, audiences, figures, english)"
    ), message


def test_yaml_merge_keys_are_front_matter_like_any_other(tmp_path) -> None:
    """The front matter is parsed once for its nodes and its values; building the values must
    not change the nodes the duplicate check and the keys' lines read (merge keys do)."""
    from briefing.content.source import split_front_matter

    text = "---\ndefaults: &d {title: A}\nx:\n  <<: *d\n  title: B\n---\nbody\n"
    meta, lines, _body, _ = split_front_matter(tmp_path / "b.md", text)
    assert meta["x"] == {"title": "B"}
    assert lines[("x", "title")] == 5 and lines[("defaults", "title")] == 2


_TRICKY_YAML = [
    "title: 'a: b'\ndate: 2025-02-30\nn: 0o17\nflag: yes\nempty:\nnull_value: ~\n",
    "defaults: &d {title: A, list: [1, 2]}\nx:\n  <<: *d\n  title: B\ny: *d\n",
    "text: |\n  سطر أول\n  second line: with colon\nfolded: >\n  a\n  b\n",
    'list:\n- {a: 1}\n- - nested\n  - deeper\n- "quoted \\u0627"\n= : value key\n',
]


@pytest.mark.parametrize("text", _TRICKY_YAML)
def test_libyaml_reads_front_matter_as_the_python_parser_does(tmp_path, text) -> None:
    """The front matter is parsed with libyaml when PyYAML has it (the Python parser was a
    third of a brief's load); values, key lines and the tree must be the reference parser's."""
    import yaml

    from briefing.content import yamlparse

    assert yamlparse._LOADERS[0] is not yamlparse._LOADERS[1], "PyYAML without libyaml"

    def tree(node):
        line = node.start_mark.line
        if isinstance(node, yaml.MappingNode):
            return ("map", node.tag, line, [(tree(k), tree(v)) for k, v in node.value])
        if isinstance(node, yaml.SequenceNode):
            return ("seq", node.tag, line, [tree(item) for item in node.value])
        return ("scalar", node.tag, node.value, node.style or None, line)

    path = tmp_path / "b.md"
    got = [yamlparse.load_yaml(path, text, loaders=(kind, kind)) for kind in yamlparse._LOADERS]
    assert got[0][1] == got[1][1]
    assert tree(got[0][0]) == tree(got[1][0])


def test_sample_briefs_read_the_same_with_libyaml_and_python(tmp_path) -> None:
    from briefing.content import yamlparse

    samples = sorted((Path(__file__).parents[1] / "content").rglob("*.md"))
    assert samples
    for path in samples:
        yaml_text = path.read_text(encoding="utf-8").split("\n---\n")[0].removeprefix("---\n")
        fast, reference = (
            yamlparse.load_yaml(path, yaml_text, loaders=(k, k)) for k in yamlparse._LOADERS
        )
        assert fast[1] == reference[1], path


def test_a_yaml_error_is_told_in_the_python_parser_words(project) -> None:
    """libyaml says 'found a tab character that violates indentation'; the message an editor
    reads is made from the Python parser's words, as before there was a fast path."""
    write_brief(project, "b.md", "---\ntitle: x\n\tsummary: y\n---\nbody\n")
    _briefs, errors = gather(load_config(project))
    assert len(errors) == 1
    assert errors[0].line == 3
    assert "a tab character: YAML indentation must use spaces" in errors[0].message


def test_each_field_s_warning_names_its_own_line(project, caplog) -> None:
    """Fields share a Markdown converter (reset between them): each warning still names the
    line of the field it is about, in every brief."""
    for name in ("a.md", "b.md"):
        write_brief(
            project,
            name,
            "---\ntitle: x\ndate: 2025-01-01\nsummary: ملخص <iframe></iframe>\n"
            "key_points:\n  - نقطة أولى\n  - نقطة <script>x</script> ثانية\n---\n\n## قسم\n\nنص.\n",
        )
    with caplog.at_level("WARNING"):
        briefs, errors = gather(load_config(project))
        assert not errors and len(briefs) == 2
        from briefing.render import render_html

        for brief in briefs:
            render_html(brief, load_config(project), "full")
    removed = {r.getMessage() for r in caplog.records if "raw HTML" in r.getMessage()}
    assert removed == {
        f"{project / 'content' / name}:{line}: raw HTML {tag} removed (not allowed in content)"
        for name in ("a.md", "b.md")
        for line, tag in ((4, "<iframe>"), (7, "<script>"))
    }, removed


@pytest.mark.parametrize("front", ["title: عنوان\t", "title:\tعنوان", "title: [a,\n\tb]"])
def test_a_tab_is_refused_whatever_parser_pyyaml_has(project, front) -> None:
    """libyaml accepts these tabs where PyYAML's parser refuses them: a brief with one is
    refused the same way with or without libyaml."""
    write_brief(project, "b.md", f"---\n{front}\ndate: 2025-01-01\n---\n\n## قسم\n\nنص.\n")
    _briefs, errors = gather(load_config(project))
    assert len(errors) == 1 and "YAML error in front matter" in errors[0].message, errors
