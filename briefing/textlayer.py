"""Make WeasyPrint's PDF text layer give Arabic text back intact, and measure it.

Why this module exists
======================
WeasyPrint 70 draws Arabic correctly but its *text layer* (what copy/paste,
search, screen readers and text extractors read) loses words:

* every glyph id gets one ToUnicode entry, taken from the first cluster it was
  drawn in, so a glyph reused elsewhere carries the wrong text ('لكن' comes
  back as 'للكن'); a glyph that shares a cluster with another gets an empty
  entry, and pdfium then shows its glyph id as a character (U+01B1);
* marks stacked on marks (shadda + vowel) are drawn with a text rise, which
  puts text objects on other baselines: pdfium splits and reorders the line;
* poppler breaks words where Arabic glyphs overlap or leave a gap ('كوريا' ->
  'كور يا'); « » ( ) come back mirrored, numbers and % reordered.

On ``tests/corpus/hard_cases.html`` WeasyPrint alone gives back 0.71 (poppler
pdftotext) / 0.73 (pdfium) of the words and 0.86 / 0.86 of the characters;
with ``install()`` 1.00 / 1.00 and 0.989 / 0.998.

Mechanism
=========
``install()`` wraps ``weasyprint.draw.text.draw_first_line`` (it emits one
line of a text box as PDF text operators; SVG text goes through it too):

1. the original runs against a *recording* stream, so WeasyPrint does all its
   own work (fonts, widths, positions, ellipsis, emoji) exactly as before;
2. the recorded ``TJ``/``Ts``/``Tf`` operators are parsed back into glyphs
   with absolute positions and paired with Pango's glyphs and clusters; a line
   that does not pair up is replayed unchanged (``STATS['fallback']``);
3. the same glyphs are re-emitted at the same positions (pages look the same;
   a test compares renderings), grouped per word piece, each piece wrapped as

   .. code-block:: none

      /Span <</ActualText (text for poppler)>> BDC   % poppler only reads /Span
      /WPT <</ActualText (text for pdfium)>> BDC     % pdfium reads the innermost
      [glyphs] TJ
      EMC EMC

   Raised glyphs go last in a span whose ActualText is empty for poppler and
   non-printable for pdfium (both then skip it), so no text object leaves the
   baseline.  Poppler and pdfium both treat ActualText like glyph text in
   *visual* order and run their own, different, simplified bidi over it, so
   each gets a string prepared for it (see ``_prepare``): poppler the piece
   reversed; pdfium each run of letters reversed in place, punctuation glued
   to the word mirrored and kept in place, a space after each word.  Numbers
   with their %, separators and Arabic comma are one piece in logical order.
   An RLM (U+200F) before embedded left-to-right text, and before ':' '.' ','
   in Arabic, stops poppler from moving a neighbouring space or sign; words of
   an embedded left-to-right run are handed to pdfium in reverse order with
   an RLM each, which its right-to-left line reading undoes.  A word split
   over touching inline boxes, and text touching a raised footnote call, are
   joined into one pdfium unit by rewriting the already emitted span
   (``_LineState``).  SVG labels (drawn letter by letter, pre-shaped, in
   visual order by briefing/svgtext.py) give poppler plain letters and let
   pdfium read the glyphs' presentation forms, which it normalizes.
4. ToUnicode is fixed for glyphs first seen here (each glyph its own
   characters, never empty); pdfium uses it to tell right-to-left text.

Caveats: the ActualText strings follow what these two extractors need, not the
logical order the PDF specification intends, so a reader that honours
ActualText and applies no bidi of its own gets reversed Arabic words; the bidi
controls U+200E/U+200F appear in extracted text (``measure`` ignores them, as
fidelity tools do).  On a page that is mostly English, pdftotext reads the
whole page left to right and still misplaces ':' in Arabic lines there.

Tested with WeasyPrint 70.0 (Pango 1.50, HarfBuzz with hb-subset), poppler
pdftotext 22.12, pdfium 159 (pypdfium2 5.15).  ``install()`` refuses other
WeasyPrint major versions and checks the hooked function's signature, the
operators it emits and the stream/font attributes used.  Not thread-safe
(module state per line); render in processes, as WeasyPrint recommends.

Pipeline use: call ``install()`` once per process before rendering (any
``pdf_variant``; tagged PDF keeps working), then ``measure(pdf_bytes,
expected_plain_text)``.
"""

from __future__ import annotations

import functools
import inspect
import re
import subprocess
import unicodedata
from collections import Counter
from dataclasses import dataclass

__all__ = ['STATS', 'Fidelity', 'extract_text', 'install', 'measure', 'uninstall']

#: WeasyPrint major versions this patch has been tested with.
SUPPORTED_MAJOR = (70,)
TESTED_VERSIONS = ('70.0',)

#: Counters, useful in tests: lines re-emitted, lines left as WeasyPrint drew them.
STATS = Counter()

_EXPECTED_PARAMS = ['stream', 'textbox', 'text_overflow', 'block_ellipsis', 'matrix']
_ORIGINAL = None      # weasyprint.draw.text.draw_first_line before install()

