#!/usr/bin/python3
"""exportfs for a lab NFS host: nfs-utils' exportfs in front of nfs-ganesha.

Reads /etc/exports and /etc/exports.d/*.exports with nfs-utils' syntax and messages, keeps the export table
in /var/lib/nfs/etab in nfs-utils' format, and renders that table as ganesha EXPORT/CLIENT blocks in
/etc/ganesha/exports.conf, then SIGHUPs ganesha (if running) so access is enforced by a real NFS server.

Exit status follows nfs-utils >= 1.2 (Debian, RHEL 6+): 1 after any error message, 0 after warnings only. A
lab host can mimic nfs-utils 1.0.x (RHEL 5), which exits 0 even after errors, by creating
/etc/lab/exportfs-exit-zero.

Lab-only entry points for the unit tests (pure, no host state): --lab-parse FILE, --lab-ganesha FILE.
"""
import getopt
import glob
import json
import os
import signal
import sys
import zlib

PROG = "exportfs"
EXPORTS = "/etc/exports"
EXPORTS_D = "/etc/exports.d"
ETAB = "/var/lib/nfs/etab"
GANESHA_EXPORTS = "/etc/ganesha/exports.conf"
GANESHA_PID = "/run/ganesha.pid"
LEGACY_EXIT = "/etc/lab/exportfs-exit-zero"

DEFAULTS = {
    "ro": True, "async": False, "wdelay": True, "nohide": False, "crossmnt": False, "insecure": False,
    "root_squash": True, "all_squash": False, "no_subtree_check": True, "insecure_locks": False,
    "no_acl": False, "nordirplus": False, "pnfs": False, "anonuid": 65534, "anongid": 65534,
    "fsid": None, "mountpoint": None, "sec": ["sys"], "refer": None, "replicas": None,
}
FLAG_WORDS = {
    "ro": ("ro", True), "rw": ("ro", False), "secure": ("insecure", False), "insecure": ("insecure", True),
    "sync": ("async", False), "async": ("async", True), "nordirplus": ("nordirplus", True),
    "nohide": ("nohide", True), "hide": ("nohide", False), "crossmnt": ("crossmnt", True),
    "nocrossmnt": ("crossmnt", False), "wdelay": ("wdelay", True), "no_wdelay": ("wdelay", False),
    "root_squash": ("root_squash", True), "no_root_squash": ("root_squash", False),
    "all_squash": ("all_squash", True), "no_all_squash": ("all_squash", False),
    "subtree_check": ("no_subtree_check", False), "no_subtree_check": ("no_subtree_check", True),
    "auth_nlm": ("insecure_locks", False), "no_auth_nlm": ("insecure_locks", True),
    "secure_locks": ("insecure_locks", False), "insecure_locks": ("insecure_locks", True),
    "acl": ("no_acl", False), "no_acl": ("no_acl", True), "pnfs": ("pnfs", True), "no_pnfs": ("pnfs", False),
}
FLAVORS = ["krb5", "krb5i", "krb5p", "unix", "sys", "null", "none"]


class Log:
    """nfs-utils' xlog: every message goes to stderr prefixed with the program name; an error sets the status."""

    def __init__(self):
        self.lines = []
        self.error = False

    def err(self, msg):
        self.error = True
        self.lines.append(("error", msg))
        sys.stderr.write("%s: %s\n" % (PROG, msg))

    def warn(self, msg):
        self.lines.append(("warning", msg))
        sys.stderr.write("%s: %s\n" % (PROG, msg))


class OptionError(Exception):
    pass


