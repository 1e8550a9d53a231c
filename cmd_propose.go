package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/digidip/digidip/propose"
)

func cmdPropose(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("propose", "Draft, by rules over a document's text and the data's own vocabulary, the\nrelations it states and the new entities it names, for a curator to review:\nwrites graph/relations/ID.proposed.yaml and graph/entities/ID.proposed.yaml,\nevery item marked status: proposed with its confidence.", stderr)
	dir := fs.String("data", "data", "data directory with sources/ and graph/")
	doc := fs.String("doc", "", "the document's id (sources/ID.yaml) (required)")
	minConf := fs.Float64("min-confidence", 0, "leave out proposals below this confidence (0 to 1)")
	force := fs.Bool("force", false, "overwrite existing ID.proposed.yaml files")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *doc == "" {
		fmt.Fprintln(stderr, "--doc is required")
		fs.Usage()
		return errUsage
	}
	start := time.Now()
	relPath := filepath.Join(*dir, "graph", "relations", *doc+".proposed.yaml")
	entPath := filepath.Join(*dir, "graph", "entities", *doc+".proposed.yaml")
	if !*force {
		for _, p := range []string{relPath, entPath} {
			if _, err := os.Stat(p); err == nil {
				return fmt.Errorf("%s exists: review and accept it, or rerun with --force", p)
			} else if !errors.Is(err, os.ErrNotExist) {
				return err
			}
		}
	}
	v, d, err := propose.Load(*dir, *doc)
	if err != nil {
		return err
	}
	dr, err := propose.Propose(v, d, *minConf)
	if err != nil {
		return err
	}
	texts := map[string]string{}
	for _, p := range d.Paragraphs {
		texts[p.ID] = p.Text
	}
	rels, err := dr.RelationsYAML(texts)
	if err != nil {
		return err
	}
	if err := os.WriteFile(relPath, rels, 0o644); err != nil {
		return err
	}
	if err := os.WriteFile(entPath, dr.EntitiesYAML(), 0o644); err != nil {
		return err
	}
	evidence := 0
	for _, r := range dr.Relations {
		evidence += len(r.Evidence)
	}
	fmt.Fprintf(stdout, "%s: %d relations proposed (%d quotes) in %s\n%s: %d candidate entities in %s\n(%s)\n",
		*doc, len(dr.Relations), evidence, relPath, *doc, len(dr.Candidates), entPath, time.Since(start).Round(time.Millisecond))
	return nil
}