RLM = '\u200f'
ZWJ = '\u200d'
_NOT_PRINTABLE = '\u0001'   # pdfium skips ActualText without printable chars
_MIRROR = {'(': ')', ')': '(', '[': ']', ']': '[', '{': '}', '}': '{',
           '<': '>', '>': '<', '«': '»', '»': '«', '‹': '›', '›': '‹'}
_NUMERIC_BIDI = ('EN', 'AN', 'ET', 'CS', 'ES')
_MARKS = ''.join(chr(c) for c in range(0x610, 0x670) if unicodedata.category(chr(c)) == 'Mn')
_TOKEN = re.compile(r'<([0-9a-fA-F]*)>|([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)')


# ----------------------------------------------------------------------------
# install / uninstall
# ----------------------------------------------------------------------------

def _check_weasyprint():
    """Return the ``weasyprint.draw.text`` module or raise if unsupported."""
    import weasyprint
    version = weasyprint.__version__
    try:
        major = int(version.split('.')[0])
    except ValueError:
        major = None
    if major not in SUPPORTED_MAJOR:
        raise RuntimeError(
            f'briefing.textlayer: WeasyPrint {version} is not supported '
            f'(tested: {", ".join(TESTED_VERSIONS)}); the text-layer fix hooks '
            'weasyprint.draw.text.draw_first_line and must be re-checked.')
    from weasyprint.draw import text as draw_text
    from weasyprint.pdf.fonts import Font
    from weasyprint.pdf.stream import Stream
    function = getattr(draw_text, 'draw_first_line', None)
    if function is None or not callable(function):
        raise RuntimeError(
            f'briefing.textlayer: WeasyPrint {version} has no '
            'weasyprint.draw.text.draw_first_line; the fix cannot be applied.')
    target = getattr(function, '__wrapped__', function)
    params = list(inspect.signature(target).parameters)
    if params != _EXPECTED_PARAMS:
        raise RuntimeError(
            f'briefing.textlayer: WeasyPrint {version} changed draw_first_line'
            f'{tuple(params)} (expected {tuple(_EXPECTED_PARAMS)}).')
    missing = [f'Stream.{name}' for name in (
        'show_text', 'set_text_rise', 'set_font_size', 'set_text_matrix', 'add_font')
        if not callable(getattr(Stream, name, None))]
    source = inspect.getsource(Font.__init__)
    missing += [f'Font.{name}' for name in (
        'to_unicode', 'widths', 'hash', 'bitmap', 'png', 'svg', 'colr', 'hb_font')
        if f'self.{name}' not in source]
    drawing = inspect.getsource(target)
    missing += [f'draw_first_line: {needle!r}' for needle in (
        'stream.show_text(', 'stream.set_text_rise(', 'stream.set_font_size(',
        'stream.set_text_matrix(', 'font.to_unicode[', "f'<{glyph_id:04x}>'")
        if needle not in drawing]
    if 'draw_first_line(' not in inspect.getsource(draw_text.draw_text):
        missing.append('draw_text -> draw_first_line call')
    if missing:
        raise RuntimeError(
            f'briefing.textlayer: WeasyPrint {version} changed internals the fix '
            f'relies on: {", ".join(missing)}.')
    return draw_text


def install() -> None:
    """Patch WeasyPrint so its PDFs carry a correct Arabic text layer.

    Idempotent.  Raises RuntimeError (naming the version) if the installed
    WeasyPrint is not one this patch supports or its internals changed shape.
    """
    global _ORIGINAL
    draw_text = _check_weasyprint()
    current = draw_text.draw_first_line
    if getattr(current, '_briefing_textlayer', False):
        return
    _ORIGINAL = current

    @functools.wraps(current)
    def draw_first_line(stream, textbox, text_overflow, block_ellipsis, matrix):
        return _draw_first_line(current, stream, textbox, text_overflow,
                                block_ellipsis, matrix)

    draw_first_line._briefing_textlayer = True
    draw_text.draw_first_line = draw_first_line


def uninstall() -> None:
    """Undo ``install()`` (for tests and comparisons)."""
    global _ORIGINAL
    from weasyprint.draw import text as draw_text
    if _ORIGINAL is not None and getattr(draw_text.draw_first_line,
                                         '_briefing_textlayer', False):
        draw_text.draw_first_line = _ORIGINAL
    _ORIGINAL = None


def installed() -> bool:
    from weasyprint.draw import text as draw_text
    return getattr(draw_text.draw_first_line, '_briefing_textlayer', False)


# ----------------------------------------------------------------------------
# HarfBuzz helpers (nominal glyph of a character, for ToUnicode and anchors)
# ----------------------------------------------------------------------------

@functools.lru_cache(maxsize=1)
def _harfbuzz():
    import cffi
    ffi = cffi.FFI()
    ffi.cdef('int hb_font_get_nominal_glyph (void *font, unsigned int unicode, '
             'unsigned int *glyph);')
    for name in ('harfbuzz', 'libharfbuzz.so.0', 'libharfbuzz-0.dll',
                 'libharfbuzz.0.dylib'):
        try:
            return ffi, ffi.dlopen(name)
        except OSError:
            continue
    return ffi, None


_NOMINAL = {}


