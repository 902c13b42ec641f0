#!/usr/bin/env python3
"""Writes a synthetic RPSL dump (RFC 2622) shaped like the ones IRR operators publish.

    bench/make_irr_dump.py OUT [--size full|small] [--seed N] [--source NAME]

`full` (the default) is about 600 MB: 1.2M route and 400k route6 objects, 100k as-sets, 80k
aut-nums, plus mntner and person objects, with the free text real dumps carry (descr, remarks,
created, last-modified, changed, notify). `small` is about 1/100 of that, for the CI smoke run.
OUT ending in ".gz" is written gzip-compressed. The same seed always gives the same bytes.

The data is synthetic and documentation-looking: ASNs come from the documentation ranges
(RFC 5398) and the 32-bit private-use range (RFC 6996), maintainers and sets are "EXAMPLE"
names, e-mail addresses are at example.net. Prefixes are spread over the whole address space.
As-sets nest: they contain other sets (so there are loops), hierarchical names
(AS4200000001:AS-CUSTOMERS) and references to sets that do not exist. A few objects are
deliberately bad (host bits set, missing origin) so the load report has something to say.
Lines use every continuation style (space, tab, "+") and "#" comments.
"""

import argparse
import gzip
import ipaddress
import io
import random
import sys

SIZES = {
    # routes4, routes6, as-sets, aut-nums, mntners, persons, big sets
    "full": (1_200_000, 400_000, 100_000, 80_000, 20_000, 20_000, 20),
    "small": (12_000, 4_000, 1_000, 800, 200, 200, 2),
}

WORDS = (
    "customer aggregate allocation assigned network backbone transit peering announcement "
    "infrastructure datacenter region metro access broadband hosting cloud anycast service "
    "block range subnet residential business wholesale regional national international "
    "operations engineering routing policy contact abuse please report issues to the noc "
    "this object is maintained automatically do not edit manually see our website for "
    "details and more information about our network and peering"
).split()

CITIES = ("Example City", "Sample Town", "Testville", "Docport", "Demo Springs", "Placeholder")


def col(name, value):
    """One attribute line, values aligned at column 16 as RIPE prints them."""
    return f"{name + ':':<16}{value}\n"


