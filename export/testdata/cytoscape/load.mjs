// Loads a Cytoscape.js export the way a page would, cy.add(json.elements),
// in a headless cytoscape instance, and prints what the graph then holds as
// one JSON line: every node's id, name, kind and degree, every edge's id,
// source, target, predicate and provenance.
import { readFileSync } from "node:fs";
import cytoscape from "cytoscape";

const file = process.argv[2];
if (!file) {
  console.error("usage: node load.mjs FILE");
  process.exit(2);
}
const json = JSON.parse(readFileSync(file, "utf8"));
const cy = cytoscape({ headless: true, styleEnabled: false });
cy.add(json.elements);
const out = {
  nodes: cy.nodes().map((n) => ({
    id: n.id(),
    name: n.data("name"),
    kind: n.data("kind"),
    degree: n.data("degree"),
  })),
  edges: cy.edges().map((e) => ({
    id: e.id(),
    source: e.source().id(),
    target: e.target().id(),
    predicate: e.data("predicate"),
    evidenceCount: e.data("evidenceCount"),
    quote: e.data("quote") ?? "",
    verb: e.data("verb") ?? "",
    modality: e.data("modality") ?? "",
  })),
};
process.stdout.write(JSON.stringify(out) + "\n");
