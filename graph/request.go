package graph

import (
	"cmp"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/digidip/digidip/domain"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/digidip/digidip/engine"
	"github.com/digidip/digidip/graph/model"
)

type graphKey struct{}

// WithGraph pins the read model a request works on; the server calls it once
// per request, so every resolver of one response reads the same version.
func WithGraph(ctx context.Context, g *engine.Graph) context.Context {
	ctx = context.WithValue(ctx, graphKey{}, g)
	if g != nil && g.Batches() {
		ctx = context.WithValue(ctx, loadersKey{}, newLoaders(g))
	}
	return ctx
}

// FromContext returns the read model WithGraph pinned, or nil.
func FromContext(ctx context.Context) *engine.Graph {
	g, _ := ctx.Value(graphKey{}).(*engine.Graph)
	return g
}

// errNoGraph is the internal error of an operation run without a pinned read
// model: a bug in the caller, which must pin one with WithGraph.
var errNoGraph = errors.New("graph: operation run without a read model pinned by WithGraph")

// NewSchema is the API's executable schema. An operation whose context has
// no read model pinned (see WithGraph) fails with an internal error before
// any resolver runs: resolvers read only the pinned version, never the live
// store.
func NewSchema(cfg Config) graphql.ExecutableSchema {
	return pinned{NewExecutableSchema(cfg)}
}

type pinned struct{ graphql.ExecutableSchema }

func (p pinned) Exec(ctx context.Context) graphql.ResponseHandler {
	if FromContext(ctx) == nil {
		// The executor answers with the errors added here, presented.
		graphql.AddError(ctx, errNoGraph)
		return graphql.OneShot(&graphql.Response{Errors: graphql.GetErrors(ctx)})
	}
	return p.ExecutableSchema.Exec(ctx)
}

// graph is the read model pinned on the request. Without one (a schema built
// with NewExecutableSchema rather than NewSchema, run without WithGraph) it
// panics: the executor recovers and answers with an internal error rather
// than let the resolver read anything else.
func (r *Resolver) graph(ctx context.Context) *engine.Graph {
	g := FromContext(ctx)
	if g == nil {
		panic(errNoGraph)
	}
	return g
}

// Error codes in `extensions.code`.
const (
	CodeBadInput   = "BAD_USER_INPUT"
	CodeBadCursor  = "BAD_CURSOR"
	CodeNotFound   = "NOT_FOUND"
	CodeInternal   = "INTERNAL"
	CodeComplexity = "COMPLEXITY_LIMIT_EXCEEDED"
	CodeDepth      = "DEPTH_LIMIT_EXCEEDED"
	CodeAliases    = "ALIAS_LIMIT_EXCEEDED"
	CodeTimeout    = "TIMEOUT"
	// CodeResponseTooLarge: the answer passed the server's response budget.
	CodeResponseTooLarge = "RESPONSE_TOO_LARGE"
)

// CodePersistedQuery marks a malformed automatic-persisted-query request.
const CodePersistedQuery = "PERSISTED_QUERY_INVALID"

func init() { errcode.RegisterErrorType(CodePersistedQuery, errcode.KindProtocol) }

// userError is an error the client caused and may read.
type userError struct {
	code string
	msg  string
}

func (e *userError) Error() string { return e.msg }

func badInput(format string, args ...any) error {
	return &userError{code: CodeBadInput, msg: fmt.Sprintf(format, args...)}
}

// ErrorPresenter turns resolver errors into GraphQL errors: the client's own
// mistakes keep their message and get a code; anything else (a store
// failure, a bug) becomes INTERNAL with no detail, and is logged by the
// server under the request id.
func ErrorPresenter(ctx context.Context, err error) *gqlerror.Error {
	var gqlErr *gqlerror.Error
	if errors.As(err, &gqlErr) && gqlErr.Extensions["code"] != nil {
		if gqlErr.Message == "operation  not found" {
			// gqlgen's words when a document holds several operations and
			// the request names none
			gqlErr.Message = "the document holds more than one operation: name the one to run in operationName"
		}
		return gqlErr
	}
	path := graphql.GetPath(ctx)
	var ue *userError
	var nf *domain.NotFoundError
	switch {
	case errors.As(err, &ue):
		return coded(path, ue.code, ue.msg)
	case errors.As(err, &nf):
		e := coded(path, CodeNotFound, nf.Error())
		e.Extensions["suggestions"] = append([]string{}, nf.Suggestions...)
		return e
	case errors.Is(err, domain.ErrNotFound):
		return coded(path, CodeNotFound, messageOf(err))
	case errors.Is(err, domain.ErrInvalidArgument):
		return coded(path, CodeBadInput, strings.TrimSuffix(messageOf(err), ": "+domain.ErrInvalidArgument.Error()))
	case errors.Is(err, context.DeadlineExceeded):
		return coded(path, CodeTimeout, "the request took longer than its deadline")
	case errors.Is(err, context.Canceled):
		return coded(path, CodeTimeout, "the request was cancelled")
	}
	if errors.As(err, &gqlErr) && gqlErr.Rule != "" {
		// validation and parse errors from gqlparser: the client's doing
		return gqlErr
	}
	return coded(path, CodeInternal, "internal error")
}

