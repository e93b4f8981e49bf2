"""clean_html / find_disallowed: the allow-list between Markdown output and the template."""

from __future__ import annotations

from html.parser import HTMLParser

import markdown
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from briefing.content.markdown.sanitize import ALLOWED_TAGS, clean_html, find_disallowed


class _Collect(HTMLParser):
    """Every start tag and attribute of a fragment, as a browser-ish parser sees them."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.attrs: list[tuple[str, str, str]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attrs.extend((tag, name, value or "") for name, value in attrs)

    handle_startendtag = handle_starttag


def parse(html: str) -> _Collect:
    collector = _Collect()
    collector.feed(html)
    collector.close()
    return collector


def assert_safe(out: str) -> None:
    parsed = parse(out)
    assert set(parsed.tags) <= ALLOWED_TAGS, parsed.tags
    for tag, name, value in parsed.attrs:
        assert not name.startswith("on"), (tag, name)
        assert name not in ("style", "rel", "srcset", "xlink:href", "formaction", "background")
        lowered = "".join(value.split()).lower()
        if name in ("href", "src"):  # (file:/http: img src are the fetcher's to judge)
            assert not lowered.startswith(("javascript:", "vbscript:", "data:text"))
        if name == "href":
            assert lowered.startswith(("#", "http:", "https:", "mailto:")), value
    assert "<script" not in out.lower()


# -- hostile raw HTML ----------------------------------------------------------------------

HOSTILE = {
    # name: (input, text that must be gone from the output, item find_disallowed reports)
    "script": ("<p>a</p><script>alert('x1')</script>", "x1", "<script>"),
    "script-upper": ("<SCRIPT SRC=//evil/x.js></SCRIPT>", "evil", "<script>"),
    "style": ("<style>@import url('http://evil/x.css');</style>", "evil", "<style>"),
    "iframe": ('<iframe src="http://evil/">fallback-x2</iframe>', "evil", "<iframe>"),
    "object": ('<object data="file:///etc/passwd">x3</object>', "passwd", "<object>"),
    "embed": ('<embed src="file:///etc/passwd">', "passwd", "<embed>"),
    "form": ('<form action="http://evil/"><input name=q value=x4></form>', "evil", "<form>"),
    "input": ('<input type="image" src="http://evil/i.png">', "evil", "<input>"),
    "link": ('<link rel="stylesheet" href="http://evil/x.css">', "evil", "<link>"),
    "link-attachment": ('<link rel="attachment" href="/etc/passwd">', "passwd", "<link>"),
    "meta": ('<meta http-equiv="refresh" content="0;url=http://evil/">', "evil", "<meta>"),
    "base": ('<base href="http://evil/">', "evil", "<base>"),
    "onerror": ('<img src="a.png" onerror="alert(1)">', "alert", "<img onerror>"),
    "onclick": ('<p onclick="alert(1)" OnMouseOver="x()">t</p>', "alert", "<p onclick>"),
    "style-attr": ('<p style="background:url(http://evil/x.png)">t</p>', "evil", "<p style>"),
    "style-attr-span": ('<span style="position:fixed">t</span>', "fixed", "<span style>"),
    "svg-image": ('<svg><image href="file:///etc/passwd"/></svg>', "passwd", "<svg>"),
    "svg-xlink": ('<svg><use xlink:href="http://evil/s.svg#a"/></svg>', "evil", "<svg>"),
    "svg-style": ('<svg><style>@import "http://evil/"</style></svg>', "evil", "<svg>"),
    "math": ("<math><mtext>x5</mtext></math>", "x5", "<math>"),
    "js-link": (
        '<a href="javascript:alert(1)">x</a>',
        "javascript",
        '<a href="javascript:alert(1)">',
    ),
    "js-link-entity": ('<a href="jav&#x09;ascript&#58;alert(1)">x</a>', "alert", "<a href="),
    "js-link-space": ('<a href=" JAVASCRIPT:alert(1)">x</a>', "alert", "<a href="),
    "vbscript-link": ('<a href="vbscript:msgbox(1)">x</a>', "vbscript", "<a href="),
    "data-link": ('<a href="data:text/html,<script>x</script>">x</a>', "data:", "<a href="),
    "file-link": ('<a href="file:///etc/passwd">x</a>', "passwd", "<a href="),
    "relative-link": ('<a href="../../secret.txt">x</a>', "secret", "<a href="),
    "rel-attachment": ('<a rel="attachment" href="https://e.org/">x</a>', "attachment", "<a rel>"),
    "img-js": ('<img src="javascript:alert(1)">', "alert", "<img src="),
    "img-svg-data": ('<img src="data:image/svg+xml,<svg/>">', "svg", "<img src="),
    "img-html-data": ('<img src="data:text/html;base64,PHNjcmlwdD4=">', "text/html", "<img src="),
    "img-ftp": ('<img src="ftp://127.0.0.1/x.png">', "ftp", "<img src="),
    "img-srcset": ('<img src="a.png" srcset="http://evil/x.png 2x">', "evil", "<img srcset>"),
    "video": ('<video poster="http://evil/p.png"></video>', "evil", "<video>"),
    "table-background": (
        '<table background="http://evil/b.png"><tr><td>x</td></tr></table>',
        "evil",
        "<table background>",
    ),
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_html_is_removed_and_reported(name):
    source, gone, reported = HOSTILE[name]
    out = clean_html(source)
    assert gone not in out, out
    assert_safe(out)
    found = find_disallowed(source)
    assert any(item.startswith(reported) for item in found), found


def test_remove_with_content_elements_do_not_itemise_their_insides():
    assert find_disallowed('<svg><image href="x"/><text>t</text></svg><p>ok</p>') == ["<svg>"]


def test_find_disallowed_reports_once_in_order():
    html = "<script>a</script><b>x</b><script>b</script><img src=a.png onerror=x>"
    assert find_disallowed(html) == ["<script>", "<b>", "<img onerror>"]


def test_allowed_attribute_values_are_checked():
    out = clean_html(
        '<table><tr><td colspan="5000" rowspan="2" align="evil">x</td>'
        '<td align="RIGHT" dir="rtl" lang="en-GB">y</td></tr></table>'
        '<p dir="sideways" lang="x;y">z</p><img src="a.png" width="1e9" height="20">'
    )
    assert "colspan" not in out and 'rowspan="2"' in out and 'align="evil"' not in out
    assert 'align="right"' in out and 'dir="rtl"' in out and 'lang="en-GB"' in out
    assert "sideways" not in out and 'lang="x;y"' not in out
    assert "1e9" not in out and 'height="20"' in out


# -- what must survive ---------------------------------------------------------------------

BRIEF_MD = """\
## أول قسم

