// Reads digidip citations as reference managers do: CSL-JSON formatted
// by citeproc-js in the APA style, BibTeX parsed by citation.js. Prints
// what they read as JSON for cite/consumers_test.go.
//
//   node check.mjs items.csl.json entries.bib
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import CSL from 'citeproc';
import { Cite } from '@citation-js/core';
import '@citation-js/plugin-bibtex';
import '@citation-js/plugin-csl';

const require = createRequire(import.meta.url);
// the APA style and en-US locale that @citation-js/plugin-csl ships
const styles = require('@citation-js/plugin-csl/lib/styles.json');
const locales = require('@citation-js/plugin-csl/lib/locales.json');

const [cslPath, bibPath] = process.argv.slice(2);
const items = JSON.parse(readFileSync(cslPath, 'utf8'));
const byId = Object.fromEntries(items.map((it) => [it.id, it]));
const engine = new CSL.Engine(
  {
    retrieveLocale: (lang) => locales[lang] ?? locales['en-US'],
    retrieveItem: (id) => byId[id],
  },
  styles.apa,
);
engine.updateItems(items.map((it) => it.id));
const [meta, entries] = engine.makeBibliography();
const citeproc = { errors: meta.bibliography_errors, entries: entries.map((e) => e.trim()), ids: meta.entry_ids.flat() };

const cite = new Cite(readFileSync(bibPath, 'utf8'));
const bibtex = {
  items: cite.data.map((d) => ({ id: d.id, type: d.type, title: d.title, note: d.note, year: d.issued?.['date-parts']?.[0]?.[0], author: d.author, URL: d.URL, number: d.number })),
  apa: cite.format('bibliography', { format: 'text', template: 'apa', lang: 'en-US' }).trim().split('\n'),
};
process.stdout.write(JSON.stringify({ citeproc, bibtex }));