class Dump:
    def __init__(self, size, seed, source):
        (self.n_routes4, self.n_routes6, self.n_sets, self.n_autnums, self.n_mntners,
         self.n_persons, self.n_big_sets) = SIZES[size]
        self.rng = random.Random(seed)
        self.source = source
        # Origins: the 32 documentation ASNs and private-use 32-bit ASNs; a few originate most.
        self.n_origins = max(1000, self.n_autnums)
        doc = list(range(64496, 64512)) + list(range(65536, 65552))
        self.origins = doc + [4200000000 + i for i in range(self.n_origins - len(doc))]
        self.counts = {}

    # --- small pieces -----------------------------------------------------------------------

    def origin(self):
        # Heavy-tailed: index ~ n * u^3, so low indexes originate thousands of prefixes.
        u = self.rng.random()
        return self.origins[int(len(self.origins) * u * u * u)]

    def sentence(self, low=3, high=9):
        return " ".join(self.rng.choice(WORDS) for _ in range(self.rng.randint(low, high)))

    def timestamp(self, first_year=2002):
        r = self.rng
        return (f"{r.randint(first_year, 2024):04d}-{r.randint(1, 12):02d}-{r.randint(1, 28):02d}T"
                f"{r.randint(0, 23):02d}:{r.randint(0, 59):02d}:{r.randint(0, 59):02d}Z")

    def created_and_modified(self, out):
        created = self.timestamp()
        out.append(col("created", created))
        out.append(col("last-modified", self.timestamp(int(created[:4]) + 1)
                       if created[:4] < "2024" else created))

    def mntner(self):
        return f"MAINT-EXAMPLE-{self.rng.randrange(self.n_mntners)}"

    def handle(self):
        return f"EX{self.rng.randrange(self.n_persons)}-{self.source}"

    def prefix4(self):
        r = self.rng
        x = r.random()
        length = 24 if x < 0.55 else r.choice((22, 23)) if x < 0.8 else r.randint(8, 21)
        address = r.getrandbits(32) & ((0xFFFFFFFF << (32 - length)) & 0xFFFFFFFF)
        return (f"{address >> 24}.{(address >> 16) & 255}.{(address >> 8) & 255}.{address & 255}"
                f"/{length}")

    def prefix6(self):
        r = self.rng
        length = r.choice((48, 48, 48, 48, 32, 36, 40, 44, 29, 56, 64))
        # Under 2000::/3 (global unicast), network bits only.
        address = ((1 << 125) | r.getrandbits(125)) & (((1 << length) - 1) << (128 - length))
        return str(ipaddress.IPv6Network((address, length)))

    def common_tail(self, out, remarks_chance=0.3):
        r = self.rng
        if r.random() < remarks_chance:
            for _ in range(r.randint(1, 3)):
                style = r.random()
                if style < 0.6:
                    out.append(col("remarks", self.sentence()))
                elif style < 0.75:
                    out.append(col("remarks", self.sentence()) + " " * 16 + self.sentence() + "\n")
                elif style < 0.9:
                    out.append(col("remarks", self.sentence()) + "\t" + self.sentence() + "\n")
                else:
                    out.append(col("remarks", self.sentence()) + "+\n+" + " " * 15 +
                               self.sentence() + "\n")
        out.append(col("mnt-by", self.mntner()))
        if r.random() < 0.1:
            out.append(col("mnt-by", self.mntner()))
        if r.random() < 0.25:
            out.append(col("notify", f"noc{r.randrange(1000)}@example.net"))
        if r.random() < 0.3:
            out.append(col("changed", f"hostmaster@example.net {r.randint(2001, 2015)}0101"))
        self.created_and_modified(out)
        out.append(col("source", self.source + ("  # synthetic" if r.random() < 0.01 else "")))
        out.append("\n")

    def count(self, cls):
        self.counts[cls] = self.counts.get(cls, 0) + 1

    # --- objects ------------------------------------------------------------------------------

    def route(self, out, v6):
        r = self.rng
        cls = "route6" if v6 else "route"
        prefix = self.prefix6() if v6 else self.prefix4()
        origin = self.origin()
        bad = r.random()
        if bad < 0.0001 and not v6:
            base, length = prefix.split("/")
            if int(length) < 32:
                prefix = base.rsplit(".", 1)[0] + ".1/" + length  # host bits set
        out.append(col(cls, prefix))
        out.append(col("descr", f"{r.choice(CITIES)} {self.sentence(2, 6)}"))
        if r.random() < 0.05:
            out.append(col("descr", self.sentence()))
        if bad >= 0.0002 or bad < 0.0001:
            out.append(col("origin", f"AS{origin}"))  # else: no origin (a bad object)
        if r.random() < 0.02:
            out.append(col("member-of", f"RS-EXAMPLE-{r.randrange(100)}"))
        self.common_tail(out)
        self.count(cls)
        # Now and then the same route again, as when one prefix is registered twice.
        if r.random() < 0.003:
            out.append(col(cls, prefix) + col("origin", f"AS{origin}"))
            self.common_tail(out, remarks_chance=0)
            self.count(cls)

    def set_name(self, index):
        if index % 5 == 0:
            return f"AS{self.origins[index % len(self.origins)]}:AS-CUSTOMERS-{index}"
        return f"AS-EXAMPLE-{index}"

    def as_set(self, out, index, big):
        r = self.rng
        out.append(col("as-set", self.set_name(index)))
        out.append(col("descr", self.sentence(2, 6)))
        n_asns = r.randint(2000, 8000) if big else min(400, int(r.paretovariate(1.2) * 3) - 2)
        n_sets = r.randint(0, 6) if r.random() < 0.4 else 0
        members = [f"AS{self.origin()}" for _ in range(max(0, n_asns))]
        for _ in range(n_sets):
            if r.random() < 0.03:
                members.append(f"AS-MISSING-{r.randrange(10_000)}")  # dangling
            else:
                members.append(self.set_name(r.randrange(self.n_sets)))  # may loop
        r.shuffle(members)
        style = r.random()
        if not members:
            pass
        elif style < 0.5:  # one members: line per member
            for m in members:
                out.append(col("members", m))
        elif style < 0.8:  # comma lists of up to 8
            for i in range(0, len(members), 8):
                out.append(col("members", ", ".join(members[i:i + 8])))
        else:  # one list over continuation lines
            lines = [", ".join(members[i:i + 6]) for i in range(0, len(members), 6)]
            out.append(col("members", lines[0] + ("," if len(lines) > 1 else "")))
            for i, line in enumerate(lines[1:], 1):
                lead = r.choice((" " * 16, "\t", "+" + " " * 15))
                out.append(lead + line + ("," if i < len(lines) - 1 else "") + "\n")
        if r.random() < 0.05:
            out.append(col("mp-members", f"AS{self.origin()}, AS{self.origin()}"))
        out.append(col("tech-c", self.handle()))
        out.append(col("admin-c", self.handle()))
        self.common_tail(out)
        self.count("as-set")

    def aut_num(self, out, asn):
        r = self.rng
        out.append(col("aut-num", f"AS{asn}"))
        out.append(col("as-name", f"EXAMPLE-NET-{asn}"))
        out.append(col("descr", f"{r.choice(CITIES)} {self.sentence(2, 5)}"))
        for _ in range(r.randint(1, 6)):
            peer = self.origin()
            out.append(col("import", f"from AS{peer} accept ANY"))
            out.append(col("export", f"to AS{peer} announce {self.set_name(r.randrange(self.n_sets))}"))
        if r.random() < 0.3:
            out.append(col("mp-import", "afi ipv6.unicast from AS64500 accept ANY"))
        out.append(col("org", f"ORG-EX{r.randrange(10_000)}-{self.source}"))
        out.append(col("admin-c", self.handle()))
        out.append(col("tech-c", self.handle()))
        self.common_tail(out)
        self.count("aut-num")

    def mntner_object(self, out, index):
        out.append(col("mntner", f"MAINT-EXAMPLE-{index}"))
        out.append(col("descr", self.sentence(2, 5)))
        out.append(col("admin-c", self.handle()))
        out.append(col("upd-to", f"hostmaster{index}@example.net"))
        out.append(col("auth", "# Filtered"))
        out.append(col("mnt-by", f"MAINT-EXAMPLE-{index}"))
        self.created_and_modified(out)
        out.append(col("source", self.source + "  # Filtered"))
        out.append("\n")
        self.count("mntner")

    def person(self, out, index):
        r = self.rng
        out.append(col("person", f"Example Person {index}"))
        out.append(col("address", f"{r.randint(1, 999)} Example Street"))
        out.append(col("address", r.choice(CITIES)))
        out.append(col("phone", f"+1 555 01{r.randint(0, 99):02d}"))
        out.append(col("nic-hdl", f"EX{index}-{self.source}"))
        out.append(col("mnt-by", self.mntner()))
        self.created_and_modified(out)
        out.append(col("source", self.source))
        out.append("\n")
        self.count("person")

    # --- the file -----------------------------------------------------------------------------

    def write(self, stream):
        written = 0
        buffer = []

        def flush(force=False):
            nonlocal written, buffer
            if force or len(buffer) > 20_000:
                text = "".join(buffer).encode()
                stream.write(text)
                written += len(text)
                buffer = []

        buffer.append("#\n# Synthetic RPSL dump written by peerapi bench/make_irr_dump.py.\n"
                      "# Documentation ASNs and names only; not real routing data.\n#\n\n")
        for i in range(self.n_mntners):
            self.mntner_object(buffer, i)
            flush()
        for i in range(self.n_persons):
            self.person(buffer, i)
            flush()
        for asn in self.origins[:self.n_autnums]:
            self.aut_num(buffer, asn)
            flush()
        big = set(self.rng.sample(range(self.n_sets), self.n_big_sets))
        for i in range(self.n_sets):
            self.as_set(buffer, i, i in big)
            flush()
        # route and route6 interleaved, as in a dump sorted by maintainer.
        total = self.n_routes4 + self.n_routes6
        v6_every = total / max(1, self.n_routes6)
        made6 = 0
        for i in range(total):
            v6 = made6 < self.n_routes6 and i >= made6 * v6_every
            made6 += v6
            self.route(buffer, v6)
            flush()
        # The last object without its trailing blank line, as some dumps end.
        buffer.append(col("aut-num", "AS64511") + col("source", self.source).rstrip("\n"))
        self.count("aut-num")
        flush(force=True)
        return written


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", help="file to write (\".gz\" for gzip)")
    parser.add_argument("--size", choices=sorted(SIZES), default="full")
    parser.add_argument("--seed", type=int, default=7454)
    parser.add_argument("--source", default="EXAMPLE")
    args = parser.parse_args()
    dump = Dump(args.size, args.seed, args.source)
    if args.out.endswith(".gz"):
        with open(args.out, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as gz:
            written = dump.write(gz)
    else:
        with open(args.out, "wb", buffering=io.DEFAULT_BUFFER_SIZE * 64) as out:
            written = dump.write(out)
    summary = ", ".join(f"{cls} {n}" for cls, n in sorted(dump.counts.items()))
    print(f"{args.out}: {written} bytes of RPSL; {summary}", file=sys.stderr)


if __name__ == "__main__":
    main()
