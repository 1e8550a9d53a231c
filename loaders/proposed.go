package loaders

import (
	"fmt"
	"io/fs"
	"slices"
	"strings"

	"github.com/digidip/digidip/domain"

	"go.yaml.in/yaml/v3"
)

// StatusProposed marks a relation or an entity a tool drafted and no curator
// has reviewed yet: the only status an item may have. Accepting the item
// removes the mark (digidip accept).
const StatusProposed = "proposed"

// ProposedSuffix ends the name of a drafted relations or entities file
// (graph/relations/<doc>.proposed.yaml, graph/entities/<doc>.proposed.yaml).
// It is read like any other, after them: an item it repeats is reported
// there, on the draft, not on the curated file.
const ProposedSuffix = ".proposed.yaml"

// Proposal is an item of the data still marked status: proposed.
type Proposal struct {
	File       string // as problems name it
	Line       int
	Kind       string // "relation" or "entity"
	ID         string // the relation's subject/predicate/object, or the entity's id
	Confidence *float64
}

// Draft is the data read with its proposals taken as present.
type Draft struct {
	*domain.Dataset
	Proposals []Proposal // every item still marked, in file and line order
}

// ReadDraft reads and validates the data like Read, but an item marked
// status: proposed is taken as present rather than refused, so that a
// draft can be validated, measured and accepted before it is reviewed.
// Every other problem is reported as Read reports it.
func ReadDraft(fsys fs.FS, root string) (*Draft, error) {
	r, err := read(fsys, root, true)
	if err != nil {
		return nil, err
	}
	return &Draft{Dataset: r.ds, Proposals: r.sortedProposals()}, nil
}

// proposal reads an item's status and confidence: status may only be
// "proposed", and confidence, a number in [0, 1], rates a proposal only.
func (r *reader) proposal(f *file, xf fields, kind, id string) (proposed bool) {
	var conf *float64
	if xf.has("confidence") {
		if c := xf.number("confidence"); c != nil {
			if !(*c >= 0 && *c <= 1) { // NaN too
				f.problem(xf.line("confidence"), `"confidence" must be a number from 0 to 1, not %v`, *c)
			} else {
				conf = c
			}
		}
	}
	if !xf.has("status") {
		if xf.has("confidence") {
			// a reviewed item keeps no trace of the tool's score
			f.problem(xf.line("confidence"), `"confidence" without "status: %s": it rates a proposal, and goes with the mark once the item is accepted`, StatusProposed)
		}
		return false
	}
	if xf.m["status"].Kind != yaml.ScalarNode {
		xf.str("status", false) // reports it
		return false
	}
	if s := xf.str("status", false); s != StatusProposed {
		f.problem(xf.line("status"), "status %q is not allowed: the only status is %q, for an item not yet reviewed (a reviewed item has none)", s, StatusProposed)
		return false
	}
	r.proposals = append(r.proposals, Proposal{File: f.name, Line: xf.node.Line, Kind: kind, ID: id, Confidence: conf})
	return true
}

// refuseProposals makes each item still marked proposed a problem: data
// that is served has been reviewed.
func (r *reader) refuseProposals() {
	for _, p := range r.sortedProposals() {
		r.problems = append(r.problems, Problem{File: p.File, Line: p.Line,
			Msg: fmt.Sprintf("%s %s is proposed, not reviewed: accept it (digidip accept %s --ids %s) or delete it", p.Kind, p.ID, p.File, p.ID)})
	}
}

func (r *reader) sortedProposals() []Proposal {
	ps := slices.Clone(r.proposals)
	slices.SortStableFunc(ps, func(a, b Proposal) int {
		if c := strings.Compare(a.File, b.File); c != 0 {
			return c
		}
		return a.Line - b.Line
	})
	return ps
}

// proposedLast orders file names so that drafts come after the curated
// files: the first statement of an item is the curated one, and a draft
// that repeats it is the one reported.
func proposedLast(names []string) []string {
	out := make([]string, 0, len(names))
	var drafts []string
	for _, n := range names {
		if strings.HasSuffix(n, ProposedSuffix) {
			drafts = append(drafts, n)
		} else {
			out = append(out, n)
		}
	}
	return append(out, drafts...)
}
