#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""test-options.py DDACTL MANPAGE COMPLETION SRCDIR

Every option the parser accepts -- the getopt_long tables in src/cli, read
by scripts/cli-options.py, never --help -- appears in 'ddactl CMD [SUB]
--help', in the man page's section for that command or subcommand, and
in the bash completion; and none of them offers an option the parser
refuses.  One "ok"/"not ok" line per check.
"""
import importlib.util
import os
import re
import subprocess
import sys

ddactl, manpage, completion, srcdir = sys.argv[1:5]

spec = importlib.util.spec_from_file_location('cli_options', os.path.join(srcdir, 'scripts', 'cli-options.py'))
cli_options = importlib.util.module_from_spec(spec)
spec.loader.exec_module(cli_options)
cli = cli_options.load(srcdir)
commands = cli['commands']

n = failed = 0


def check(desc, missing=(), extra=()):
    """ok when nothing is missing and nothing is extra."""
    global n, failed
    n += 1
    if missing or extra:
        failed += 1
        print('not ok %d - %s' % (n, desc))
        if missing:
            print('# missing: %s' % ' '.join(sorted(missing)))
        if extra:
            print('# not accepted by the parser: %s' % ' '.join(sorted(extra)))
    else:
        print('ok %d - %s' % (n, desc))


def words(opts):
    """-s and --long of each option."""
    w = set()
    for o in opts:
        w.add('--' + o['long'])
        if o['short']:
            w.add('-' + o['short'])
    return w


OPTION = re.compile(r'(?<![\w-])(--[a-z][a-z0-9-]*|-[a-zA-Z])(?![\w-])')


def options_in(text):
    return set(OPTION.findall(text))


def unquoted(text):
    """The text without '...' and (...) spans: there help names other
    commands' options ("(dismount needs --force)")."""
    text = re.sub(r"'[^'\n]*'", '', text)
    while True:
        t = re.sub(r'\([^()]*\)', '', text)
        if t == text:
            return t
        text = t


env = dict(os.environ, DDACTL_ROOT='/nonexistent-ddactl-root', NO_COLOR='1', LC_ALL='C')


def helptext(*args):
    p = subprocess.run([ddactl] + list(args), capture_output=True, text=True, env=env)
    if p.returncode != 0:
        print('# %s exited %d: %s' % (' '.join(args), p.returncode, p.stderr.strip()))
    return p.stdout


glob = words(cli['global'])

# ------------------------------------------------------------ --help

top = helptext('--help')
check('ddactl --help names every global option', glob - options_in(top))
for cmd, routes in commands.items():
    accepted = set().union(*(words(o) for o in routes.values()))
    for sub in routes:
        args = [cmd] + ([sub] if sub else []) + ['--help']
        text = helptext(*args)
        check('ddactl %s names every option of %s' % (' '.join(args), cmd),
              accepted - options_in(text), options_in(unquoted(text)) - accepted - glob)

# ------------------------------------------------------------ man page


def roff_sections(path):
    """{(".SH" or ".SS", heading): [term lines]}: a term is the line before
    an indented paragraph (.RS), where scdoc puts a definition's name."""
    lines = open(path).read().splitlines()
    sections, cur = {}, None
    for i, line in enumerate(lines):
        plain = re.sub(r'\\f[BIRP]', '', line).replace('\\-', '-').replace('\\&', '')
        m = re.match(r'\.(SH|SS) "?(.*?)"?$', plain)
        if m:
            cur = (m.group(1), m.group(2))
            sections[cur] = []
        elif cur and i + 1 < len(lines) and lines[i + 1].startswith('.RS'):
            sections[cur].append(plain)
    return sections


man = roff_sections(manpage)
check('man page: GLOBAL OPTIONS lists the global options',
      glob - set().union(*map(options_in, man.get(('SH', 'GLOBAL OPTIONS'), []))),
      set().union(*map(options_in, man.get(('SH', 'GLOBAL OPTIONS'), []))) - glob)

# "ddactl vm create|set NAME ..." is the section of vm create and vm set;
# "ddactl vm COMMAND ..." that of what every vm subcommand takes
man_route, man_cmd = {}, {}
for (kind, title), terms in man.items():
    t = title.split()
    if kind != 'SS' or len(t) < 2 or t[0] != 'ddactl':
        continue
    cmd = t[1]
    if cmd not in commands:
        check('man page section "%s" is of a command' % title, ['a command named %s' % cmd])
        continue
    found = set().union(*map(options_in, terms))
    subs = t[2].split('|') if len(t) > 2 else []
    if subs and all(s in commands[cmd] and s for s in subs):
        for s in subs:
            man_route[(cmd, s)] = found
    else:
        man_cmd[cmd] = found
        if '' in commands[cmd]:
            man_route[(cmd, '')] = found

for cmd, routes in commands.items():
    common = man_cmd.get(cmd, set())
    # what the command's own section lists, every subcommand must take
    for sub, opts in routes.items():
        name = ' '.join(filter(None, ['ddactl', cmd, sub]))
        if (cmd, sub) not in man_route:
            check('man page has a section for %s' % name, [name])
            continue
        offered = words(cli_options.offered(opts, sub))
        check('man page section of %s lists its options' % name,
              offered - man_route[(cmd, sub)] - common,
              (man_route[(cmd, sub)] | common) - offered)

# ------------------------------------------------------------ completion

lines = []
for cmd, routes in commands.items():
    for sub in routes:
        lines.append(' '.join(filter(None, ['ddactl', cmd, sub, '--'])))
lines += ['ddactl '] + ['ddactl %s ' % c for c, r in commands.items() if any(r)]
script = r'''
. /usr/share/bash-completion/bash_completion || exit 1
. "$1" || exit 1
shift
for line in "$@"; do
	read -ra COMP_WORDS <<<"$line"
	[[ $line == *' ' ]] && COMP_WORDS+=("")
	COMP_LINE=$line COMP_POINT=${#line} COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
	COMPREPLY=()
	_ddactl ddactl "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
	echo "${COMPREPLY[*]}"
done
'''
p = subprocess.run(['bash', '-c', script, 'bash', completion] + lines, capture_output=True, text=True, env=env)
replies = p.stdout.split('\n')
if p.returncode != 0 or len(replies) < len(lines):
    check('bash runs the completion', ['exit %d: %s' % (p.returncode, p.stderr.strip())])
    replies += [''] * len(lines)
got = dict(zip(lines, (set(r.split()) for r in replies)))
for cmd, routes in commands.items():
    for sub, opts in routes.items():
        line = ' '.join(filter(None, ['ddactl', cmd, sub, '--']))
        want = {'--' + o['long'] for o in cli_options.offered(opts, sub)}
        check('completion of "%s" offers its long options' % line, want - got[line], got[line] - want)
check('completion of "ddactl " offers the commands', set(commands) - got['ddactl '],
      got['ddactl '] - set(commands) - {'help'})
for cmd, routes in commands.items():
    subs = {s for s in routes if s}
    if subs:
        line = 'ddactl %s ' % cmd
        check('completion of "%s" offers its subcommands' % line, subs - got[line], got[line] - subs)

print('1..%d' % n)
sys.exit(1 if failed else 0)
