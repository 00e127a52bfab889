"""Writes the hostile-input corpus of tests/kafka/hostile_test.sh: one file per message, named by
its kind, and manifest.tsv (kind, partition, expected outcome: `ok` or the dead letter's
error.code), plus ok.jsonl (the messages expected to be processed, one per line, for
`brinkwatch classify`). The same kinds as tests/core/hostile_input_test.cpp, as bytes on the wire.

Partitions: the embedded broker keeps about 5 MiB per partition and, when one message pushes a
partition over that, it drops the older messages *and* (librdkafka 2.0.2's mock, a bug) moves
the log start past the new one. So each message over 1 MB gets a partition whose first message
it is, and the small ones share one partition well under 5 MiB.

usage: hostile_corpus.py OUTDIR
"""
import json
import os
import random
import sys

out = sys.argv[1]
os.makedirs(out, exist_ok=True)

SIGNAL = ("The United States sent three guided-missile destroyers toward Venezuela on Tuesday, two "
          "defence officials said.")

manifest = []
ok_lines = []


def art(kind, text=None, **fields):
    a = {"id": f"hostile-{kind}", "title": "Report", "lang": "en"}
    if text is not None:
        a["text"] = text
    a.update(fields)
    return a


def add(kind, partition, expect, payload):
    if isinstance(payload, dict):
        payload = json.dumps(payload, ensure_ascii=False).encode()
    elif isinstance(payload, str):
        payload = payload.encode()
    with open(os.path.join(out, kind), "wb") as f:
        f.write(payload)
    manifest.append((kind, partition, expect, len(payload)))
    if expect == "ok":
        assert b"\n" not in payload
        ok_lines.append(payload)


def inside_words(sentence, insert):
    res, run = [], 0
    for ch in sentence:
        run = run + 1 if ch.isalpha() else 0
        res.append(ch)
        if run == 2:
            res.append(insert)
    return "".join(res)


SMALL = 6  # the partition of the small messages
sig = json.dumps(art("x", SIGNAL), ensure_ascii=False)

