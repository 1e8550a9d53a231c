// Package model holds the GraphQL types that have no domain counterpart:
// connections, counts and enums (generated), and the Node interface.
package model

// Node is any object with a global id: *store.Entity, *store.Document,
// *store.Paragraph or *store.Relation. The generated executor tells them
// apart by their Go type.
type Node interface{}
