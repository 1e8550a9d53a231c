package graph_test

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/digidip/digidip/data/datatest"
	"github.com/digidip/digidip/domain"
	"github.com/digidip/digidip/graph"
	"github.com/digidip/digidip/graph/model"
)

// The Predicate enum is generated from the data; a curator who adds a
// predicate and forgets `go generate ./...` fails here.
func TestPredicateEnumFollowsTheData(t *testing.T) {
	ds := datatest.Dataset(t)
	var fromData, fromSchema []string
	for _, p := range ds.Predicates {
		fromData = append(fromData, p.ID)
	}
	for _, p := range model.AllPredicate {
		fromSchema = append(fromSchema, graph.PredicateID(p))
	}
	sort.Strings(fromData)
	sort.Strings(fromSchema)
	if len(fromData) != len(fromSchema) {
		t.Fatalf("data has %d predicates, the schema %d: run go generate ./...", len(fromData), len(fromSchema))
	}
	for i := range fromData {
		if fromData[i] != fromSchema[i] {
			t.Fatalf("data predicate %q, schema %q: run go generate ./...", fromData[i], fromSchema[i])
		}
	}
}

// Every type, field, argument and enum value of the contract says what it is.
func TestSchemaDescribesEverything(t *testing.T) {
	files, _ := filepath.Glob("../schema/*.graphql")
	var sources []*ast.Source
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		sources = append(sources, &ast.Source{Name: f, Input: string(b)})
	}
	schema, err := gqlparser.LoadSchema(sources...)
	if err != nil {
		t.Fatal(err)
	}
	for name, def := range schema.Types {
		if def.BuiltIn {
			continue
		}
		if def.Description == "" {
			t.Errorf("type %s has no description", name)
		}
		for _, f := range def.Fields {
			if len(f.Name) > 1 && f.Name[:2] == "__" {
				continue
			}
			if f.Description == "" {
				t.Errorf("field %s.%s has no description", name, f.Name)
			}
			for _, a := range f.Arguments {
				if a.Description == "" {
					t.Errorf("argument %s.%s(%s) has no description", name, f.Name, a.Name)
				}
			}
		}
		for _, v := range def.EnumValues {
			if v.Description == "" {
				t.Errorf("enum value %s.%s has no description", name, v.Name)
			}
		}
	}
}

// The Modality enum is the domain's modalities, in order, each described in
// the domain's words, so that the API and data/README.md say the same.
func TestModalityEnumIsTheDomains(t *testing.T) {
	b, err := os.ReadFile("../schema/schema.graphql")
	if err != nil {
		t.Fatal(err)
	}
	schema, err := gqlparser.LoadSchema(&ast.Source{Name: "schema.graphql", Input: string(b)}, &ast.Source{Name: "predicates.graphql", Input: predicatesSDL(t)})
	if err != nil {
		t.Fatal(err)
	}
	enum := schema.Types["Modality"]
	if enum == nil || len(enum.EnumValues) != len(domain.Modalities) {
		t.Fatalf("the schema's Modality enum has %v, the domain %d modalities", enum, len(domain.Modalities))
	}
	for i, d := range domain.Modalities {
		v := enum.EnumValues[i]
		if v.Name != strings.ToUpper(string(d.Modality)) || v.Description != d.Definition {
			t.Errorf("Modality value %d: %s %q, the domain's %s %q", i, v.Name, v.Description, d.Modality, d.Definition)
		}
	}
}

func predicatesSDL(t *testing.T) string {
	b, err := os.ReadFile("../schema/predicates.graphql")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
