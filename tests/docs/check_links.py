#!/usr/bin/env python3
"""Docs stand alone: every relative link in README.md and docs/ resolves (file and #anchor), and nothing
in the repository points to the team's internal guides outside it."""
import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")
OUTSIDE = re.compile(r"\.\./shared|\b(HTTP_API|SYSTEM_DESIGN|SERVICES|STYLE|DESIGN)\.md\b")


def anchors(path):
    """GitHub-style heading anchors of a Markdown file."""
    out = set()
    with open(path, encoding="utf-8") as f:
        for line in f:
            m = re.match(r"#+\s+(.*)", line)
            if m:
                text = re.sub(r"[`*_]", "", m.group(1).strip().lower())
                out.add(re.sub(r"[^\w\- ]", "", text).replace(" ", "-"))
    return out


def main():
    bad = []
    docs = [os.path.join(ROOT, "README.md")] + [
        os.path.join(ROOT, "docs", f) for f in sorted(os.listdir(os.path.join(ROOT, "docs"))) if f.endswith(".md")]
    for doc in docs:
        with open(doc, encoding="utf-8") as f:
            text = f.read()
        for target in LINK.findall(text):
            if re.match(r"[a-z]+:", target):
                continue  # http:, https:, mailto:
            path, _, anchor = target.partition("#")
            full = os.path.normpath(os.path.join(os.path.dirname(doc), path)) if path else doc
            if not os.path.exists(full):
                bad.append(f"{os.path.relpath(doc, ROOT)}: link to missing {target}")
            elif anchor and full.endswith(".md") and anchor not in anchors(full):
                bad.append(f"{os.path.relpath(doc, ROOT)}: no heading #{anchor} in {path or 'itself'}")
    tracked = subprocess.run(["git", "-C", ROOT, "ls-files"], capture_output=True, text=True, check=True).stdout
    for rel in tracked.split():
        if rel.startswith("tests/docs/") or not os.path.isfile(os.path.join(ROOT, rel)):
            continue
        try:
            with open(os.path.join(ROOT, rel), encoding="utf-8") as f:
                for n, line in enumerate(f, 1):
                    if OUTSIDE.search(line):
                        bad.append(f"{rel}:{n}: points outside the repository: {line.strip()[:100]}")
        except UnicodeDecodeError:
            continue
    for b in bad:
        print("docs:", b)
    print(f"docs: {len(docs)} pages checked, {len(bad)} problems")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
