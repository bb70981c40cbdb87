#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""What ddactl's parser accepts, read from the getopt_long tables in
src/cli/*.c, so that the bash completion (built from it) and the option
test (tests/unit/test-options.py) never rely on --help, the text they check.

  cli-options.py json SRCDIR             the routes and their options
  cli-options.py bash TEMPLATE OUT SRCDIR the completion, @OPTIONS@ filled in

A route is a command and maybe a subcommand ("vm stop").  Which function's
table serves which subcommand is the one thing said here by hand (ROUTES);
every table and every subcommand the dispatch code names must be in it, so
a new one fails the build instead of going unnoticed.
"""
import glob
import json
import os
import re
import sys

# command -> {subcommand or "": function or file-scope table whose
# getopt_long table it parses with}
ROUTES = {
    'survey': {'': 'cmd_survey'},
    'dismount': {'': 'cmd_dismount'},
    'mount': {'': 'cmd_mount'},
    'log': {'': 'cmd_log'},
    'metrics': {'': 'cmd_metrics'},
    'export': {'': 'cmd_export'},
    # attach and detach have a table each: detach alone waits (--timeout)
    'libvirt': {'policy': 'policy_opts', 'attach': 'attach_opts', 'detach': 'detach_opts'},
    'libvirt-hook': {'': 'cmd_libvirt_hook'},
    'pool': {'': 'cmd_pool', 'restore': 'restore', 'create': 'named', 'add': 'named',
             'release': 'release'},
    'vf': {'list': 'list', 'set': 'set', 'config': 'config'},
    # create and set parse def_opts; the rest go through parse_call
    # (their names come from the subcommands[] table, see vm_subcommands)
    'vm': {'create': 'def_opts', 'set': 'def_opts'},
}

# the files of main.c's commands, filled by load()
commands_files = set()

# main.c parses these by hand, before the command (not getopt)
GLOBAL = [('version', 'V', False), ('help', 'h', False), ('state-dir', None, True)]


class Error(Exception):
    pass


def strip_comments(text):
    text = re.sub(r'/\*.*?\*/', lambda m: '\n' * m.group(0).count('\n'), text, flags=re.S)
    return re.sub(r'//[^\n]*', '', text)


def functions(text):
    """[(start, name)] of each function definition at column 0."""
    return [(m.start(), m.group(1))
            for m in re.finditer(r'^(?:static\s+)?(?:const\s+)?\w+[\s*]+(\w+)\([^;{]*\)\s*\{',
                                 text, flags=re.M)]


def owner(funcs, pos):
    name = None
    for start, fname in funcs:
        if start > pos:
            break
        name = fname
    return name


def body(text, func):
    """The text of function func's body."""
    m = re.search(r'^(?:static\s+)?\w+[\s*]+' + func + r'\([^;{]*\)\s*\{', text, flags=re.M)
    if not m:
        raise Error('no function %s' % func)
    depth, i = 1, m.end()
    while depth:
        depth += {'{': 1, '}': -1}.get(text[i], 0)
        i += 1
    return text[m.end():i]


def parse_file(path):
    """{table key: [{"long", "short", "arg"}]}: the key is the function
    that calls getopt_long with the table, or a file-scope table's name."""
    # a command split over files (cmd-vm.c, cmd-vm-define.c) is read as one
    parts = [path] + sorted(p for p in glob.glob(path[:-len('.c')] + '-*.c') if p not in commands_files)
    text = strip_comments('\n'.join(open(f).read() for f in parts))
    funcs = functions(text)
    tables = {}
    for m in re.finditer(r'^([ \t]*)static const struct option (\w+)\[\] = \{(.*?)\n[ \t]*\};',
                         text, flags=re.M | re.S):
        entries = re.findall(r'\{\s*"([\w-]+)",\s*(no_argument|required_argument|optional_argument),'
                             r"\s*NULL,\s*('(.)'|\w+)\s*\}", m.group(3))
        where = m.group(2) if not m.group(1) else owner(funcs, m.start())
        tables[(where, m.group(2))] = [(e[0], e[1] != 'no_argument', e[3]) for e in entries]
    routes = {}
    for m in re.finditer(r'getopt_long\(\s*\w+,\s*\w+,\s*"([^"]*)",\s*(\w+)', text):
        shorts, table = m.group(1), m.group(2)
        func = owner(funcs, m.start())
        key = (table, table) if (table, table) in tables else (func, table)
        if key not in tables:
            raise Error('%s: getopt_long in %s uses unknown table %s' % (path, func, table))
        opts = []
        for lng, arg, val in tables.pop(key):
            # a long option's short form is its val, if the optstring has it
            short = val if val and val in shorts.replace(':', '') else None
            opts.append({'long': lng, 'short': short, 'arg': arg})
        routes[key[0]] = opts
    if tables:
        raise Error('%s: option tables no getopt_long uses: %s' % (path, sorted(tables)))
    return text, routes


def vm_subcommands(text):
    return re.findall(r'\{\s*"([\w-]+)",\s*vm_\w+,\s*(?:true|false)\s*\}', body_table(text, 'subcommands'))


def body_table(text, name):
    m = re.search(r'\} ' + name + r'\[\] = \{(.*?)\n\};', text, flags=re.S)
    if not m:
        raise Error('no table %s' % name)
    return m.group(1)