def _nominal_glyph(font, char):
    key = (font.hash, char)
    if key not in _NOMINAL:
        hb_ffi, lib = _harfbuzz()
        glyph = None
        if lib is not None and font.hb_font is not None:
            from weasyprint.text.ffi import ffi
            out = hb_ffi.new('unsigned int *')
            pointer = hb_ffi.cast('void *', int(ffi.cast('uintptr_t', font.hb_font)))
            if lib.hb_font_get_nominal_glyph(pointer, ord(char), out):
                glyph = out[0]
        _NOMINAL[key] = glyph
    return _NOMINAL[key]


# ----------------------------------------------------------------------------
# Recording, parsing and re-emitting one line
# ----------------------------------------------------------------------------

class _Recorder:
    """Stand-in for WeasyPrint's Stream that records text operators."""

    def __init__(self, stream):
        self._stream = stream
        self.ops = []
        self.fonts = {}
        self.known = {}   # font hash -> glyph ids that had ToUnicode before

    def __getattr__(self, name):
        return getattr(self._stream, name)

    def add_font(self, pango_font):
        font, size = self._stream.add_font(pango_font)
        self.fonts[font.hash] = font
        self.known.setdefault(font.hash, set(font.to_unicode))
        return font, size

    def show_text(self, string):
        self.ops.append(('TJ', string))

    def set_text_rise(self, rise):
        self.ops.append(('Ts', rise))

    def set_font_size(self, font, size):
        self.ops.append(('Tf', font, size))

    def set_text_matrix(self, *values):
        self.ops.append(('Tm', values))


class _Glyph:
    __slots__ = (
        'end',
        'font',
        'gid',
        'hex',
        'level',
        'rise',
        'rtl',
        'run',
        'size',
        'start',
        'x',
    )

    def __init__(self, font, size, hex_, x, rise):
        self.font, self.size, self.hex, self.x, self.rise = font, size, hex_, x, rise
        self.gid = int(hex_, 16)

    @property
    def advance(self):
        return self.font.widths[self.gid] / 1000 * self.size


def _replay(stream, ops):
    for op in ops:
        if op[0] == 'TJ':
            stream.show_text(op[1])
        elif op[0] == 'Ts':
            stream.set_text_rise(op[1])
        elif op[0] == 'Tf':
            stream.set_font_size(op[1], op[2])
        elif op[0] == 'Tm':
            stream.set_text_matrix(*op[1])


def _parse(ops, fonts):
    """Turn recorded operators into glyphs with absolute text-space x."""
    glyphs, font, size, pen, rise, matrix = [], None, None, 0.0, 0, None
    for op in ops:
        if op[0] == 'Tm':
            matrix, pen = op[1], 0.0
        elif op[0] == 'Tf':
            font, size = fonts.get(op[1]), op[2]
            if font is None or font.bitmap or font.png or font.svg or font.colr:
                return None, None     # bitmap / colour fonts: leave untouched
        elif op[0] == 'Ts':
            rise = op[1]
        elif op[0] == 'TJ':
            if font is None or matrix is None:
                return None, None
            for match in _TOKEN.finditer(op[1]):
                if match.group(1) is not None:
                    hex_ = match.group(1)
                    if len(hex_) % 4:
                        return None, None
                    for i in range(0, len(hex_), 4):
                        glyph = _Glyph(font, size, hex_[i:i + 4], pen, rise)
                        if glyph.gid not in font.widths:
                            return None, None
                        glyphs.append(glyph)
                        pen += glyph.advance
                else:
                    pen -= float(match.group(2)) / 1000 * size
    return matrix, glyphs


def _pango_glyphs(textbox):
    """(run, cluster start, cluster end, rtl, level) per drawn glyph, visual order."""
    from weasyprint.text.ffi import ffi, pango
    first_line = pango.pango_layout_get_line_readonly(textbox.pango_layout.layout, 0)
    result, run, index = [], first_line.runs[0], 0
    while run != ffi.NULL:
        item = run.data
        run = run.next
        glyph_string = item.glyphs
        count = glyph_string.num_glyphs
        clusters = [glyph_string.log_clusters[i] for i in range(count)]
        starts = sorted(set(clusters))
        ends = dict(zip(starts, [*starts[1:], item.item.length], strict=True))
        offset = item.item.offset
        level = item.item.analysis.level & 0xff   # guint8 in Pango's struct
        for i in range(count):
            if glyph_string.glyphs[i].glyph == pango.PANGO_GLYPH_EMPTY:
                continue
            result.append((index, offset + clusters[i], offset + ends[clusters[i]],
                           level % 2, level))
        index += 1
    return result


def _num(value):
    text = f'{value:.3f}'.rstrip('0').rstrip('.')
    return '0' if text in ('-0', '') else text


