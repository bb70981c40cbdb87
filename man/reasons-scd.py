#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""reasons-scd.py REASONS.md TEMPLATE OUT: writes TEMPLATE with its
@REASONS@ line replaced by docs/REASONS.md turned into scdoc, so that the
man page's reason codes have one source, the file people and scripts read.

REASONS.md is plain Markdown: paragraphs, ## sections and tables whose
first column is the term (a code or a severity).  A table row becomes a
term and an indented paragraph, since man pages render wide tables badly.
"""
import re
import sys


def inline(text):
    """Markdown inline -> scdoc: `code` as bold, scdoc's own marks escaped."""
    text = text.replace('\\', '\\\\')
    parts = re.split(r'(`[^`]*`)', text)
    out = []
    for p in parts:
        if p.startswith('`') and p.endswith('`') and len(p) > 1:
            out.append('*' + p[1:-1].replace('*', '\\*').replace('_', '\\_') + '*')
        else:
            out.append(p.replace('*', '\\*').replace('_', '\\_'))
    return ''.join(out)


def cells(line):
    return [c.strip() for c in line.strip().strip('|').split('|')]


def table(rows):
    """Term and indented paragraph per row: the term with its severity,
    the "when" or "meaning" column as the sentence, the others as
    "Header: value."."""
    head, body = rows[0], rows[2:]
    out = []
    for r in body:
        term = '*' + inline(r[0].strip('`')) + '*'
        words = []
        for h, v in zip(head[1:], r[1:]):
            if h == 'severity':
                term += ' (' + inline(v.strip('`')) + ')'
            elif h in ('when', 'meaning'):
                words.append(inline(v[:1].upper() + v[1:]) + '.')
            else:
                words.append(inline(h[:1].upper() + h[1:]) + ': ' + inline(v) + '.')
        out += [term, '\t' + ' '.join(words), '']
    return out


def convert(md):
    out = []
    lines = md.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.startswith('# '):
            i += 1		# the title: the man page's section heading says it
            continue
        if line.startswith('## '):
            out += ['## ' + inline(line[3:].strip()), '']
            i += 1
            continue
        if line.startswith('|'):
            rows = []
            while i < len(lines) and lines[i].startswith('|'):
                rows.append(cells(lines[i]))
                i += 1
            if len(rows) < 3 or not all(re.fullmatch(r':?-+:?', c) for c in rows[1]):
                raise ValueError('a table without a header line near: %s' % '|'.join(rows[0]))
            out += table(rows)
            continue
        if line.strip():
            # a line starting with '.' or '\'' would be a roff request
            out.append(inline(line).lstrip() if not re.match(r"\s*[.']", line) else '\\&' + inline(line))
        else:
            out.append('')
        i += 1
    while out and not out[-1]:
        out.pop()
    return '\n'.join(out)


def main(argv):
    if len(argv) != 4:
        print(__doc__, file=sys.stderr)
        return 2
    template = open(argv[2]).read()
    if template.count('\n@REASONS@\n') != 1:
        print('reasons-scd.py: %s: no @REASONS@ line' % argv[2], file=sys.stderr)
        return 1
    text = template.replace('\n@REASONS@\n', '\n' + convert(open(argv[1]).read()) + '\n')
    with open(argv[3], 'w') as f:
        f.write(text)
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