// messageOf is an error's own words: gqlgen wraps a resolver's error in a
// gqlerror.Error, whose Error() starts with a position ("input:1:3: ")
// that means nothing to the client.
func messageOf(err error) string {
	var gqlErr *gqlerror.Error
	if errors.As(err, &gqlErr) {
		if gqlErr.Err != nil {
			return messageOf(gqlErr.Err)
		}
		return gqlErr.Message
	}
	return err.Error()
}

func coded(path ast.Path, code, msg string) *gqlerror.Error {
	return &gqlerror.Error{
		Message:    msg,
		Path:       path,
		Extensions: map[string]any{"code": code},
	}
}

// IsInternal reports whether a presented error hides an internal failure.
func IsInternal(e *gqlerror.Error) bool { return e.Extensions["code"] == CodeInternal }

// Page sizes.
const (
	DefaultFirst = 20
	MaxFirst     = 100
)

func firstArg(first *int, def, max int) (int, error) {
	if first == nil {
		return def, nil
	}
	if *first < 1 || *first > max {
		return 0, badInput("first must be between 1 and %d, not %d", max, *first)
	}
	return *first, nil
}

const cursorPrefix = "v1:"

func encodeCursor(key string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(cursorPrefix + key))
}

// decodeCursor reads an `after` cursor: the key of the last item seen.
func decodeCursor(after *string) (string, error) {
	if after == nil {
		return "", nil
	}
	raw, err := base64.RawURLEncoding.DecodeString(*after)
	// The decoder skips newlines and ignores stray low bits, so several
	// strings decode alike: only the one encodeCursor makes is a cursor.
	if err != nil || !strings.HasPrefix(string(raw), cursorPrefix) || len(raw) > 1024 ||
		base64.RawURLEncoding.EncodeToString(raw) != *after {
		return "", &userError{code: CodeBadCursor, msg: "after is not a cursor this API gave out"}
	}
	return string(raw[len(cursorPrefix):]), nil
}

// page cuts one page out of a list sorted by key: the items after the
// cursor's key, at most first of them. Keyset paging keeps pages stable
// while the data is reloaded.
func page[T any](items []T, key func(T) string, first *int, after *string) (out []T, cursors []string, info *model.PageInfo, err error) {
	n, err := firstArg(first, DefaultFirst, MaxFirst)
	if err != nil {
		return nil, nil, nil, err
	}
	from, err := decodeCursor(after)
	if err != nil {
		return nil, nil, nil, err
	}
	start := 0
	if after != nil {
		// A list in key order pages by key, so a page stays right when the
		// item it continues after is gone; a list sorted otherwise
		// continues after the item itself.
		if i := slices.IndexFunc(items, func(it T) bool { return key(it) == from }); i >= 0 {
			start = i + 1
		} else if slices.IsSortedFunc(items, func(a, b T) int { return strings.Compare(key(a), key(b)) }) {
			start = sort.Search(len(items), func(i int) bool { return key(items[i]) > from })
		} else {
			return nil, nil, nil, &userError{code: CodeBadCursor, msg: "after names an item that is no longer in this sorted list: start again without it"}
		}
	}
	end := min(start+n, len(items))
	out = items[start:end]
	cursors = make([]string, len(out))
	for i, it := range out {
		cursors[i] = encodeCursor(key(it))
	}
	info = &model.PageInfo{HasNextPage: end < len(items), HasPreviousPage: start > 0}
	if len(cursors) > 0 {
		info.StartCursor = &cursors[0]
		info.EndCursor = &cursors[len(cursors)-1]
	}
	return out, cursors, info, nil
}