class _Emitter:
    """Writes glyphs at given absolute positions, tracking the pen."""

    def __init__(self, stream, matrix):
        self.stream = stream
        self.pen = 0.0
        self.font = self.size = None
        self.rise = 0
        stream.set_text_matrix(*matrix)

    def _font(self, font, size):
        if (font, size) != (self.font, self.size):
            self.stream.set_font_size(font.hash, size)
            self.font, self.size = font, size

    def _rise(self, rise):
        if rise != self.rise:
            self.stream.set_text_rise(rise)
            self.rise = rise

    def glyphs(self, glyphs):
        chunk = []
        for glyph in glyphs:
            if chunk and (glyph.font is not chunk[0].font or glyph.size != chunk[0].size
                          or glyph.rise != chunk[0].rise):
                self._show(chunk)
                chunk = []
            chunk.append(glyph)
        self._show(chunk)

    def _show(self, chunk):
        if not chunk:
            return
        self._font(chunk[0].font, chunk[0].size)
        self._rise(chunk[0].rise)
        parts = []
        for glyph in chunk:
            delta = glyph.x - self.pen
            if abs(delta) > 1e-6:
                parts.append(_num(-delta * 1000 / glyph.size))
            parts.append(f'<{glyph.hex}>')
            self.pen = glyph.x + glyph.advance
        self.stream.show_text(''.join(parts))

    def reset(self):
        self._rise(0)


def _hex_text(text):
    return b'<feff' + text.encode('utf-16-be').hex().encode() + b'>'


def _begin(stream, poppler, pdfium):
    """Open both spans; return the index of the pdfium one in the stream."""
    stream.stream.append(b'/Span <</ActualText ' + _hex_text(poppler) + b'>> BDC')
    stream.stream.append(_pdfium_span(pdfium))
    return len(stream.stream) - 1


def _pdfium_span(text):
    return b'/WPT <</ActualText ' + _hex_text(text) + b'>> BDC'


# ----------------------------------------------------------------------------
# Text preparation for the two extractors
# ----------------------------------------------------------------------------

def _bidi_class(char):
    kind = unicodedata.bidirectional(char)
    if kind in ('R', 'AL'):
        return 'R'
    if kind == 'L':
        return 'L'
    if kind == 'WS' or char.isspace():
        return 'W'
    return 'O'


def _for_pdfium_rtl(text):
    """Reverse each run of same-class characters in place, mirror brackets."""
    out, run, run_class = [], [], None
    for char in text:
        kind = _bidi_class(char)
        if run and kind != run_class:
            out.extend(reversed(run))
            run = []
        run.append(char)
        run_class = kind
    out.extend(reversed(run))
    return ''.join(_MIRROR.get(char, char) for char in out)


def _unpresent(text):
    """Arabic presentation forms (pre-shaped text, e.g. in SVG) -> letters."""
    if not any('\ufb50' <= c <= '\ufdff' or '\ufe70' <= c <= '\ufefe' for c in text):
        return text
    return ''.join(unicodedata.normalize('NFKC', c)
                   if '\ufb50' <= c <= '\ufdff' or '\ufe70' <= c <= '\ufefe' else c
                   for c in text)


def _mirror(text):
    return ''.join(_MIRROR.get(char, char) for char in text)


def _is_mark(char):
    return unicodedata.category(char) in ('Mn', 'Me')


def _kind(text):
    if all(unicodedata.bidirectional(c) in _NUMERIC_BIDI for c in text):
        return 'n'          # digits, %, separators, Arabic comma
    if any(unicodedata.category(c)[0] in 'LM' or unicodedata.bidirectional(c) == 'AL'
           for c in text):
        return 'w'          # letters, marks, Arabic punctuation (؛ ؟)
    return 'p'              # punctuation, symbols


def _paragraph_rtl(textbox):
    """Direction of the block the text box sits in (style chain up to a block)."""
    style = textbox.style
    for _ in range(12):
        if style is None:
            break
        display = style['display']
        outer = display[0] if isinstance(display, tuple) else str(display)
        if outer not in ('inline',) and 'inline' not in str(display):
            return style['direction'] == 'rtl'
        style = getattr(style, 'parent_style', None)
    return textbox.style['direction'] == 'rtl'


def _fix_to_unicode(glyphs, utf8, known):
    """Give glyphs first seen here their own characters in ToUnicode."""
    clusters = {}
    for glyph in glyphs:
        clusters.setdefault((glyph.run, glyph.start), []).append(glyph)
    for members in clusters.values():
        if all(g.gid in known.get(g.font.hash, ()) for g in members):
            continue
        text = utf8[members[0].start:members[0].end].decode('utf-8', 'replace')
        logical = members[::-1] if members[0].rtl else members
        if len(logical) == 1:
            assigned = {id(logical[0]): text}
        else:
            assigned = {id(g): '' for g in logical}
            rest = []
            for char in text:
                for glyph in logical:
                    if not assigned[id(glyph)] and _nominal_glyph(glyph.font, char) == glyph.gid:
                        assigned[id(glyph)] = char
                        break
                else:
                    rest.append(char)
            if rest:
                base = max(logical, key=lambda g: (g.font.widths.get(g.gid, 0),
                                                   -logical.index(g)))
                if _is_mark(rest[0]):
                    assigned[id(base)] += ''.join(rest)
                else:
                    assigned[id(base)] = ''.join(rest) + assigned[id(base)]
        for glyph in logical:
            seen = known.setdefault(glyph.font.hash, set())
            if glyph.gid in seen:
                continue
            glyph.font.to_unicode[glyph.gid] = assigned[id(glyph)] or ZWJ
            seen.add(glyph.gid)


