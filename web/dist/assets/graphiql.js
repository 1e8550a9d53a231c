var e=Object.assign({"./examples/1-search.graphql":`# Search: which entities match "Global Gateway"?
query SearchGlobalGateway {
  search(text: "Global Gateway") {
    id
    name
    kind
    description
  }
}
`,"./examples/2-paragraph-7-calls-on.graphql":`# Which actors does the Council call on in paragraph 7, and in which words?
query Paragraph7CallsOn {
  relations(predicate: CALLS_ON, paragraph: "council-2023:7", first: 50) {
    totalCount
    nodes {
      subject { id name }
      verb
      object { id name kind }
      evidence(paragraph: "council-2023:7") { quote start end }
    }
  }
}
`,"./examples/3-path-d4d-commission.graphql":`# What connects the D4D Hub to the European Commission? Each step with its evidence.
query PathD4DHubToCommission {
  path(from: "d4d-hub", to: "european-commission", maxHops: 4, first: 3) {
    length
    steps {
      from { id name }
      relation { predicate verb evidence { quote paragraph { id } } }
      to { id name }
      forward
    }
  }
}
`,"./examples/4-commitment-deadline.graphql":`# What deadline applies to expertise in every EU Delegation, and who is to ensure it?
query DelegationExpertiseDeadline {
  entity(id: "action-15-delegation-expertise") {
    name
    calledOn { id name }
    deadline { text date precision evidence { quote paragraph { id } } }
  }
}
`,"./examples/5-what-funds-what.graphql":`# What funds what, with the words behind each answer.
query WhatFundsWhat {
  relations(predicate: FUNDS, first: 100) {
    totalCount
    nodes { subject { id name } object { id name } implied evidence { quote paragraph { id } } }
  }
}
`,"./examples/6-subgraph-d4d.graphql":`# The D4D Hub's neighbourhood, as the nodes and edges visualization libraries take.
query D4DHubNeighbourhood {
  subgraph(roots: ["d4d-hub"], depth: 1) {
    truncated
    nodes { id name kind degree }
    edges { id source target predicate evidenceCount }
  }
}
`}),t=Object.keys(e).sort().map(t=>{let n=e[t];return{slug:t.replace(/^.*\/\d+-|\.graphql$/g,``),title:/^#\s*(.*)/.exec(n)?.[1]??t,query:n}}),n=new URLSearchParams(location.search).get(`example`),r=t.find(e=>e.slug===n),i=document.getElementById(`examples`);for(let e of t){let t=document.createElement(`a`);t.href=`?example=${e.slug}`,t.textContent=e.slug.replaceAll(`-`,` `),t.title=e.title,e===r&&t.setAttribute(`aria-current`,`page`),i.append(t)}var a=r?[r,...t.filter(e=>e!==r)]:t;ReactDOM.createRoot(document.getElementById(`graphiql`)).render(React.createElement(GraphiQL,{fetcher:GraphiQL.createFetcher({url:new URL(`graphql`,document.baseURI).href}),defaultTabs:a.map(e=>({query:e.query})),query:r?.query,defaultEditorToolsVisibility:!1}));