func relationConnection(ctx context.Context, g *engine.Graph, edges []engine.Edge, first *int, after *string) (*model.RelationConnection, error) {
	page, cursors, info, err := page(edges, func(e engine.Edge) string { return e.ID }, first, after)
	if err != nil {
		return nil, err
	}
	items, err := relationsOf(ctx, g, page)
	if err != nil {
		return nil, err
	}
	c := &model.RelationConnection{Nodes: items, PageInfo: info, TotalCount: len(edges), All: edges}
	c.Edges = make([]*model.RelationEdge, len(items))
	for i, r := range items {
		c.Edges[i] = &model.RelationEdge{Cursor: cursors[i], Node: r}
	}
	return c, nil
}

func entityConnection(ctx context.Context, g *engine.Graph, ids []string, first *int, after *string) (*model.EntityConnection, error) {
	page, cursors, info, err := page(ids, func(id string) string { return id }, first, after)
	if err != nil {
		return nil, err
	}
	items, err := entitiesByID(ctx, g, page)
	if err != nil {
		return nil, err
	}
	c := &model.EntityConnection{Nodes: items, PageInfo: info, TotalCount: len(ids)}
	c.Edges = make([]*model.EntityEdge, len(items))
	for i, e := range items {
		c.Edges[i] = &model.EntityEdge{Cursor: cursors[i], Node: e}
	}
	return c, nil
}

// predicateEnum maps a stored predicate id ("calls-on") to the schema's enum
// (CALLS_ON). A predicate the schema does not know is an internal error: the
// data and the schema must agree, and a test holds them to it.
func predicateEnum(id string) (model.Predicate, error) {
	p := model.Predicate(strings.ToUpper(strings.ReplaceAll(id, "-", "_")))
	if !p.IsValid() {
		return "", fmt.Errorf("predicate %q is not in the schema", id)
	}
	return p, nil
}

// PredicateID maps the schema's enum to the stored predicate id.
func PredicateID(p model.Predicate) string {
	return strings.ToLower(strings.ReplaceAll(string(p), "_", "-"))
}

func predicateIDs(ps []model.Predicate) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = PredicateID(p)
	}
	return out
}

func optPredicate(p *model.Predicate) []string {
	if p == nil {
		return nil
	}
	return []string{PredicateID(*p)}
}

func toKinds(ks []model.Kind) []domain.Kind {
	out := make([]domain.Kind, len(ks))
	for i, k := range ks {
		out[i] = domain.Kind(k)
	}
	return out
}

func toDirection(d *model.Direction, def engine.Direction) engine.Direction {
	if d == nil {
		return def
	}
	switch *d {
	case model.DirectionOut:
		return engine.Out
	case model.DirectionIn:
		return engine.In
	}
	return engine.Both
}