def _draw_first_line(original, stream, textbox, text_overflow, block_ellipsis, matrix):
    recorder = _Recorder(stream)
    emojis = original(recorder, textbox, text_overflow, block_ellipsis, matrix)
    try:
        pieces = _prepare(recorder, textbox)
    except Exception:   # never lose text because of this module
        pieces = None
    if pieces is None:
        STATS['fallback'] += bool(recorder.ops)
        _replay(stream, recorder.ops)
        return emojis
    STATS['lines'] += 1
    matrix, piece_list = pieces
    if _is_svg(textbox):   # one letter per box, in visual order: nothing to join
        _emit(stream, matrix, piece_list)
        return emojis
    try:
        _LINE.before(stream, textbox, matrix, piece_list)
    except Exception:   # joining is an improvement only: forget the line
        STATS['line_state_error'] += 1
        _LINE.reset(None, None)
    _emit(stream, matrix, piece_list)
    try:
        _LINE.after(textbox, matrix, piece_list)
    except Exception:
        STATS['line_state_error'] += 1
        _LINE.reset(None, None)
    return emojis


def _is_svg(textbox):
    """SVG <text> is drawn letter by letter with WeasyPrint's own dummy box."""
    return type(textbox).__module__.endswith('.svg.text')


def _is_call(textbox):
    tag = getattr(textbox, 'element_tag', '') or ''
    return tag.endswith('::footnote-call') or tag in ('sup', 'sub')


def _extent(matrix, pieces):
    """Left and right x (user space) of the glyphs drawn for a box."""
    glyphs = [g for piece in pieces for g in piece.members]
    left = min(g.x for g in glyphs)
    right = max(g.x + g.advance for g in glyphs)
    return matrix[4] + left, matrix[4] + right


def _last_glyph_start(matrix, pieces):
    """Left x (user space) of the rightmost glyph drawn for a box."""
    return matrix[4] + max(g.x for piece in pieces for g in piece.members)


_TOUCH = 0.5   # boxes closer than this (pt) are visually adjacent


class _LineState:
    """What was drawn before on the current line, for two pdfium problems.

    * A word split over adjacent inline boxes ('كل<b>مة</b>') becomes two
      pdfium units that pdfium keeps in visual order: the whole word goes to
      the second unit, the first is blanked (poppler joins them by itself).
    * A raised box (footnote call, sup) makes pdfium split the line in two
      groups and put the part before the call at the end of the line: the call
      and the text touching it on its right are blanked for pdfium and given
      to the unit touching it on its left (pdfium keeps one unit's text in
      order).  The box after the call may reach under it (a comma's advance
      can be wider than the room Pango gave it): it touches when its
      rightmost glyph starts no further right than the call ends.
    Only boxes that touch (same baseline, no gap) are joined, so table cells
    and columns are never merged.  Blanking rewrites an already emitted
    '/WPT' span of the same page stream.
    """

    def __init__(self):
        self.reset(None, None)

    def reset(self, stream_list, y):
        # Called on a new baseline or page; a pending call stays visible.
        self.stream, self.y = stream_list, y
        self.boxes = []        # dicts: indexes, text, left, right, open_word
        self.call = None       # dict: text, visible [(index, text)], left, right, chain
        self.current_call = None
        self.prefix_used = ''

    def _restore_call(self):
        if self.call is not None and self.stream is not None:
            for index, text in self.call['visible']:
                self.stream[index] = _pdfium_span(text)
        self.call = None

    @staticmethod
    def _owners(pieces):
        return sorted((p for p in pieces if p.key is not None and p.owner),
                      key=lambda p: p.start)

    def _chain_ending_at(self, x):
        """Earlier boxes forming a touching run whose left edge is at x (RTL)."""
        chain, edge = [], x
        for box in reversed(self.boxes):
            if abs(box['left'] - edge) > _TOUCH:
                break
            chain.insert(0, box)
            edge = box['right']
        return chain

    def before(self, stream, textbox, matrix, pieces):
        owners = self._owners(pieces)
        self.current_call = None
        self.prefix_used = ''
        if not owners:
            return
        left, right = _extent(matrix, pieces)
        if _is_call(textbox):
            if self.stream is stream.stream and _paragraph_rtl(textbox) and self.call is None:
                chain = self._chain_ending_at(right)
                if chain:
                    self.current_call = {
                        'text': ''.join(p.logical for p in owners),
                        'visible': [(p, p.pdfium) for p in owners],
                        'left': left, 'right': right, 'chain': chain}
                    for piece in owners:
                        piece.pdfium = _NOT_PRINTABLE
            return
        y = matrix[5]
        if self.stream is not stream.stream or self.y is None or abs(self.y - y) > 0.5:
            self._restore_call()
            self.reset(stream.stream, y)
        first = owners[0]
        # The text after a call may reach under it: a glyph's advance (Amiri's
        # comma) can be wider than the room Pango gave it.  Touching means the
        # box's rightmost glyph starts no further right than the call ends.
        touching_call = (self.call is not None and left < self.call['left']
                         and right >= self.call['left'] - _TOUCH
                         and _last_glyph_start(matrix, pieces) <= self.call['right'] + _TOUCH)
        previous = self.boxes[-1] if self.boxes else None
        if touching_call and first.rtl and first.kind != 'n':
            chain = self.call['chain']
            prefix = ''.join(box['text'] for box in chain) + self.call['text']
            for box in chain:
                for index in box['indexes']:
                    self.stream[index] = _pdfium_span(_NOT_PRINTABLE)
            self.boxes = [box for box in self.boxes if box not in chain]
            self.call = None
            STATS['call_joined'] += 1
        elif (self.call is None and previous is not None and previous['open_word']
              and abs(previous['left'] - right) <= _TOUCH and first.start == 0
              and first.kind == 'w' and first.rtl):
            index, prefix = previous['open_word']
            self.stream[index] = _pdfium_span(_NOT_PRINTABLE)
            previous['text'] = previous['text'][:len(previous['text']) - len(prefix)]
            previous['open_word'] = None
        else:
            self._restore_call()
            return
        pad = first.pdfium[len(_for_pdfium_rtl(first.logical)):] if first.rtl else ''
        first.pdfium = _for_pdfium_rtl(prefix + first.logical) + pad
        self.prefix_used = prefix

    def after(self, textbox, matrix, pieces):
        owners = self._owners(pieces)
        if self.current_call is not None:
            call = self.current_call
            call['visible'] = [(p.index, text) for p, text in call['visible']]
            self.call = call
            return
        if not owners:
            return
        text = textbox.pango_layout.text.encode()
        start, end = owners[0].start, owners[-1].end
        credited = self.prefix_used + _unpresent(text[start:end].decode('utf-8', 'replace'))
        if end < len(text) and text[end:end + 1].isspace():
            credited += ' '
        last = owners[-1]
        open_word = None
        if last.end == len(text) and last.kind == 'w' and last.rtl:
            open_word = (last.index,
                         (self.prefix_used if len(owners) == 1 else '') + last.logical)
        left, right = _extent(matrix, pieces)
        self.boxes.append({'indexes': [p.index for p in owners], 'text': credited,
                           'left': left, 'right': right, 'open_word': open_word})


