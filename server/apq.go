package server

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/digidip/digidip/graph"
	"github.com/digidip/digidip/server/bytelru"
)

// persistedQueries speaks Apollo's automatic persisted queries as gqlgen's
// extension.AutomaticPersistedQuery does (same errors, sha256 version 1),
// but keeps a query only once it has parsed, validated and passed the
// limits: gqlgen's stores it before parsing, so any text with its hash
// took room in the cache. The cache is bounded by bytes.
type persistedQueries struct {
	entries *bytelru.Cache[string, string]
}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationParameterMutator
	graphql.OperationContextMutator
} = (*persistedQueries)(nil)

// apqStats is gqlgen's name for the extension's stats, so that
// extension.GetApqStats reads ours.
const apqStats = "APQ"

// newPersistedQueries keeps up to budget bytes of queries; with 0 or less it
// keeps none, and every hash sent alone is answered PersistedQueryNotFound
// (clients then send the query itself).
func newPersistedQueries(budget int64) *persistedQueries {
	return &persistedQueries{entries: bytelru.New[string, string](budget, 0)}
}

func (*persistedQueries) ExtensionName() string { return "DigidipPersistedQueries" }

func (*persistedQueries) Validate(graphql.ExecutableSchema) error { return nil }

// MutateOperationParameters looks a hash sent alone up, or checks the hash
// of a query sent with one; storing waits for MutateOperationContext.
func (p *persistedQueries) MutateOperationParameters(ctx context.Context, raw *graphql.RawParams) *gqlerror.Error {
	hash, ok, err := persistedHash(raw.Extensions)
	if !ok || err != nil {
		return err
	}
	stats := &extension.ApqStats{Hash: hash, SentQuery: raw.Query != ""}
	if raw.Query == "" {
		q, found := p.entries.Get(hash)
		if !found {
			err := gqlerror.Errorf("PersistedQueryNotFound")
			errcode.Set(err, "PERSISTED_QUERY_NOT_FOUND")
			return err
		}
		raw.Query = q
	} else if sum := sha256.Sum256([]byte(raw.Query)); hex.EncodeToString(sum[:]) != hash {
		return persistedError("provided APQ hash does not match query")
	}
	graphql.GetOperationContext(ctx).Stats.SetExtension(apqStats, stats)
	return nil
}

// MutateOperationContext runs once the document has parsed and validated
// and, registered after the limits, once it is within them.
func (p *persistedQueries) MutateOperationContext(_ context.Context, opCtx *graphql.OperationContext) *gqlerror.Error {
	if s, _ := opCtx.Stats.GetExtension(apqStats).(*extension.ApqStats); s != nil && s.SentQuery {
		p.entries.Add(s.Hash, opCtx.RawQuery, int64(len(s.Hash)+len(opCtx.RawQuery))+bytelru.Overhead)
	}
	return nil
}

// lookup returns the query persisted under a request's extensions, if the
// request sends a well-formed hash alone and the query is known.
func (p *persistedQueries) lookup(extensions map[string]any) (string, bool) {
	hash, ok, err := persistedHash(extensions)
	if !ok || err != nil {
		return "", false
	}
	return p.entries.Get(hash)
}

// persistedHash reads extensions.persistedQuery: {version: 1, sha256Hash}.
// ok is false when the request does not use persisted queries.
func persistedHash(extensions map[string]any) (hash string, ok bool, err *gqlerror.Error) {
	v := extensions["persistedQuery"]
	if v == nil {
		return "", false, nil
	}
	m, isMap := v.(map[string]any)
	if !isMap {
		return "", true, persistedError("invalid APQ extension data")
	}
	if h, present := m["sha256Hash"]; present {
		if hash, ok = h.(string); !ok {
			return "", true, persistedError("invalid APQ extension data")
		}
	}
	var version int64
	switch n := m["version"].(type) {
	case nil:
	case json.Number:
		var perr error
		if version, perr = n.Int64(); perr != nil {
			return "", true, persistedError("invalid APQ extension data")
		}
	case float64:
		version = int64(n)
	default:
		return "", true, persistedError("invalid APQ extension data")
	}
	if version != 1 {
		return "", true, persistedError("unsupported APQ version")
	}
	return hash, true, nil
}

func persistedError(msg string) *gqlerror.Error {
	err := gqlerror.Errorf("%s", msg)
	errcode.Set(err, graph.CodePersistedQuery)
	return err
}
