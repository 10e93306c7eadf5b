"""People's Markdown prints safely: no raw HTML, no images loaded, links as text and URL."""

from __future__ import annotations

from govern.presentation import markdown_html, markdown_text, md_cell, md_inline

HOSTILE = """Scope agreed with the owner.

<script>alert(1)</script>

An <b>inline</b> tag, ![the logo](https://tracker.example/pixel.png) and
![](file:///etc/passwd), a [policy link](https://bank.example/policy) and <https://auto.example>.

`code <b>kept</b>` and score < 0.5.

```
<i>fenced</i> ![x](y.png)
```
"""


def test_html_escapes_raw_html_and_prints_images_and_links_as_text() -> None:
    html = str(markdown_html(HOSTILE))
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<b>" not in html.replace("<code>code &lt;b&gt;", "") and "&lt;b&gt;inline" in html
    assert "<img" not in html and "<a " not in html
    assert "the logo (https://tracker.example/pixel.png)" in html
    assert "file:///etc/passwd" in html  # an image without alt text prints as its URL
    assert "policy link (https://bank.example/policy)" in html
    assert "https://auto.example." in html and "auto.example (https" not in html
    assert "<code>code &lt;b&gt;kept&lt;/b&gt;</code>" in html
    assert "<pre><code>&lt;i&gt;fenced&lt;/i&gt;" in html


def test_tables_and_emphasis_still_render() -> None:
    html = str(markdown_html("| a | b |\n|---|---|\n| 1 | *two* |\n"))
    assert "<table>" in html and "<em>two</em>" in html


def test_markdown_output_escapes_raw_html_and_images_outside_code() -> None:
    md = markdown_text(HOSTILE)
    assert "<script>" not in md and "&lt;script>alert(1)&lt;/script>" in md
    assert "An &lt;b>inline&lt;/b> tag" in md
    assert "!\\[the logo](https://tracker.example/pixel.png)" in md
    assert "!\\[](file:///etc/passwd)" in md
    assert "[policy link](https://bank.example/policy)" in md  # a link stays a link
    assert "`code <b>kept</b>` and score < 0.5." in md  # code and a bare "<" are kept
    assert "<i>fenced</i> ![x](y.png)" in md  # verbatim inside a fence
    # what a Markdown viewer makes of it: no tag, no image
    rendered = str(markdown_html(md))
    assert "<script>" not in rendered and "<img" not in rendered


def test_generated_values_in_markdown() -> None:
    assert md_inline(None) == "*not recorded*" and md_cell(None) == "*not recorded*"
    assert md_inline("<img src=x> at 2026-12-02T05:36:10.5Z") == (
        "&lt;img src=x> at 2026-12-02 05:36:10 UTC"
    )
    assert md_cell("a | b\nc") == "a \\| b c"
