package api

import "fmt"

// twenty is the constant answer: 20 entities with ids and names as long as
// the synthetic graph's.
var twenty = func() []*Entity {
	es := make([]*Entity, 20)
	for i := range es {
		es[i] = &Entity{ID: fmt.Sprintf("e%d", 1000+i), Name: fmt.Sprintf("Global Digital Partnership %d", 1000+i)}
	}
	return es
}()
