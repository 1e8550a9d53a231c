// Package graph answers GraphQL queries from the store's read model: gqlgen
// generates the executor from schema/, and the resolvers translate.
package graph

//go:generate go run ../schema/genpredicates
//go:generate go tool gqlgen generate

import "github.com/digidip/digidip/store"

// Resolver is the root resolver. It holds the store; each request reads the
// one Graph the request started with (see WithGraph), so a load in the middle
// of a request never mixes two versions.
type Resolver struct {
	Store *store.Store
}