def parse_options(text, base, fname, line, log):
    """nfs-utils' parseopts: applies a comma-separated option list to a copy of `base`."""
    o = dict(base)
    o["sec"] = list(base["sec"])
    for opt in [x.strip() for x in text.split(",")] if text else []:
        if opt == "":
            continue
        if opt in FLAG_WORDS:
            k, v = FLAG_WORDS[opt]
            o[k] = v
        elif opt.startswith("anonuid=") or opt.startswith("anongid="):
            key, val = opt.split("=", 1)
            try:
                o[key] = int(val, 10)
            except ValueError:
                log.err('%s: %d: bad %s "%s"\n' % (fname, line, key, opt))
                raise OptionError()
        elif opt.startswith("fsid="):
            val = opt[5:]
            if val == "root":
                o["fsid"] = "0"
            elif val.isdigit() or (val.lower().startswith("0x") and _is_hex(val[2:])):
                o["fsid"] = str(int(val, 0))
            elif sum(c in "0123456789abcdefABCDEF" for c in val) == 32:
                o["fsid"] = val
            else:
                log.err('%s: %d: bad fsid "%s"\n' % (fname, line, opt))
                raise OptionError()
        elif opt in ("mountpoint", "mp") or opt.startswith("mountpoint=") or opt.startswith("mp="):
            o["mountpoint"] = opt.split("=", 1)[1] if "=" in opt else ""
        elif opt.startswith("refer=") or opt.startswith("replicas="):
            k, v = opt.split("=", 1)
            o[k] = v
        elif opt.startswith("sec="):
            flavors = opt[4:].split(":")
            for f in flavors:
                if f not in FLAVORS:
                    log.err("unknown flavor %s\n" % f)
                    raise OptionError()
            o["sec"] = flavors
        else:
            log.err('%s:%d: unknown keyword "%s"\n' % (fname, line, opt))
            raise OptionError()
    return o


def _is_hex(s):
    return s != "" and all(c in "0123456789abcdefABCDEF" for c in s)


def tokenize(text):
    """Tokens of an exports file as (token, line, starts_entry): `#` comments, backslash-newline continuation,
    double quotes group blanks into a token, \\ooo octal escapes. A token at the start of a physical line
    (not continued) starts a new export entry."""
    tokens = []
    i, line, n = 0, 1, len(text)
    at_line_start = True
    while i < n:
        c = text[i]
        if c == "\\" and i + 1 < n and text[i + 1] == "\n":
            i += 2
            line += 1
            continue
        if c == "\n":
            i += 1
            line += 1
            at_line_start = True
            continue
        if c in " \t\r":
            i += 1
            continue
        if c == "#":
            while i < n and text[i] != "\n":
                i += 1
            continue
        tok, quoted = [], False
        start_line = line
        while i < n:
            c = text[i]
            if c == "\\" and i + 1 < n and text[i + 1] == "\n":
                i += 2
                line += 1
                break
            if c == '"':
                quoted = not quoted
                i += 1
                continue
            if not quoted and (c in " \t\r\n" or c == "#"):
                break
            if c == "\\" and i + 3 < n + 0 and text[i + 1:i + 4].isdigit() and all(d in "01234567" for d in text[i + 1:i + 4]):
                tok.append(chr(int(text[i + 1:i + 4], 8)))
                i += 4
                continue
            tok.append(c)
            i += 1
        tokens.append(("".join(tok), start_line, at_line_start))
        at_line_start = False
    return tokens


def parse_exports(text, fname, log):
    """Export entries of one file, in order, as nfs-utils reads them. A syntax or option error ends the reading
    of the file (nfs-utils' getexportent returns NULL), so later entries are not exported."""
    entries = []
    toks = tokenize(text)
    i = 0
    while i < len(toks):
        path, pline, _ = toks[i]
        i += 1
        base = dict(DEFAULTS)
        has_default = False
        clients = []
        while i < len(toks) and not toks[i][2]:
            clients.append(toks[i])
            i += 1
        if clients and clients[0][0].startswith("-"):
            tok, line, _ = clients.pop(0)
            try:
                base = parse_options(tok[1:], base, fname, line, log)
            except OptionError:
                return entries
            has_default = True
        if not clients:
            clients = [("", pline, False)]
        for tok, line, _ in clients:
            host, opts = tok, None
            if "(" in tok:
                p = tok.index("(")
                host, rest = tok[:p], tok[p + 1:]
                if not rest.endswith(")") or ")" in rest[:-1]:
                    log.err("%s:%d: syntax error: bad option list" % (fname, line))
                    return entries
                opts = rest[:-1]
                if host == "":
                    log.warn("No host name given with %s %s, suggest *%s to avoid warning" % (path, tok, tok))
                    host = "*"
            elif not has_default:
                log.warn("No options for %s %s: suggest %s(sync) to avoid warning" % (path, tok, tok))
            if host == "":
                host = "*"
            try:
                o = parse_options(opts, base, fname, line, log)
            except OptionError:
                return entries
            entries.append({"path": normalize_path(path), "client": host, "options": o})
    return entries


