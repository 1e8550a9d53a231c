package api

import "fmt"

// ten is the constant answer: a page of 10 relations whose objects have
// ids, names and kinds as long as the synthetic graph's.
var ten = func() *RelationConnection {
	c := &RelationConnection{}
	for i := range 10 {
		c.Nodes = append(c.Nodes, &Relation{Object: &Entity{
			ID:   fmt.Sprintf("e%d", 1000+i),
			Name: fmt.Sprintf("Global Digital Partnership %d", 1000+i),
			Kind: AllKind[i%len(AllKind)],
		}})
	}
	return c
}()
