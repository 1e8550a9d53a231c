// Package api is the bare gqlgen schema of the bench's ceiling server: the
// shape of digidip's 1-hop query, answered with a constant list.
package api

//go:generate go tool gqlgen generate
