/* empty css    */import{a as e,i as t,n,o as r,r as i}from"./pages.js";var a=`# The commitments board's query (web/src/commitments.ts), a page of 25 at a
# time: the server's tests run it as it is (server/size_test.go, server/
# pages_browser_test.go).
query Commitments($after: String) {
  entities(kind: COMMITMENT, first: 25, after: $after) {
    pageInfo { hasNextPage endCursor }
    nodes {
      id
      name
      calledOn { id name kind }
      targets: neighbours(predicate: TARGETS) { id name kind }
      instruments: neighbours(predicate: IMPLEMENTED_THROUGH) { id name kind }
      facts { key role qualifier text date }
      relations(direction: BOTH, first: 30) {
        nodes {
          id
          predicateId
          subject { id }
          evidence(first: 1) { id quote start end verb document { id } paragraph { id number } }
        }
      }
    }
  }
}
`,o=document.getElementById(`board`),s=document.getElementById(`count`),c=document.getElementById(`filter`),l=document.getElementById(`sort`);function u(e){let t=e.relations.nodes.find(t=>t.predicateId===`calls-on`&&t.subject.id===e.id&&t.evidence.length),n=t?.evidence[0]??e.relations.nodes.find(e=>e.evidence.length)?.evidence[0]??null,r=e.facts.find(e=>e.role===`deadline`);return{c:e,evidence:n,verb:t?.evidence[0]?.verb??n?.verb??``,deadline:r?.text??``,deadlineDate:r?.date??``}}async function d(){let t=[],n=null;for(;;){let r=await e(a,{after:n});if(t.push(...r.entities.nodes),!r.entities.pageInfo.hasNextPage)break;n=r.entities.pageInfo.endCursor}return t.map(u)}var f=new Intl.Collator(`en`,{numeric:!0}),p=e=>e.map(e=>e.name),m={document:(e,t)=>f.compare(e.evidence?.document.id??`~`,t.evidence?.document.id??`~`)||f.compare(e.evidence?.paragraph.number??`~`,t.evidence?.paragraph.number??`~`)||f.compare(e.c.id,t.c.id),paragraph:(e,t)=>f.compare(e.evidence?.paragraph.number??`~`,t.evidence?.paragraph.number??`~`)||m.document(e,t),actor:(e,t)=>f.compare(p(e.c.calledOn).sort()[0]??`~`,p(t.c.calledOn).sort()[0]??`~`)||m.document(e,t),deadline:(e,t)=>f.compare(e.deadlineDate||(e.deadline?`~`:`~~`),t.deadlineDate||(t.deadline?`~`:`~~`))||m.document(e,t)};function h(e){let t=c.value.trim().toLowerCase();return(t?e.filter(e=>e.c.calledOn.some(e=>e.name.toLowerCase().includes(t))):e.slice()).sort(m[l.value]??m.document)}function g(e){return e.flatMap((e,r)=>{let a=i(`a`,{href:n(e.id,e.id),class:`entity`},e.name);return t(a,e.kind),r?[`; `,a]:[a]})}function _(e){let t=e.id.slice(e.id.indexOf(`:`)+1).replace(`#`,`:`);return r(`read/${encodeURIComponent(e.document.id)}#${t}`)}var v=[`Commitment`,`Document`,`¶`,`Verb`,`Called on`,`Targets`,`Instruments`,`Deadline`,`Quote`];function y(e){let t=i(`tbody`);for(let r of e){let e=r.evidence,a=[i(`a`,{href:n(r.c.id,r.c.id)},r.c.name),e?.document.id??``,e?.paragraph.number??``,r.verb,g(r.c.calledOn),g(r.c.targets),g(r.c.instruments),r.deadlineDate?`${r.deadline} (${r.deadlineDate})`:r.deadline,e?i(`a`,{href:_(e),class:`quote`},`“${e.quote}”`):``],o=i(`tr`,{"data-id":r.c.id});a.forEach((e,t)=>{let n=i(`td`,{"data-label":v[t]});n.append(...Array.isArray(e)?e:[e]),o.append(n)}),t.append(o)}let r=i(`tr`,{},...v.map(e=>i(`th`,{scope:`col`},e)));o.replaceChildren(i(`table`,{class:`board`},i(`thead`,{},r),t))}var b=[`id`,`name`,`evidence.document.id`,`evidence.paragraph.number`,`evidence.verb`,`calledOn.name`,`targets.name`,`instruments.name`,`deadline.text`,`deadline.date`,`evidence.quote`,`evidence.id`];function x(e){return/[",\n\r]/.test(e)?`"${e.replace(/"/g,`""`)}"`:e}function S(e){let t=[b.join(`,`)];for(let n of e){let e=n.evidence;t.push([n.c.id,n.c.name,e?.document.id??``,e?.paragraph.number??``,n.verb,p(n.c.calledOn).join(`; `),p(n.c.targets).join(`; `),p(n.c.instruments).join(`; `),n.deadline,n.deadlineDate,e?.quote??``,e?.id??``].map(x).join(`,`))}return t.join(`\r
`)+`\r
`}var C=[];function w(){let e=h(C);y(e),s.textContent=`${e.length} of ${C.length} commitments`;let t=new URLSearchParams;c.value.trim()&&t.set(`actor`,c.value.trim()),l.value!==`document`&&t.set(`sort`,l.value),history.replaceState(null,``,`${location.pathname}${t.size?`?${t}`:``}`)}document.getElementById(`csv`).addEventListener(`click`,()=>{let e=document.createElement(`a`);e.href=URL.createObjectURL(new Blob([S(h(C))],{type:`text/csv;charset=utf-8`})),e.download=`digidip-commitments.csv`,e.click(),window.setTimeout(()=>URL.revokeObjectURL(e.href),1e4)}),c.addEventListener(`input`,w),l.addEventListener(`change`,w),document.getElementById(`controls`).addEventListener(`submit`,e=>e.preventDefault());async function T(){let e=new URLSearchParams(location.search);c.value=e.get(`actor`)??``,e.get(`sort`)&&m[e.get(`sort`)]&&(l.value=e.get(`sort`));try{C=await d(),w()}catch(e){s.textContent=`Could not load the commitments: ${e.message}`,s.classList.add(`error`)}finally{o.setAttribute(`aria-busy`,`false`)}}T();