def normalize_path(p):
    if len(p) > 1:
        p = p.rstrip("/")
    return p


# ---- the export table (etab) in nfs-utils' putexportent format ---------------------------------------
def etab_options(o):
    parts = ["ro" if o["ro"] else "rw", "async" if o["async"] else "sync",
             "wdelay" if o["wdelay"] else "no_wdelay", "nohide" if o["nohide"] else "hide",
             "crossmnt" if o["crossmnt"] else "nocrossmnt", "insecure" if o["insecure"] else "secure",
             "root_squash" if o["root_squash"] else "no_root_squash",
             "all_squash" if o["all_squash"] else "no_all_squash",
             "no_subtree_check" if o["no_subtree_check"] else "subtree_check",
             "insecure_locks" if o["insecure_locks"] else "secure_locks",
             "no_acl" if o["no_acl"] else "acl"]
    if o["nordirplus"]:
        parts.append("nordirplus")
    parts.append("pnfs" if o["pnfs"] else "no_pnfs")
    if o["fsid"] is not None:
        parts.append("fsid=%s" % o["fsid"])
    if o["mountpoint"] is not None:
        parts.append("mountpoint" + ("=" + o["mountpoint"] if o["mountpoint"] else ""))
    for k in ("refer", "replicas"):
        if o[k]:
            parts.append("%s=%s" % (k, o[k]))
    parts.append("anonuid=%d,anongid=%d" % (o["anonuid"], o["anongid"]))
    return ",".join(parts) + secinfo(o)


def secinfo(o):
    return ",sec=%s,%s,%s,%s,%s" % (":".join(o["sec"]), "ro" if o["ro"] else "rw",
                                     "insecure" if o["insecure"] else "secure",
                                     "root_squash" if o["root_squash"] else "no_root_squash",
                                     "all_squash" if o["all_squash"] else "no_all_squash")


def escape_path(p):
    return "".join("\\%03o" % ord(c) if (ord(c) < 32 or c in '"\\#' or c.isspace()) else c for c in p)


def render_etab(entries):
    return "".join("%s\t%s(%s)\n" % (escape_path(e["path"]), e["client"], etab_options(e["options"])) for e in entries)


def read_etab(text):
    log = Log.__new__(Log)
    log.lines, log.error = [], False
    out = []
    for line in text.splitlines():
        if not line.strip():
            continue
        path, rest = line.split("\t", 1)
        p = rest.index("(")
        client, opts = rest[:p], rest[p + 1:-1]
        opts = opts.split(",sec=")[0]
        out.append({"path": unescape(path), "client": client, "options": parse_options(opts, DEFAULTS, ETAB, 0, log)})
    return out


def unescape(p):
    out, i = [], 0
    while i < len(p):
        if p[i] == "\\" and p[i + 1:i + 4].isdigit():
            out.append(chr(int(p[i + 1:i + 4], 8)))
            i += 4
        else:
            out.append(p[i])
            i += 1
    return "".join(out)


# ---- `exportfs [-v]` listing (nfs-utils 2.x dump) ---------------------------------------------------
def dump_options(o):
    parts = ["async" if o["async"] else "sync", "wdelay" if o["wdelay"] else "no_wdelay",
             "nohide" if o["nohide"] else "hide"]
    if o["crossmnt"]:
        parts.append("crossmnt")
    if o["no_subtree_check"]:
        parts.append("no_subtree_check")
    if o["insecure_locks"]:
        parts.append("insecure_locks")
    if o["nordirplus"]:
        parts.append("nordirplus")
    if o["no_acl"]:
        parts.append("no_acl")
    if o["pnfs"]:
        parts.append("pnfs")
    if o["fsid"] is not None:
        parts.append("fsid=%s" % o["fsid"])
    if o["mountpoint"] is not None:
        parts.append("mountpoint" + ("=" + o["mountpoint"] if o["mountpoint"] else ""))
    if o["anonuid"] != 65534:
        parts.append("anonuid=%d" % o["anonuid"])
    if o["anongid"] != 65534:
        parts.append("anongid=%d" % o["anongid"])
    for k in ("refer", "replicas"):
        if o[k]:
            parts.append("%s=%s" % (k, o[k]))
    return ",".join(parts) + secinfo(o)


