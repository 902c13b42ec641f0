#!/usr/bin/env python3
"""Writes a synthetic PeeringDB snapshot for the load benchmark (documentation data only).

The server network AS64500 and CALLERS private-use ASNs (4200000001...) each have one IPv6 port
at every one of EXCHANGES exchanges, whose LANs are 2001:db8:<ix>::/64. Every (caller, exchange)
pair is a distinct session, so a benchmark can create CALLERS * EXCHANGES sessions without
duplicates. Usage: make_snapshot.py DIR EXCHANGES CALLERS
"""
import json
import os
import sys


def write(directory, name, rows):
    with open(os.path.join(directory, name + ".json"), "w") as f:
        json.dump({"meta": {}, "data": rows}, f, separators=(",", ":"))


def main():
    directory, exchanges, callers = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    os.makedirs(directory, exist_ok=True)
    asns = [64500] + [4200000001 + i for i in range(callers)]
    write(directory, "org", [{"id": 1, "name": "Bench Org", "status": "ok"}])
    write(directory, "net", [{"id": i + 1, "org_id": 1, "asn": asn, "name": f"Bench AS{asn}",
                              "irr_as_set": "", "info_prefixes4": 10, "info_prefixes6": 10,
                              "policy_general": "Open", "info_type": "NSP", "status": "ok"}
                             for i, asn in enumerate(asns)])
    write(directory, "ix", [{"id": ix, "org_id": 1, "name": f"Bench IX {ix}", "name_long": "",
                             "city": "Example", "country": "DE", "status": "ok"}
                            for ix in range(1, exchanges + 1)])
    write(directory, "ixlan", [{"id": ix, "ix_id": ix, "name": "", "status": "ok"}
                               for ix in range(1, exchanges + 1)])
    write(directory, "ixpfx", [{"id": ix, "ixlan_id": ix, "protocol": "IPv6",
                                "prefix": f"2001:db8:{ix:x}::/64", "status": "ok"}
                               for ix in range(1, exchanges + 1)])
    rows = []
    for ix in range(1, exchanges + 1):
        for i, asn in enumerate(asns):
            rows.append({"id": len(rows) + 1, "net_id": i + 1, "ix_id": ix, "ixlan_id": ix,
                         "asn": asn, "ipaddr4": None, "ipaddr6": f"2001:db8:{ix:x}::{i + 1:x}",
                         "speed": 10000, "is_rs_peer": False, "operational": True,
                         "status": "ok"})
    write(directory, "netixlan", rows)


if __name__ == "__main__":
    main()