_LINE = _LineState()


def _prepare(recorder, textbox):
    matrix, glyphs = _parse(recorder.ops, recorder.fonts)
    if not glyphs:
        return None
    info = _pango_glyphs(textbox)
    if len(info) != len(glyphs):
        return None
    text = textbox.pango_layout.text
    utf8 = text.encode()
    for glyph, (run, start, end, rtl, level) in zip(glyphs, info, strict=True):
        glyph.run, glyph.start, glyph.end, glyph.rtl, glyph.level = run, start, end, rtl, level
    _fix_to_unicode(glyphs, utf8, recorder.known)

    # Word number of every byte (None for white space).
    word_of = [None] * (len(utf8) + 1)
    word, previous_space, position = 0, True, 0
    for char in text:
        space = char.isspace()
        if not space and previous_space:
            word += 1
        size = len(char.encode())
        for k in range(size):
            word_of[position + k] = None if space else word
        position += size
        previous_space = space

    svg = _is_svg(textbox)
    paragraph_rtl = _paragraph_rtl(textbox)
    box_embedded_ltr = paragraph_rtl and textbox.style['direction'] == 'ltr'

    # Logical runs of embedded left-to-right text (even level >= 2, or the
    # whole box when it is an LTR inline inside an RTL paragraph).
    levels = sorted({(g.start, g.level) for g in glyphs})
    sequences, current = [], None
    for start, level in levels:
        embedded = (level >= 2 and level % 2 == 0) or (box_embedded_ltr and level % 2 == 0)
        if embedded:
            if current is None:
                current = [start, start]
                sequences.append(current)
            current[1] = start
        else:
            current = None
    sequence_starts = {start for start, _ in sequences}

    # Group consecutive glyphs into pieces: same word, same run, same kind
    # (numbers ignore the run so that "90%" / "٩٠٪" stay one piece).
    groups = []
    for glyph in glyphs:
        cluster = utf8[glyph.start:glyph.end].decode('utf-8', 'replace')
        key = None
        if word_of[glyph.start] is not None:
            kind = _kind(cluster)
            key = (None if kind == 'n' else glyph.run, word_of[glyph.start], kind)
        if groups and key is not None and groups[-1][0] == key:
            groups[-1][1].append(glyph)
        else:
            groups.append((key, [glyph]))

    pieces = []
    for key, members in groups:
        if key is None:
            pieces.append(_Piece(None, members))
            continue
        start = min(g.start for g in members)
        end = max(g.end for g in members)
        logical = _unpresent(utf8[start:end].decode('utf-8', 'replace'))
        if key[2] == 'n' and not any(c.isdigit() for c in logical):
            key = (members[0].run, key[1], 'p')     # lone separator: punctuation
        piece = _Piece(key, members, start, end, logical)
        # A space after the unit (or the end of the box: next cell, next
        # inline box) keeps pdfium from gluing it to the next unit.
        follows_space = end == len(utf8) or utf8[end:end + 1].decode('utf-8', 'ignore').isspace()
        if svg:
            # SVG labels are drawn letter by letter, pre-shaped and already in
            # visual order (briefing/svgtext.py): poppler gets the plain letter;
            # pdfium, given an empty ActualText, reads the glyph's ToUnicode
            # (a presentation form, which it normalizes and reorders itself).
            piece.poppler, piece.pdfium = logical, ''
        elif key[2] == 'n' and paragraph_rtl:
            # A number starting left-to-right text in an Arabic paragraph; a
            # number inside a Latin run is part of that run (no RLM).
            embedded_start = start in sequence_starts or any(
                g.rtl for g in members) or not any(g.level >= 2 for g in members)
            piece.poppler = (RLM if embedded_start else '') + logical
            piece.pdfium = logical
        elif piece.rtl:
            piece.poppler = logical[::-1]
            if key[2] == 'p' and any(unicodedata.bidirectional(c) in _NUMERIC_BIDI
                                     for c in logical):
                # poppler counts ':' '.' ',' as number characters and would glue
                # them to the neutral characters on their left; an RLM stops it.
                piece.poppler = RLM + piece.poppler
            piece.pdfium = _for_pdfium_rtl(logical) + (' ' if follows_space else '')
        elif members[0].level >= 2 or box_embedded_ltr:
            piece.poppler = (RLM if start in sequence_starts else '') + logical
            piece.pdfium = logical
        else:
            piece.poppler = piece.pdfium = logical
        pieces.append(piece)

    # pdfium reads a line right to left when it holds at least as many
    # right-to-left as left-to-right runs, and then reverses the order of the
    # pieces of an embedded left-to-right run: hand it those pieces in reverse
    # order.  An RLM in front of the last word of each group of Latin words
    # keeps the balance of runs and anchors the brackets and signs around the
    # group; pdfium puts it after the group, so phrases stay searchable.
    # Only where Arabic is around: a Latin-only line reads fine as it is.
    if sequences and (any(g.rtl for g in glyphs) or box_embedded_ltr):
        for first, last in sequences:
            run = sorted((p for p in pieces if p.key is not None and not p.rtl
                          and first <= p.start <= last), key=lambda p: p.start)
            kinds = [p.kind for p in run]
            texts = [p.logical for p in run]
            for index, piece in enumerate(reversed(run)):
                kind, text = kinds[index], texts[index]   # piece carries item `index`
                if kind == 'p':
                    text = _mirror(text)
                elif kind == 'w' and (index == len(run) - 1 or kinds[index + 1] != 'w'):
                    text = RLM + text
                piece.pdfium = text

    # pdfium mishandles punctuation glued to an Arabic word when it is a unit
    # of its own (it swaps it with the word's last marks, or even starts a new
    # line after an Arabic comma): give the word the whole token.
    by_start = {p.start: p for p in pieces if p.key is not None}
    seen = set()
    for piece in sorted((p for p in pieces if p.key is not None), key=lambda p: p.start):
        if id(piece) in seen:
            continue
        token, cursor = [piece], piece
        while cursor.end in by_start and by_start[cursor.end].rtl and cursor.rtl \
                and by_start[cursor.end].key[2] != 'n' and cursor.key[2] != 'n':
            cursor = by_start[cursor.end]
            token.append(cursor)
        seen.update(id(p) for p in token)
        words = [p for p in token if p.key[2] == 'w']
        if len(token) > 1 and words:
            owner = words[0]
            owner.start, owner.end = token[0].start, token[-1].end
            owner.logical = _unpresent(utf8[owner.start:owner.end].decode('utf-8', 'replace'))
            follows_space = (owner.end == len(utf8) or
                             utf8[owner.end:owner.end + 1].decode('utf-8', 'ignore').isspace())
            # Verified behaviour of pdfium: the word is read as _for_pdfium_rtl
            # expects; punctuation glued before or after it is mirrored but
            # kept in order.
            lead = ''.join(p.logical for p in token[:token.index(words[0])])
            trail = ''.join(p.logical for p in token[token.index(words[-1]) + 1:])
            core = owner.logical[len(lead):len(owner.logical) - len(trail)]
            # Marks ending the word before '.', ':' or '،' (not before a
            # bracket or quote) come out after that sign unless moved there.
            marks = (len(core) - len(core.rstrip(_MARKS))
                     if trail and unicodedata.bidirectional(trail[0]) in _NUMERIC_BIDI else 0)
            if marks == len(core):
                marks = 0
            owner.pdfium = (_mirror(lead) + _for_pdfium_rtl(core[:len(core) - marks])
                            + _mirror(trail) + core[len(core) - marks:]
                            + (' ' if follows_space and not trail else ''))
            for other in token:
                if other is not owner:
                    other.pdfium = _NOT_PRINTABLE
                    other.owner = False
    return matrix, pieces