def dump(entries, verbose, export_format):
    out = []
    for e in entries:
        host = e["client"]
        if host == "*":
            host = "*" if export_format else "<world>"
        if export_format:
            line = "%s %s" % (e["path"], host)
        elif len(e["path"]) > 14:
            line = "%-14s\n\t\t%s" % (e["path"], host)
        else:
            line = "%-14s\t%s" % (e["path"], host)
        if verbose or export_format:
            line += "(%s)" % dump_options(e["options"])
        out.append(line + "\n")
    return "".join(out)


# ---- ganesha ------------------------------------------------------------------------------------
def ganesha_client(spec):
    """An exports(5) client as a ganesha Clients entry; None for what ganesha cannot express (gss/...)."""
    if spec.startswith("gss/"):
        return None
    if "/" in spec:
        net, mask = spec.split("/", 1)
        if "." in mask:
            try:
                bits = sum(bin(int(x)).count("1") for x in mask.split("."))
            except ValueError:
                return spec
            return "%s/%d" % (net, bits)
    return spec


def export_id(path):
    """Stable per path, so a SIGHUP reload updates an export in place instead of replacing it."""
    return 1 + zlib.crc32(path.encode()) % 65000


def render_ganesha(entries):
    by_path = {}
    for e in entries:
        by_path.setdefault(e["path"], []).append(e)
    out = ["# Written by exportfs from the export table (/var/lib/nfs/etab). Do not edit.\n"]
    for path, es in by_path.items():
        q = path.replace("\\", "\\\\").replace('"', '\\"')
        out.append("EXPORT {\n")
        out.append("\tExport_Id = %d;\n\tPath = \"%s\";\n\tPseudo = \"%s\";\n" % (export_id(path), q, q))
        out.append("\tProtocols = 4;\n\tTransports = TCP;\n\tAccess_Type = None;\n\tSquash = No_Root_Squash;\n")
        out.append("\tSecType = sys;\n\tFSAL { Name = VFS; }\n")
        for e in es:
            c = ganesha_client(e["client"])
            o = e["options"]
            if c is None:
                out.append("\t# %s: not expressible in ganesha, skipped\n" % e["client"])
                continue
            squash = "All_Squash" if o["all_squash"] else ("Root_Squash" if o["root_squash"] else "No_Root_Squash")
            out.append("\tCLIENT {\n\t\tClients = %s;\n\t\tAccess_Type = %s;\n\t\tSquash = %s;\n"
                       "\t\tAnonymous_Uid = %d;\n\t\tAnonymous_Gid = %d;\n\t}\n"
                       % (c.replace('"', ""), "RO" if o["ro"] else "RW", squash, o["anonuid"], o["anongid"]))
        out.append("}\n")
    return "".join(out)


# ---- the command ----------------------------------------------------------------------------------
def read_exports_files(log):
    entries, found = [], False
    files = [EXPORTS] + sorted(glob.glob(os.path.join(EXPORTS_D, "*.exports")))
    for f in files:
        try:
            with open(f) as fh:
                text = fh.read()
        except FileNotFoundError:
            continue
        except OSError as e:
            log.err("can't open %s for reading" % f)
            continue
        found = True
        entries.extend(parse_exports(text, f, log))
    return entries, found


def key(e):
    return (e["path"], e["client"].lower())


def merge(table, new):
    idx = {key(e): n for n, e in enumerate(table)}
    for e in new:
        if key(e) in idx:
            table[idx[key(e)]] = e
        else:
            idx[key(e)] = len(table)
            table.append(e)
    return table


def validate(entries, log):
    seen = set()
    for e in entries:
        p = e["path"]
        if p in seen:
            continue
        seen.add(p)
        try:
            st = os.stat(p)
        except OSError as ex:
            log.err("Failed to stat %s: %s" % (p, os.strerror(ex.errno)))
            continue
        if not os.path.isdir(p):
            log.err("%s is not a directory. Remote access will fail" % p)