def vm_only(text):
    """{option: [subcommands]} from parse_call's "--X is for 'vm S' only"
    refusals: the completion offers X only there."""
    only = {}
    for m in re.finditer(r'"--(%s|[\w-]+) is for (.*?) only"(?:,\s*[^?;]*\?\s*"([\w-]+)"\s*:\s*"([\w-]+)")?',
                         text):
        subs = re.findall(r"'vm ([\w-]+)'", m.group(2))
        names = [m.group(3), m.group(4)] if m.group(1) == '%s' else [m.group(1)]
        for n in names:
            only[n] = subs
    return only


def dispatched(text, func):
    """Subcommand names the command's function compares its argument with."""
    return {s for s in re.findall(r'strcmp\([^,()]+,\s*"([\w-]+)"\)', body(text, func))
            if not s.startswith('-')}


def load(srcdir):
    """{"global": [...], "commands": {cmd: {sub: [options]}}}"""
    cli = os.path.join(srcdir, 'src', 'cli')
    main = open(os.path.join(cli, 'main.c')).read()
    for lng, short, _ in GLOBAL:
        for word in ['--' + lng] + (['-' + short] if short else []):
            if '"%s"' % word not in main:
                raise Error('main.c no longer parses %s: update GLOBAL in %s' % (word, __file__))
    commands = {}
    table = re.findall(r'\{\s*"([\w-]+)",\s*(cmd_\w+),', main)
    # a command's own file is never part of another's (libvirt-hook, libvirt)
    commands_files.update(os.path.join(cli, 'cmd-%s.c' % cmd) for cmd, _ in table)
    for cmd, func in table:
        path = os.path.join(cli, 'cmd-%s.c' % cmd)
        text, tables = parse_file(path)
        route = dict(ROUTES.get(cmd) or {})
        if not route:
            raise Error('command %s: say in ROUTES (%s) which tables serve it' % (cmd, __file__))
        only = {}
        if cmd == 'vm':
            for sub in vm_subcommands(text):
                route.setdefault(sub, 'parse_call')
            only = vm_only(text)
        subs = dispatched(text, func) | ({s for s in route if s} if cmd == 'vm' else set())
        if subs != {s for s in route if s}:
            raise Error('%s: dispatches %s, ROUTES has %s' % (path, sorted(subs), sorted(s for s in route if s)))
        unused = set(tables) - set(route.values())
        if unused:
            raise Error('%s: tables of %s serve no route in ROUTES' % (path, sorted(unused)))
        commands[cmd] = {}
        for sub, key in route.items():
            if key not in tables:
                raise Error('%s: no getopt_long table in %s' % (path, key))
            commands[cmd][sub] = [dict(o, only=only[o['long']]) if o['long'] in only else o
                                  for o in tables[key]]
    glob = [{'long': lng, 'short': s, 'arg': a} for lng, s, a in GLOBAL]
    return {'global': glob, 'commands': commands}


def offered(opts, sub):
    """The long options the completion offers after "CMD SUB"."""
    return [o for o in opts if sub in o.get('only', [sub])]


def bash(cli):
    out = ['_ddactl_commands="%s"' % ' '.join(cli['commands']),
           '_ddactl_global_opts="%s"' % ' '.join('--' + o['long'] for o in cli['global']),
           '_ddactl_global_argopts="%s"' % ' '.join('--' + o['long'] for o in cli['global'] if o['arg']),
           'declare -gA _ddactl_subs=(']
    for cmd, route in cli['commands'].items():
        subs = [s for s in route if s]
        if subs:
            out.append('\t[%s]="%s"' % (cmd, ' '.join(subs)))
    out.append(')')
    # offered: long options only; takes an argument: short forms too, so
    # that the word after "-d" is completed as the device it is
    for var, shorts, pick in (('opts', False, lambda o: True), ('argopts', True, lambda o: o['arg'])):
        out.append('declare -gA _ddactl_%s=(' % var)
        for cmd, route in cli['commands'].items():
            for sub, opts in route.items():
                words = ['--' + o['long'] for o in (opts if shorts else offered(opts, sub)) if pick(o)]
                if shorts:
                    words += ['-' + o['short'] for o in opts if o['short'] and pick(o)]
                out.append('\t["%s"]="%s"' % ((cmd + ' ' + sub).strip(), ' '.join(words)))
        out.append(')')
    return '\n'.join(out)


def main(argv):
    try:
        if len(argv) == 3 and argv[1] == 'json':
            json.dump(load(argv[2]), sys.stdout, indent=1)
            print()
        elif len(argv) == 5 and argv[1] == 'bash':
            template = open(argv[2]).read()
            if template.count('@OPTIONS@\n') != 1:
                raise Error('%s: no @OPTIONS@ line' % argv[2])
            text = template.replace('@OPTIONS@\n', bash(load(argv[4])) + '\n')
            with open(argv[3] + '.tmp', 'w') as f:
                f.write(text)
            os.replace(argv[3] + '.tmp', argv[3])
        else:
            print(__doc__, file=sys.stderr)
            return 2
    except (Error, OSError) as e:
        print('cli-options.py: %s' % e, file=sys.stderr)
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
