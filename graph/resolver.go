// Package graph answers GraphQL queries from the store's read model: gqlgen
// generates the executor from schema/, and the resolvers translate.
package graph

//go:generate go run ../schema/genpredicates
//go:generate go tool gqlgen generate

// Resolver is the root resolver. It holds no store: each request reads only
// the one Graph pinned on it (see WithGraph and NewSchema), so a load in the
// middle of a request never mixes two versions.
type Resolver struct{}