def apply_table(entries):
    os.makedirs(os.path.dirname(ETAB), exist_ok=True)
    write_atomic(ETAB, render_etab(entries))
    os.makedirs(os.path.dirname(GANESHA_EXPORTS), exist_ok=True)
    write_atomic(GANESHA_EXPORTS, render_ganesha([e for e in entries if os.path.isdir(e["path"])]))
    try:
        with open(GANESHA_PID) as f:
            pid = int(f.read().strip())
        with open("/proc/%d/comm" % pid) as f:
            if "ganesha" in f.read():
                os.kill(pid, signal.SIGHUP)
    except (OSError, ValueError):
        pass


def write_atomic(path, text):
    tmp = path + ".new"
    with open(tmp, "w") as f:
        f.write(text)
    os.rename(tmp, path)


def split_arg(arg):
    if ":" not in arg:
        return None, None
    host, path = arg.split(":", 1)
    if not path.startswith("/"):
        return None, None
    return host, normalize_path(path)


def main(argv):
    if argv[:1] == ["--lab-parse"] or argv[:1] == ["--lab-ganesha"]:
        log = Log()
        with open(argv[1]) as f:
            entries = parse_exports(f.read(), argv[1], log)
        if argv[0] == "--lab-parse":
            json.dump({"entries": entries, "messages": log.lines, "etab": render_etab(entries)}, sys.stdout)
        else:
            sys.stdout.write(render_ganesha(entries))
        return 0
    log = Log()
    try:
        opts, args = getopt.getopt(argv, "ad:fhio:ruvs")
    except getopt.GetoptError as e:
        sys.stderr.write("%s: %s\n" % (PROG, e))
        sys.stderr.write("usage: %s [-adfhioruvs] [host:/path]\n" % PROG)
        return 1
    f_all = f_verbose = f_reexport = f_ignore = f_format = False
    f_export = True
    options = None
    for o, v in opts:
        if o == "-a":
            f_all = True
        elif o == "-r":
            f_reexport = f_all = True
        elif o == "-u":
            f_export = False
        elif o == "-v":
            f_verbose = True
        elif o == "-i":
            f_ignore = True
        elif o == "-o":
            options = v
        elif o == "-s":
            f_format = True
        elif o == "-h":
            sys.stderr.write("usage: %s [-adfhioruvs] [host:/path]\n" % PROG)
            return 0
    if args and f_all:
        log.err("extra arguments are not permitted with -a or -r")
        return 1
    if f_ignore and (f_all or not f_export):
        log.err("-i not meaningful with -a, -r or -u")
        return 1
    if f_reexport and not f_export:
        log.err("-r and -u are incompatible")
        return 1
    try:
        with open(ETAB) as f:
            table = read_etab(f.read())
    except FileNotFoundError:
        table = []
    if not args and not f_all:
        if ("-f", "") in opts:
            return 0
        sys.stdout.write(dump(table, f_verbose, f_format))
        return 0

    if f_export and not f_ignore:
        wanted, found = read_exports_files(log)
        if not wanted and f_verbose:
            log.warn("No file systems exported!")
    else:
        wanted = []
    if f_export:
        if f_all:
            for e in wanted:
                if f_verbose:
                    print("exporting %s:%s" % (e["client"], e["path"]))
            table = list(wanted) if f_reexport else merge(table, wanted)
            validate(wanted, log)
        else:
            for a in args:
                host, path = split_arg(a)
                if host is None:
                    log.err("Invalid export syntax: %s" % a)
                    continue
                base = next((e["options"] for e in table if key(e) == (path, host.lower())), DEFAULTS)
                try:
                    o = parse_options(options, base, "command line", 0, log)
                except OptionError:
                    continue
                e = {"path": path, "client": host, "options": o}
                if f_verbose:
                    print("exporting %s:%s" % (host, path))
                merge(table, [e])
                validate([e], log)
    else:
        if f_all:
            table = []
        for a in args:
            host, path = split_arg(a)
            if host is None:
                log.err("Invalid export syntax: %s" % a)
                continue
            hit = [e for e in table if e["path"] == path and e["client"].lower() == host.lower()]
            if not hit:
                log.err("Could not find '%s:%s' to unexport." % (host, path))
            for e in hit:
                if f_verbose:
                    print("unexporting %s:%s" % (e["client"], e["path"]))
                table.remove(e)
    sys.stdout.flush()
    apply_table(table)
    if log.error and not os.path.exists(LEGACY_EXIT):
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