class _Piece:
    """Glyphs of one word piece and the ActualText for each extractor."""
    __slots__ = (
        'end',
        'index',
        'key',
        'logical',
        'members',
        'owner',
        'pdfium',
        'poppler',
        'start',
    )

    def __init__(self, key, members, start=0, end=0, logical=''):
        self.key, self.members = key, members
        self.start, self.end, self.logical = start, end, logical
        self.poppler = self.pdfium = None
        self.index = None      # position of the pdfium span in the page stream
        self.owner = True      # False: its pdfium text is carried by another piece

    @property
    def rtl(self):
        return bool(self.members[0].rtl)

    @property
    def kind(self):
        return self.key[2]


def _emit(stream, matrix, pieces):
    emitter = _Emitter(stream, matrix)
    raised_all = []
    for piece in pieces:
        if piece.key is None:
            emitter.glyphs(piece.members)
            continue
        piece.index = _begin(stream, piece.poppler, piece.pdfium)
        base = [g for g in piece.members if not g.rise]
        if base:
            raised_all.extend(g for g in piece.members if g.rise)
            emitter.glyphs(base)
        else:
            emitter.glyphs(piece.members)
        emitter.reset()
        stream.stream.append(b'EMC EMC')
    if raised_all:
        # Glyphs drawn with a text rise (marks stacked on marks) go last, in a
        # span both extractors ignore (their text is in their word's span):
        # a raised text object in the middle of a line makes pdfium split the
        # line and reorder the halves, and shifts poppler's word boxes.
        stream.stream.append(b'/Span <</ActualText <feff>>> BDC')
        stream.stream.append(_pdfium_span(_NOT_PRINTABLE))
        emitter.glyphs(raised_all)
        emitter.reset()
        stream.stream.append(b'EMC EMC')
    emitter.reset()


