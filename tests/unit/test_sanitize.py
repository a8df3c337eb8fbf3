"""User text becomes the keystrokes of exactly one llama-cli turn."""

from __future__ import annotations

import pytest

from neuro_tui.engine.events import Flavor
from neuro_tui.engine.sanitize import clean, prepare

ALL = list(Flavor)


@pytest.mark.parametrize("flavor", ALL)
@pytest.mark.parametrize("text", ["", "   ", "\n\n", "\t", "\x00\x07", " \r\n \t "])
def test_empty_messages_are_refused(flavor, text):
    with pytest.raises(ValueError):
        prepare(text, flavor)


@pytest.mark.parametrize("flavor", ALL)
def test_one_line(flavor):
    p = prepare("What is the capital of France?", flavor)
    assert p.payload == b"What is the capital of France?\r" and p.lines == 1


def test_tab_and_control_characters_never_reach_the_editor():
    p = prepare("a\tb\x1b[31mc\x07d\x7fe\u0085f", Flavor.BITNET)
    assert p.payload == b"a    bcdef\r"  # the escape goes whole (textsafe), not just ESC
    assert all(byte >= 0x20 for byte in p.payload[:-1])


@pytest.mark.parametrize("flavor", ALL)
def test_multi_line_uses_backslash_continuation(flavor):
    p = prepare("Line one\r\nline two\n\nline four", flavor)
    assert p.payload == b"Line one\\\rline two\\\r\\\rline four\r"
    assert p.lines == 4 and p.text == "Line one\nline two\n\nline four"


def test_blank_lines_around_the_message_are_dropped():
    assert prepare("\n\n  hi  \n\n", Flavor.UPSTREAM_CNV).payload == b"  hi  \r"


@pytest.mark.parametrize("flavor", ALL)
@pytest.mark.parametrize(("text", "sent"), [
    ("C:\\temp\\", b"C:\\temp\\ \r"), ("and/or/", b"and/or/ \r"), ("x\\\ny", b"x\\\\\ry\r"),
])
def test_trailing_backslash_and_slash_are_padded(flavor, text, sent):
    assert prepare(text, flavor).payload == sent


def test_leading_slash_is_escaped_for_the_new_cli_only():
    assert prepare("/exit please", Flavor.UPSTREAM_CHAT).payload == b" /exit please\r"
    assert prepare("/exit please", Flavor.UPSTREAM_CNV).payload == b"/exit please\r"
    assert prepare("  /clear", Flavor.UPSTREAM_CHAT).payload == b"   /clear\r"


def test_utf8_is_kept_and_surrogates_replaced():
    p = prepare("café 🙂 漢字", Flavor.UPSTREAM_CNV)
    assert p.payload == "café 🙂 漢字\r".encode()
    assert clean("a\ud800b") == "a\ufffdb"  # never a silent "?"


def test_big_paste_is_one_turn():
    text = "\n".join(f"line {i}: " + "x" * 60 for i in range(300))
    p = prepare(text, Flavor.UPSTREAM_CNV)
    assert p.lines == 300 and p.payload.count(b"\r") == 300 and len(p.payload) > 20_000
    assert p.payload.count(b"\\\r") == 299


def test_unmeasurable_code_points_are_replaced():
    assert clean("a\U000e0080b\ue000c") == "a\ufffdb\ufffdc"  # unassigned, private use
    assert clean("zero\u200bwidth") == "zero\u200bwidth"  # width 0 is fine, only < 0 asks


def test_system_text_keeps_quotes_but_never_the_old_ready_marker():
    from neuro_tui.engine.sanitize import system_text

    text = "> first\nsaid:\n> quoted\n> > nested\n>no space\nnot > here"
    safe = system_text(text, Flavor.UPSTREAM_CNV)
    assert "\n> " not in "\n" + safe
    assert safe == " > first\nsaid:\n > quoted\n > > nested\n>no space\nnot > here"
    assert system_text(text, Flavor.BITNET) == safe
    assert system_text(text, Flavor.UPSTREAM_CHAT) == text  # its marker is coloured