نص بالعربية مع حاشية[^1] وأخرى[^note] و**تشديد** و*ميل* و`code` وH~2~O.

### قسم فرعي

> اقتباس بارز

| العمود | القيمة | عدد |
|:---|:---:|---:|
| أ | ب | 1 |

- بند
- بند آخر

3. ثالث
4. رابع

![مخطط](chart.png "عنوان")

![صورة](data:image/png;base64,iVBORw0KGgo=)

[رابط](https://example.org/a?b=1&c=2) و[بريد](mailto:a@example.org) و[داخلي](#أول-قسم)

```python
print("x")
```

---

<span dir="ltr" lang="en">North Korea</span>

[^1]: نص الحاشية.
[^note]: حاشية ثانية مع [رابط](https://example.org).
"""


def markdown_html(text: str = BRIEF_MD, align_attribute: bool = True) -> str:
    return markdown.markdown(
        text,
        # no "footnotes": the pipeline makes its own footnote spans (its classes are the
        # theme's, which content may not set: see test_content_cannot_set_theme_classes)
        extensions=["tables", "fenced_code", "toc", "sane_lists"],
        extension_configs={"tables": {"use_align_attribute": align_attribute}},
    )


def test_python_markdown_output_survives_unchanged():
    html = markdown_html()
    assert find_disallowed(html) == []
    out = clean_html(html)
    assert parse(out).tags == parse(html).tags
    assert sorted(parse(out).attrs) == sorted(parse(html).attrs)


def test_footnote_markup_from_content_loses_its_classes():
    # The pipeline writes footnotes itself (trusted, after sanitising); the same markup written
    # in content keeps its text and links but not the classes that would make it a footnote.
    html = markdown.markdown(BRIEF_MD, extensions=["footnotes"])
    out = clean_html(html)
    assert '<sup id="fnref:1"><a href="#fn:1">1</a></sup>' in out
    assert 'class="footnote' not in out
    assert '<li id="fn:1">' in out and 'href="#fnref:1"' in out


def test_links_images_and_tables_survive():
    out = clean_html(markdown_html())
    assert '<a href="https://example.org/a?b=1&amp;c=2">' in out
    assert 'href="mailto:a@example.org"' in out
    assert 'alt="مخطط" src="chart.png" title="عنوان"' in out
    assert 'src="data:image/png;base64,iVBORw0KGgo="' in out
    assert '<th align="center">' in out and '<td align="right">1</td>' in out
    assert '<ol start="3">' in out
    assert '<code class="language-python">' in out
    assert '<span dir="ltr" lang="en">North Korea</span>' in out
    assert "rel=" not in out  # nh3's default rel="noopener noreferrer" is switched off


def test_table_alignment_needs_use_align_attribute():
    # Without tables' use_align_attribute, Python-Markdown writes style="text-align: …",
    # which is dropped (no style attributes at all) and reported.
    html = markdown_html("| a | b |\n|:-|-:|\n| 1 | 2 |\n", align_attribute=False)
    assert "<th style>" in find_disallowed(html)
    assert "style" not in clean_html(html)


@pytest.mark.parametrize(
    "src",
    [
        "file:///etc/passwd",
        "/etc/passwd",
        "../../secret.txt",
        "//127.0.0.1:8000/x.png",
        "http://127.0.0.1:8000/x.png",
        "https://cdn.example.org/a.png",
        "/dev/urandom",
    ],
)
def test_loadable_image_urls_are_left_for_the_fetcher(src):
    # The fetcher (roots, allow_remote) refuses these and fails the build naming the URL;
    # see test_fetch.py::test_hostile_corpus_is_refused_or_removed.
    html = f'<img src="{src}" alt="a">'
    assert clean_html(html) == html
    assert find_disallowed(html) == []


def test_control_characters_are_shown_escaped():
    assert find_disallowed('<a href="jav&#x09;ascript&#58;x">y</a>') == [
        '<a href="jav\\x09ascript:x">'
    ]


def test_text_is_escaped_not_interpreted():
    out = clean_html("<p>{{ 7*7 }} {% include '/etc/passwd' %} 1 &lt; 2 &amp; a<b</p>")
    assert "{{ 7*7 }}" in out and "{% include '/etc/passwd' %}" in out
    assert "1 &lt; 2 &amp; a" in out


# -- properties ----------------------------------------------------------------------------

_PIECES = st.sampled_from(
    [
        "<script>",
        "</script>",
        "<scr",
        "ipt>",
        "<img",
        " src=",
        " onerror=",
        "on",
        "load=",
        "<svg",
        "<a href=",
        "javascript:",
        "&#x09;",
        "&#58;",
        '"',
        "'",
        "<",
        ">",
        "/",
        "=",
        " ",
        "\t",
        "\n",
        "<p",
        "<style>",
        "<!--",
        "-->",
        "<![CDATA[",
        "]]>",
        "<iframe",
        "<math>",
        "<mtext>",
        "<table>",
        "<td",
        " style=",
        "alert(1)",
        "x",
        "نص",
        "\x00",
    ]
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text())
def test_arbitrary_text_never_yields_script_or_handlers(text):
    assert_safe(clean_html(text))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_PIECES, max_size=40).map("".join))
def test_html_like_soup_never_yields_script_or_handlers(soup):
    out = clean_html(soup)
    assert_safe(out)
    assert_safe(clean_html(out))


@pytest.mark.parametrize("cls", ["marking", "cover", "footnote", "box key-points", "running-title"])
def test_content_cannot_set_theme_classes(cls):
    out = clean_html(f'<p class="{cls}">نص</p><span class="{cls} x-note">نص</span>')
    assert out == '<p>نص</p><span class="x-note">نص</span>'
    assert find_disallowed(f'<p class="{cls}">x</p>')