# ----------------------------------------------------------------------------
# Measuring
# ----------------------------------------------------------------------------

@dataclass(frozen=True)
class Fidelity:
    extractor: str            # "pdftotext" or "pdfium"
    words: float              # share of expected words found intact (0..1)
    chars: float              # whitespace-insensitive char similarity (0..1)
    presentation_forms: int   # Arabic presentation-form code points extracted
    missing: tuple[str, ...]  # a few example expected words not found


def extract_text(pdf: bytes, extractor: str) -> str:
    """Text of ``pdf`` as poppler's ``pdftotext`` or pdfium reads it."""
    if extractor == 'pdftotext':
        result = subprocess.run(['pdftotext', '-enc', 'UTF-8', '-', '-'], input=pdf,
                                capture_output=True, check=True)
        return result.stdout.decode('utf-8', 'replace')
    if extractor == 'pdfium':
        import pypdfium2
        document = pypdfium2.PdfDocument(pdf)
        try:
            pages = []
            for index in range(len(document)):
                page = document[index]
                textpage = page.get_textpage()
                pages.append(textpage.get_text_range())
                textpage.close()
                page.close()
            return '\n'.join(pages)
        finally:
            document.close()
    raise ValueError(f'unknown extractor {extractor!r} (pdftotext or pdfium)')


# Ignored everywhere: bidi controls and marks, zero-width characters, tatweel
# (elongation only), soft hyphen, BOM/noncharacters pdfium may emit.
_IGNORABLE = re.compile('[\u200b-\u200f\u202a-\u202e\u2066-\u2069\u061c\u0640'
                        '\u00ad\ufeff\ufffe\uffff\u0002]')
_PUNCTUATION = re.compile(r'[\s.,:;!?()\[\]{}«»"“”\'‘’…\-–—/\\•·'
                          '\u060c\u061b\u061f\u06d4\u066b\u066c]+')
# A token never mixes scripts: extractors may drop the space where the
# direction changes ("Unبالرئيس"), which viewers' search tolerates.
_SCRIPT_SPLIT = re.compile(
    r'(?<=[\u0600-\u06ff\u0750-\u077f\u08a0-\u08ff])(?=[A-Za-z\u00c0-\u024f0-9])'
    r'|(?<=[A-Za-z\u00c0-\u024f0-9%])(?=[\u0600-\u065f\u066e-\u06ff\u0750-\u077f])'
    r'|(?<=[^\W\d_])(?=\d)|(?<=\d)(?=[^\W\d_])')


def _normalize(text):
    return _IGNORABLE.sub('', unicodedata.normalize('NFC', text))


def _words(text):
    tokens = []
    for chunk in _PUNCTUATION.split(_normalize(text)):
        if chunk:
            tokens.extend(t for t in _SCRIPT_SPLIT.split(chunk) if t)
    return tokens


def _score(extractor, expected, text):
    from rapidfuzz.distance import Levenshtein
    want, got = Counter(_words(expected)), Counter(_words(text))
    total = sum(want.values())
    found = sum(min(count, got[word]) for word, count in want.items())
    missing = tuple(word for word, count in want.items() if got[word] < count)[:10]
    a = re.sub(r'\s+', '', _normalize(expected))
    b = re.sub(r'\s+', '', _normalize(text))
    forms = sum(1 for c in text if '\ufb50' <= c <= '\ufdff' or '\ufe70' <= c <= '\ufeff')
    return Fidelity(extractor=extractor, words=found / total if total else 1.0,
                    chars=Levenshtein.normalized_similarity(a, b),
                    presentation_forms=forms, missing=missing)


def measure(pdf: bytes, expected: str, extractors=('pdfium',)) -> list[Fidelity]:
    """How much of ``expected`` (plain text) each extractor reads back from ``pdf``.

    ``words``: multiset recall of expected tokens (NFC; bidi controls, zero-width
    characters and tatweel removed; split on white space and punctuation and
    where the script changes).  ``chars``: Levenshtein similarity of both texts
    with all white space removed (order matters: give ``expected`` in reading
    order, footnotes where they print).  ``presentation_forms``: count of
    U+FB50-FDFF and U+FE70-FEFF characters in the raw extraction (should be 0).
    """
    return [_score(name, expected, extract_text(pdf, name)) for name in extractors]