func optString(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func optID(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// neighbours lists the distinct entities at the far end of an entity's
// relations, in relation order.
func neighbours(ctx context.Context, g *engine.Graph, id string, dir engine.Direction, preds []string, kinds []domain.Kind, where *model.EntityWhere, limit int) ([]*domain.Entity, error) {
	edges, err := neighbourEdges(ctx, g, id, dir, preds)
	if err != nil {
		return nil, err
	}
	var others []string
	seen := map[string]bool{}
	for _, r := range edges {
		other := otherEnd(r, id)
		if seen[other] {
			continue
		}
		seen[other] = true
		others = append(others, other)
		// with kinds to keep, which of them count is known only once read
		if limit > 0 && len(others) == limit && len(kinds) == 0 && where == nil {
			break
		}
	}
	others, err = filterEntities(ctx, g, others, where)
	if err != nil {
		return nil, err
	}
	es, err := entitiesByID(ctx, g, others)
	if err != nil {
		return nil, err
	}
	keep := domain.FilterKinds(kinds)
	out := []*domain.Entity{}
	for _, e := range es {
		if e != nil && keep.Keeps(e.Kind) && (limit <= 0 || len(out) < limit) {
			out = append(out, e)
		}
	}
	return out, nil
}

// otherEnd is the end of a relation of id that is not id (id itself for a
// relation of id with itself).
func otherEnd(r engine.Edge, id string) string {
	if r.Object == id {
		return r.Subject
	}
	return r.Object
}

// endsOfKinds keeps the edges whose subject is of one of subjects and whose
// object is of one of objects (no kinds: any).
func endsOfKinds(ctx context.Context, g *engine.Graph, edges []engine.Edge, subjects, objects []domain.Kind) ([]engine.Edge, error) {
	if len(subjects) == 0 && len(objects) == 0 {
		return edges, nil
	}
	ends := make([]string, 0, 2*len(edges))
	for _, e := range edges {
		ends = append(ends, e.Subject, e.Object)
	}
	es, err := entitiesByID(ctx, g, ends)
	if err != nil {
		return nil, err
	}
	ks, ko := domain.FilterKinds(subjects), domain.FilterKinds(objects)
	var out []engine.Edge
	for i, e := range edges {
		s, o := es[2*i], es[2*i+1]
		if s != nil && o != nil && ks.Keeps(s.Kind) && ko.Keeps(o.Kind) {
			out = append(out, e)
		}
	}
	return out, nil
}

// toKindsOf keeps the edges of id whose other end is of one of kinds.
func toKindsOf(ctx context.Context, g *engine.Graph, id string, edges []engine.Edge, kinds []domain.Kind) ([]engine.Edge, error) {
	others := make([]string, len(edges))
	for i, e := range edges {
		others[i] = otherEnd(e, id)
	}
	es, err := entitiesByID(ctx, g, others)
	if err != nil {
		return nil, err
	}
	keep := domain.FilterKinds(kinds)
	var out []engine.Edge
	for i, e := range es {
		if e != nil && keep.Keeps(e.Kind) {
			out = append(out, edges[i])
		}
	}
	return out, nil
}

// neighbourList is one of the shortcut lists of an entity (calledOn,
// funders, funds, partners): its neighbours by one predicate, `first` of them.
func neighbourList(ctx context.Context, g *engine.Graph, id string, dir engine.Direction, predicate string, where *model.EntityWhere, first *int) ([]*domain.Entity, error) {
	n, err := firstArg(first, DefaultFirstAll, MaxFirst)
	if err != nil {
		return nil, err
	}
	return neighbours(ctx, g, id, dir, []string{predicate}, nil, where, n)
}

var isoPrefix = regexp.MustCompile(`^\d{4}(-\d{2}(-\d{2})?)?$`)

// Search text longer than this is refused: no name is that long, and
// folding it costs time for nothing.
const maxSearchText = 200

// groups counts relations by a key, largest groups first, then by key. A
// key of the evidence (document, paragraph) needs the relations read.
func groups(ctx context.Context, g *engine.Graph, edges []engine.Edge, by model.RelationKey) ([]*model.GroupCount, error) {
	count := map[string]int{}
	switch by {
	case model.RelationKeyPredicate, model.RelationKeySubject, model.RelationKeyObject:
		for _, e := range edges {
			switch by {
			case model.RelationKeyPredicate:
				count[e.Predicate]++
			case model.RelationKeySubject:
				count[e.Subject]++
			default:
				count[e.Object]++
			}
		}
	default:
		rels, err := g.Load(ctx, edges)
		if err != nil {
			return nil, err
		}
		for _, r := range rels {
			seen := map[string]bool{}
			for _, ev := range r.Evidence {
				k := ev.Paragraph
				if by == model.RelationKeyDocument {
					k = ev.Document
				}
				if !seen[k] {
					seen[k] = true
					count[k]++
				}
			}
		}
	}
	return sortGroups(count), nil
}

// sortGroups lists counts by key, largest first, then by key.
func sortGroups(count map[string]int) []*model.GroupCount {
	out := make([]*model.GroupCount, 0, len(count))
	for k, n := range count {
		out = append(out, &model.GroupCount{Key: k, Count: n})
	}
	slices.SortFunc(out, func(a, b *model.GroupCount) int {
		return cmp.Or(cmp.Compare(b.Count, a.Count), strings.Compare(a.Key, b.Key))
	})
	return out
}

// modalityOf is a modality as the schema's enum names it (STATED for
// stated); nil for none.
func modalityOf(m domain.Modality) *model.Modality {
	if m == "" {
		return nil
	}
	x := model.Modality(strings.ToUpper(string(m)))
	return &x
}

// domainModality is the domain's modality an enum value names.
func domainModality(m model.Modality) domain.Modality {
	return domain.Modality(strings.ToLower(string(m)))
}

// modelKinds is a list of kinds in the schema's enum; never nil.
func modelKinds(ks []domain.Kind) []model.Kind {
	out := make([]model.Kind, len(ks))
	for i, k := range ks {
		out[i] = model.Kind(k)
	}
	return out
}
