#!/usr/bin/env python3
"""Formats `brinkwatch classify` JSON Lines as a readable table.

usage: brinkwatch classify ARTICLES | summarize.py ARTICLES

ARTICLES is read again only for the titles, which classify records do not carry. Standard
library only, so the demo needs nothing beyond python3.
"""
import json
import shutil
import signal
import sys


def titles_by_id(path):
    titles = {}
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            try:
                a = json.loads(line)
            except ValueError:
                continue
            if isinstance(a, dict) and isinstance(a.get("id"), str):
                titles[a["id"]] = a.get("title") or a.get("headline") or ""
    return titles


def clip(s, width):
    s = " ".join(str(s).split())
    return s if len(s) <= width else s[: max(0, width - 1)] + "…"


def main():
    # Quiet exit when the reader stops early (`demo.sh | head`).
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    titles = titles_by_id(sys.argv[1]) if len(sys.argv) > 1 else {}
    width = max(100, shutil.get_terminal_size((140, 24)).columns)
    id_w, title_w = 11, 46
    indent = " " * (id_w + 2)
    articles = with_signals = errors = 0
    counts = {}

    print(f"{'id':<{id_w}}  {'title':<{title_w}}  signals: type [countries] score")
    print("-" * min(width, 140))
    for line in sys.stdin:
        line = line.strip()
        if not line:
            continue
        rec = json.loads(line)
        if "error" in rec:
            errors += 1
            err = rec["error"]
            print(f"{'line ' + str(rec.get('line')):<{id_w}}  error {err.get('code')}: {err.get('message')}")
            continue
        articles += 1
        aid = rec.get("id", "")
        signals = sorted(rec.get("signals", []), key=lambda s: -s.get("score", 0))
        parts = []
        for s in signals:
            counts[s["type"]] = counts.get(s["type"], 0) + 1
            countries = ",".join(s.get("countries") or []) or "-"
            parts.append(f"{s['type']} [{countries}] {s.get('score', 0):.2f}")
        title = clip(titles.get(aid, ""), title_w)
        print(f"{clip(aid, id_w):<{id_w}}  {title:<{title_w}}  {'; '.join(parts) if parts else '—'}")
        if signals:
            with_signals += 1
            evidence = [e for s in signals for e in s.get("evidence", [])]
            if evidence:
                top = max(evidence, key=lambda e: e.get("score", 0))
                quote = clip(top.get("sentence", ""), width - len(indent) - 4)
                print(f"{indent}“{quote}”")

    print("-" * min(width, 140))
    summary = ", ".join(f"{t} {n}" for t, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))
    print(f"{articles} articles, {with_signals} with signals, {articles - with_signals} quiet"
          + (f", {errors} unreadable" if errors else ""))
    if summary:
        print(f"signals by type: {summary}")


if __name__ == "__main__":
    main()
