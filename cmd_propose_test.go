package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// propose drafts a document whose relations file does not exist yet,
// writes both proposal files, and will not overwrite them without --force.
func TestProposeWritesAndRefusesToOverwrite(t *testing.T) {
	dir := t.TempDir()
	for _, sub := range []string{"sources", "graph/entities", "graph/relations"} {
		if err := os.MkdirAll(filepath.Join(dir, sub), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	proposeCopy(t, "data/sources", filepath.Join(dir, "sources"), "eeas-2022.yaml")
	proposeCopy(t, "data/graph", filepath.Join(dir, "graph"), "predicates.yaml")
	ents, _ := filepath.Glob("data/graph/entities/*.yaml")
	for _, e := range ents {
		proposeCopy(t, "data/graph/entities", filepath.Join(dir, "graph/entities"), filepath.Base(e))
	}
	run := func(args ...string) (string, error) {
		var out, errb bytes.Buffer
		err := cmdPropose(context.Background(), append([]string{"--data", dir}, args...), &out, &errb)
		return out.String() + errb.String(), err
	}
	if _, err := run(); !errors.Is(err, errUsage) {
		t.Fatalf("without --doc: %v, want a usage error", err)
	}
	if _, err := run("--doc", "eeas-2023"); err == nil || !strings.Contains(err.Error(), `no document "eeas-2023"`) || !strings.Contains(err.Error(), "documents: eeas-2022") {
		t.Errorf("an unknown document: %v; want it named, with the documents there are", err)
	}
	out, err := run("--doc", "eeas-2022")
	if err != nil {
		t.Fatalf("propose: %v\n%s", err, out)
	}
	if !strings.Contains(out, "relations proposed") || !strings.Contains(out, "candidate entities") {
		t.Errorf("summary: %q", out)
	}
	relPath := filepath.Join(dir, "graph/relations/eeas-2022.proposed.yaml")
	b, err := os.ReadFile(relPath)
	if err != nil {
		t.Fatal(err)
	}
	var rf struct {
		Doc       string           `yaml:"doc"`
		Relations []map[string]any `yaml:"relations"`
	}
	if err := yaml.Unmarshal(b, &rf); err != nil || rf.Doc != "eeas-2022" || len(rf.Relations) == 0 {
		t.Fatalf("relations file: doc %q, %d relations, %v", rf.Doc, len(rf.Relations), err)
	}
	for _, r := range rf.Relations {
		if r["status"] != "proposed" {
			t.Fatalf("relation without status: proposed: %v", r)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "graph/entities/eeas-2022.proposed.yaml")); err != nil {
		t.Fatal(err)
	}
	if out, err := run("--doc", "eeas-2022"); err == nil || !strings.Contains(err.Error(), "--force") {
		t.Fatalf("second run without --force: %v %s", err, out)
	}
	if out, err := run("--doc", "eeas-2022", "--force", "--min-confidence", "0.6"); err != nil {
		t.Fatalf("with --force: %v %s", err, out)
	}
	b2, _ := os.ReadFile(relPath)
	if len(b2) >= len(b) {
		t.Errorf("--min-confidence 0.6 wrote %d bytes, no fewer than the %d of all proposals", len(b2), len(b))
	}
}

func proposeCopy(t *testing.T, from, to string, names ...string) {
	t.Helper()
	for _, n := range names {
		b, err := os.ReadFile(filepath.Join(from, n))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(to, n), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
