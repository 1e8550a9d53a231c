package domain_test

import (
	"context"
	"slices"
	"testing"

	"github.com/digidip/digidip/domain"
)

func TestSuggest(t *testing.T) {
	ids := []string{"global-gateway", "commission", "council", "eib", "eic", "european-investment-bank"}
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	for _, tc := range []struct {
		name, id string
		ids      []string
		ctx      context.Context
		want     string
	}{
		{"one letter dropped", "commision", ids, context.Background(), ` (did you mean "commission"?)`},
		{"two letters swapped", "european-investmnet-bank", ids, context.Background(), ` (did you mean "european-investment-bank"?)`},
		{"a third of the length is the most", "cuncl", ids, context.Background(), ""},
		{"three edits are the most", "european-invest-bank", ids, context.Background(), ""},
		{"too short to guess", "ec", ids, context.Background(), ""},
		{"a tie goes to the id that sorts first", "eia", ids, context.Background(), ` (did you mean "eib"?)`},
		{"whatever the order of the ids", "eia", []string{"eic", "eib"}, context.Background(), ` (did you mean "eib"?)`},
		{"nothing once the context ends", "commision", ids, cancelled, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := domain.Suggest(tc.ctx, tc.id, slices.Values(tc.ids)); got != tc.want {
				t.Errorf("Suggest(%q) = %q, want %q", tc.id, got, tc.want)
			}
		})
	}
}

func TestPredicateLabel(t *testing.T) {
	for _, tc := range []struct {
		p    *domain.Predicate
		want string
	}{
		{&domain.Predicate{ID: "calls-on", Label: "urges"}, "urges"},
		{&domain.Predicate{ID: "calls-on"}, "calls on"},
		{nil, "calls on"},
	} {
		if got := domain.PredicateLabel("calls-on", tc.p); got != tc.want {
			t.Errorf("PredicateLabel(calls-on, %+v) = %q, want %q", tc.p, got, tc.want)
		}
	}
}

func TestKinds(t *testing.T) {
	if got := domain.JoinKinds("|"); got != "ACTOR|COUNTRY|REGION|PERSON|FORUM|PARTNERSHIP|INSTRUMENT|POLICY|COMMITMENT|TOPIC|EVENT" {
		t.Errorf("JoinKinds: %s", got)
	}
	all := domain.FilterKinds(nil)
	some := domain.FilterKinds([]domain.Kind{domain.Actor, domain.Forum})
	for _, k := range domain.Kinds {
		if !all.Keeps(k) {
			t.Errorf("no kinds given, %s is filtered out", k)
		}
		if want := k == domain.Actor || k == domain.Forum; some.Keeps(k) != want {
			t.Errorf("ACTOR and FORUM given: Keeps(%s) = %v", k, !want)
		}
	}
	if !domain.Kind("ACTOR").Valid() || domain.Kind("actor").Valid() {
		t.Error("Valid: only the kinds as written are kinds")
	}
}
