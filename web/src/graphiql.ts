// Starts GraphiQL on digidip's API with the README's questions as example
// tabs. GraphiQL and React are the npm builds that graphiql.html loads
// before this module, as globals; nothing comes from a CDN.
import './graphiql.css';

declare global {
  const React: { createElement(type: unknown, props: Record<string, unknown>): unknown };
  const ReactDOM: { createRoot(el: Element): { render(node: unknown): void } };
  const GraphiQL: { createFetcher(opts: { url: string }): unknown };
}

interface Example {
  slug: string; // 3-path-d4d-commission → path-d4d-commission
  title: string; // the query's first comment line
  query: string;
}

// Each file under examples/ is one example, in file-name order.
const files = import.meta.glob<string>('./examples/*.graphql', { query: '?raw', import: 'default', eager: true });
const examples: Example[] = Object.keys(files)
  .sort()
  .map((path) => {
    const query = files[path]!;
    return {
      slug: path.replace(/^.*\/\d+-|\.graphql$/g, ''),
      title: /^#\s*(.*)/.exec(query)?.[1] ?? path,
      query,
    };
  });

const asked = new URLSearchParams(location.search).get('example');
const chosen = examples.find((e) => e.slug === asked);

// A link per example: it opens (or switches to) a tab with that query, even
// when GraphiQL already keeps other tabs from an earlier visit.
const nav = document.getElementById('examples')!;
for (const e of examples) {
  const a = document.createElement('a');
  a.href = `?example=${e.slug}`;
  a.textContent = e.slug.replaceAll('-', ' ');
  a.title = e.title;
  if (e === chosen) a.setAttribute('aria-current', 'page');
  nav.append(a);
}

const tabs = chosen ? [chosen, ...examples.filter((e) => e !== chosen)] : examples;
ReactDOM.createRoot(document.getElementById('graphiql')!).render(
  React.createElement(GraphiQL, {
    fetcher: GraphiQL.createFetcher({ url: new URL('graphql', document.baseURI).href }),
    // the first visit (nothing kept in local storage) opens every example as a tab
    defaultTabs: tabs.map((e) => ({ query: e.query })),
    query: chosen?.query,
    defaultEditorToolsVisibility: false,
  }),
);
