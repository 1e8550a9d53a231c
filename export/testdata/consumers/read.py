"""Open a digidip export in the tool a researcher would use, and report what
the tool read as one JSON line (export/consumers_test.go compares it with the
store).

    /usr/bin/python3 read.py graphml FILE   NetworkX read_graphml
    /usr/bin/python3 read.py gexf FILE      NetworkX read_gexf, the file as served
    /usr/bin/python3 read.py nquads FILE    rdflib, format nquads
    /usr/bin/python3 read.py jsonld FILE    rdflib, format json-ld
    /usr/bin/python3 read.py trig FILE      rdflib, format trig
    /usr/bin/python3 read.py csv DIR        Python's csv module on DIR/*.csv

Debian's python3-networkx and python3-rdflib are seen only by Debian's own
interpreter, /usr/bin/python3.
"""

import csv
import json
import os
import sys


def graph(G):
    return {
        "nodes": [
            {"id": n, "name": d.get("name"), "kind": d.get("kind"), "degree": d.get("degree")}
            for n, d in G.nodes(data=True)
        ],
        "edges": [
            {
                "source": u,
                "target": v,
                "predicate": d.get("predicate"),
                "evidenceCount": d.get("evidenceCount"),
                "quote": d.get("quote", ""),
                "verb": d.get("verb", ""),
                "modality": d.get("modality", ""),
            }
            for u, v, d in G.edges(data=True)
        ],
    }


def read_graphml(path):
    import networkx as nx

    return graph(nx.read_graphml(path))


def read_gexf(path):
    import networkx as nx

    return graph(nx.read_gexf(path))


def read_rdf(path, fmt):
    import rdflib

    ds = rdflib.ConjunctiveGraph()
    ds.parse(path, format=fmt)
    # every (subject, predicate, object, graph) once: the quads
    statements = sum(len(c) for c in ds.contexts())
    graphs = sum(1 for c in ds.contexts() if len(c) > 0)
    # typed literals whose datatype is not a full IRI (say "xsd:integer")
    # are unknown datatypes to every RDF tool
    datatypes = {
        str(o.datatype)
        for o in ds.objects()
        if isinstance(o, rdflib.Literal) and o.datatype is not None
    }
    # how each quote holds its relation: one modality per evidence item,
    # said of the relation's statement in that evidence's graph
    modalities = sum(
        1
        for c in ds.contexts()
        for _, p, _ in c
        if str(p).endswith("/vocab/modality")
    )
    return {
        "statements": statements,
        "graphs": graphs,
        "datatypes": sorted(datatypes),
        "modalities": modalities,
    }


def read_csv(directory):
    out = {}
    for name in sorted(os.listdir(directory)):
        if not name.endswith(".csv"):
            continue
        with open(os.path.join(directory, name), newline="", encoding="utf-8") as f:
            out[name] = list(csv.DictReader(f))
    return out


def main():
    if len(sys.argv) != 3:
        raise SystemExit(__doc__)
    kind, path = sys.argv[1], sys.argv[2]
    readers = {
        "graphml": read_graphml,
        "gexf": read_gexf,
        "nquads": lambda p: read_rdf(p, "nquads"),
        "jsonld": lambda p: read_rdf(p, "json-ld"),
        "trig": lambda p: read_rdf(p, "trig"),
        "csv": read_csv,
    }
    if kind not in readers:
        raise SystemExit(f"unknown format {kind}")
    json.dump(readers[kind](path), sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