# -- decoded to an error code (dead letter) ---------------------------------------------------
add("whitespace_only", SMALL, "empty", b" \t\r\n  \t")
add("truncated_string", SMALL, "invalid_json", b'{"id": "t1", "title": "unterminated')
add("truncated_object", SMALL, "invalid_json", json.dumps(art("truncated_object", SIGNAL))[:-1])
add("truncated_after_colon", SMALL, "invalid_json", b'{"id": "t3", "text":')
add("trailing_garbage", SMALL, "invalid_json", json.dumps(art("trailing_garbage", SIGNAL)) + " trailing")
add("two_objects", SMALL, "invalid_json", json.dumps(art("two_objects_a", "a")) + json.dumps(art("two_objects_b", "b")))
add("nan_literal", SMALL, "invalid_json", b'{"id": "nan", "text": "a", "score": NaN}')
add("deep_arrays", SMALL, "too_deep", b'{"id": "deep", "text": "a", "x": ' + b"[" * 100000 + b"]" * 100000 + b"}")
add("deep_objects", SMALL, "too_deep", b'{"id": "deepo", "text": "a", "x": ' + b'{"k":' * 30000 + b"1" + b"}" * 30001)
add("top_level_array", SMALL, "not_an_object", b'[{"id": "arr", "text": "b"}]')
add("top_level_string", SMALL, "not_an_object", b'"just a string"')
add("text_is_number", SMALL, "wrong_type", b'{"id": "num", "text": 42}')
add("title_is_object", SMALL, "wrong_type", b'{"id": "obj", "title": {"en": "War"}, "text": "a"}')
add("id_is_float", SMALL, "wrong_type", b'{"id": 1.5, "text": "a"}')
add("timestamp_is_number", SMALL, "wrong_type", b'{"id": "tsn", "text": "a", "published_at": 1772439300}')
add("no_content", SMALL, "missing_content", b'{"id": "nc", "url": "https://x.test"}')
add("raw_nul_in_string", SMALL, "invalid_json", b'{"id": "nul", "text": "troops\x00moved"}')
add("raw_control_in_id", SMALL, "invalid_json", b'{"id": "a\x01\x1b", "text": "b"}')
add("invalid_utf8", SMALL, "invalid_utf8", b'{"id": "u8", "text": "troops \xff\xfe moved"}')
add("overlong_utf8", SMALL, "invalid_utf8", b'{"id": "ol", "text": "\xc0\xaf \xe0\x80\xaf"}')
add("utf8_surrogate", SMALL, "invalid_utf8", b'{"id": "sur", "text": "\xed\xa0\x80"}')
add("escaped_lone_surrogate", SMALL, "invalid_json", b'{"id": "les", "text": "a\\ud800b"}')
add("latin1_text", SMALL, "invalid_utf8", b'{"id": "l1", "lang": "fr", "text": "Caf\xe9 d\xe9ploy\xe9"}')
add("cp1252_quotes", SMALL, "invalid_utf8", b'{"id": "cp", "text": "\x93Troops\x94 moved \x96 officials"}')
add("timestamp_year_99999", SMALL, "invalid_timestamp", json.dumps(art("ts1", "a", published_at="99999-01-01T00:00:00Z")))
add("timestamp_year_1899", SMALL, "invalid_timestamp", json.dumps(art("ts2", "a", published_at="1899-12-31T23:59:59Z")))
add("timestamp_feb_30", SMALL, "invalid_timestamp", json.dumps(art("ts3", "a", published_at="2026-02-30T00:00:00Z")))
add("timestamp_words", SMALL, "invalid_timestamp", json.dumps(art("ts4", "a", published_at="last Tuesday")))
rng = random.Random(20260301)
add("binary_garbage", SMALL, "not_an_object", b"\x89PNG\r\n\x1a\n" + bytes(rng.getrandbits(8) for _ in range(4096)))
add("gzip_bytes", SMALL, "not_an_object", b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03" + bytes(rng.getrandbits(8) for _ in range(512)))
# After "{", only bytes >= 0x80: no quote or bracket to make a JSON error first, so the code
# is invalid_utf8 whatever the random bytes are.
add("binary_garbage_braced", SMALL, "invalid_utf8", b"{" + bytes(0x80 | rng.getrandbits(7) for _ in range(4096)))

# -- processed (signals or none) --------------------------------------------------------------
add("reference", SMALL, "ok", art("reference", SIGNAL))
add("duplicate_keys", SMALL, "ok",
    '{"id": "hostile-duplicate_keys", "id": "second", "lang": "en", "text": ' + json.dumps(SIGNAL) +
    ', "text": "Nothing happened."}')
add("byte_order_mark", SMALL, "ok", b"\xef\xbb\xbf" + json.dumps(art("byte_order_mark", SIGNAL)).encode())
add("escaped_nul_bytes", SMALL, "ok", art("escaped_nul_bytes", "\x00\x00\x01" + SIGNAL.replace(" three", "\x00three")))
add("id_control_chars", SMALL, "ok", art("x", SIGNAL, id="hostile-id\n\r\t\x1b[31m\x01\x7f\"quoted\""))
add("rtl_override_around", SMALL, "ok", art("rtl_override_around", "\u202e" + SIGNAL + "\u202c"))
add("rtl_override_inside_words", SMALL, "ok", art("rtl_override_inside_words", inside_words(SIGNAL, "\u202e")))
add("bidi_isolates_marks", SMALL, "ok", art("bidi_isolates_marks", inside_words(SIGNAL, "\u2067\u2069\u200f\u061c")))
add("zero_width_space", SMALL, "ok", art("zero_width_space", inside_words(SIGNAL, "\u200b")))
add("zero_width_joiners", SMALL, "ok", art("zero_width_joiners", inside_words(SIGNAL, "\u200d\u200c")))
add("word_joiner_bom_shy", SMALL, "ok", art("word_joiner_bom_shy", inside_words(SIGNAL, "\u2060\ufeff\u00ad")))
add("whitespace_text", SMALL, "ok", art("whitespace_text", "   \n\t   \n"))
add("extreme_valid_timestamp", SMALL, "ok", art("extreme_valid_timestamp", SIGNAL, published_at="2200-12-31T23:59:59Z"))
add("bogus_lang", SMALL, "ok", art("bogus_lang", SIGNAL, lang="../../etc/passwd"))
add("unclosed_script", SMALL, "ok", art("unclosed_script", None, html="<p>Markets were calm.</p><script>" + SIGNAL))

BOMBS = 5
html = "<div><span>" * 100000 + SIGNAL + "</span></div>" * 100000
add("html_bomb_nested", BOMBS, "ok", art("html_bomb_nested", None, html=html))
add("html_bomb_unclosed", BOMBS, "ok",
    art("html_bomb_unclosed", None, html="<p>" + SIGNAL + "</p>" + '<b><i><a href="x">' * 80000))
FLOODS = 4
add("entity_bomb", FLOODS, "ok",
    art("entity_bomb", None, html="<p>" + SIGNAL + "</p><p>" + "&amp;amp;&#x202E;&#0;&#xFFFFFFFF;&bogus;" * 30000 + "</p>"))
add("hundred_thousand_sentences", FLOODS, "ok", art("hundred_thousand_sentences", SIGNAL + "\n" + "Troops. " * 100000))
keys = json.dumps(art("hundred_thousand_keys", SIGNAL))[:-1] + "".join(f',"k{i}":{i}' for i in range(100000)) + "}"
add("hundred_thousand_keys", FLOODS, "ok", keys)

# -- size: each alone in its partition (see the top) ------------------------------------------
LIMIT = 4194304  # input.max_message_bytes, set by the test


def big(kind, size, filler):
    head = json.dumps(art(kind, SIGNAL + " "))[:-2]  # up to the open text string
    body = filler * ((size - len(head) - 2) // len(filler))
    s = head + body
    return s + " " * (size - len(s) - 2) + '"}'


add("at_size_limit", 3, "ok", big("at_size_limit", LIMIT - 64, "Quiet markets opened. "))
add("five_megabyte_line", 2, "too_large", big("five_megabyte_line", 5_000_000, "escalation near the border without any stop "))
add("ten_megabytes", 0, "too_large", big("ten_megabytes", 10_000_000, "Quiet markets opened. "))
# The largest message the embedded broker takes (its request limit is 100,000,000 bytes with
# the Produce request's own headers): see docs/reliability.md.
add("hundred_megabytes", 1, "too_large", big("hundred_megabytes", 99_999_000, "a"))

with open(os.path.join(out, "manifest.tsv"), "w") as f:
    for kind, partition, expect, size in manifest:
        f.write(f"{kind}\t{partition}\t{expect}\t{size}\n")
with open(os.path.join(out, "ok.jsonl"), "wb") as f:
    for line in ok_lines:
        f.write(line + b"\n")
# Over the broker's limit: never reaches the daemon (the test checks the producer's refusal).
with open(os.path.join(out, "over_broker_limit"), "wb") as f:
    f.write(big("over_broker_limit", 100_000_000, "a").encode())
