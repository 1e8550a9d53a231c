package projection

import (
	"context"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"reflect"
	"strings"
	"testing"

	"github.com/digidip/digidip/domain"
	"github.com/digidip/digidip/domain/domaintest"
	"github.com/digidip/digidip/engine"
)

func memoSnapshot() []byte {
	ds := domaintest.Memo()
	return build(ds, engine.Summarize(ds))
}

// reseal rewrites the checksums of a snapshot (those of the sections the
// table places inside it, and the header's), so that damage made on
// purpose reaches the checks behind them.
func reseal(data []byte) {
	if len(data) < headerSize+numSections*entrySize {
		return
	}
	for i := range numSections {
		e := data[headerSize+i*entrySize:]
		off, n := binary.LittleEndian.Uint64(e), binary.LittleEndian.Uint64(e[8:])
		if off <= uint64(len(data)) && n <= uint64(len(data))-off {
			binary.LittleEndian.PutUint32(e[16:], crc32.Checksum(data[off:off+n], castagnoli))
		}
	}
	seal(data)
}

// sectionAt is where section i starts in a snapshot.
func sectionAt(data []byte, i int) int {
	return int(binary.LittleEndian.Uint64(data[headerSize+i*entrySize:]))
}

// A snapshot that is short, long, of another version or changed in any
// byte is refused with an error saying what is wrong; none opens.
func TestOpenRefusesDamage(t *testing.T) {
	good := memoSnapshot()
	if _, err := Open(good); err != nil {
		t.Fatal(err)
	}
	refused := func(what string, data []byte, says string) {
		t.Helper()
		p, err := Open(data)
		if err == nil || p != nil {
			t.Fatalf("%s: opened", what)
		}
		if !errors.Is(err, ErrSnapshot) || !strings.Contains(err.Error(), says) {
			t.Errorf("%s: error %q, want ErrSnapshot saying %q", what, err, says)
		}
	}
	for _, n := range []int{0, 7, headerSize - 1, headerSize, headerSize + 5*entrySize, len(good) - 1} {
		refused("truncated", good[:n:n], "")
	}
	refused("truncated to its header", good[:headerSize], "truncated")
	refused("cut short", good[:len(good)-1], "truncated")
	refused("padded", append(append([]byte(nil), good...), 0), "padded")
	other := append([]byte(nil), good...)
	binary.LittleEndian.PutUint32(other[8:], version+1)
	refused("next version", other, "version 2")
	other = append([]byte(nil), good...)
	copy(other, "NOTASNAP")
	refused("bad magic", other, "does not start with")

	for i := range good {
		bad := append([]byte(nil), good...)
		bad[i] ^= 0x20
		if _, err := Open(bad); !errors.Is(err, ErrSnapshot) {
			t.Fatalf("byte %d changed: Open = %v, want ErrSnapshot", i, err)
		}
	}
	bad := append([]byte(nil), good...)
	bad[sectionAt(bad, secRelations)+2] ^= 1
	refused("a relation changed", bad, `section "relations": checksum mismatch`)
}

// Damage behind a valid checksum (a snapshot written wrong, not changed
// after) is found by the checks of what each number points at.
func TestOpenChecksIndexes(t *testing.T) {
	damage := map[string]struct {
		change func(data []byte)
		says   string
	}{
		"entity name out of range": {func(d []byte) {
			binary.LittleEndian.PutUint32(d[sectionAt(d, secEntities)+4*entName:], 1<<30)
		}, `section "entities": record 0: name`},
		"offsets going back": {func(d []byte) {
			binary.LittleEndian.PutUint32(d[sectionAt(d, secOutOff)+4:], 1<<20)
		}, `section "out offsets"`},
		"symbols out of order": {func(d []byte) {
			at := sectionAt(d, secStrings)
			d[at], d[at+1] = 'z', 'z'
		}, "not in order"},
		"relation outside the table": {func(d []byte) {
			binary.LittleEndian.PutUint32(d[sectionAt(d, secByPred):], 999)
		}, `section "by-predicate": record 0: value 999`},
		"count too large": {func(d []byte) {
			binary.LittleEndian.PutUint32(d[sectionAt(d, secCounts)+4*2:], 1<<31)
		}, "want 2147483648 records"},
		"summary not JSON": {func(d []byte) {
			d[sectionAt(d, secSummary)] = '['
		}, `section "summary"`},
		"unknown flag": {func(d []byte) {
			binary.LittleEndian.PutUint32(d[sectionAt(d, secRelations)+4*relFlags:], 1<<7)
		}, `section "relations": record 0: flags 128`},
	}
	for name, c := range damage {
		t.Run(name, func(t *testing.T) {
			data := memoSnapshot()
			c.change(data)
			reseal(data)
			p, err := Open(data)
			if err == nil || p != nil {
				t.Fatal("opened")
			}
			if !errors.Is(err, ErrSnapshot) || !strings.Contains(err.Error(), c.says) {
				t.Errorf("error %q, want ErrSnapshot saying %q", err, c.says)
			}
		})
	}
}

// The summary reads back alone, checked by its own checksum: damage
// elsewhere does not stop it, damage to it does.
func TestReadSummary(t *testing.T) {
	ds := domaintest.Memo()
	want := engine.Summarize(ds)
	data := build(ds, want)
	got, err := ReadSummary(data)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("summary read back:\n got %+v\nwant %+v", got, want)
	}
	data[sectionAt(data, secRelations)] ^= 1
	if _, err := ReadSummary(data); err != nil {
		t.Errorf("damage outside the summary: %v", err)
	}
	data[sectionAt(data, secSummary)+3] ^= 1
	if _, err := ReadSummary(data); !errors.Is(err, ErrSnapshot) || !strings.Contains(err.Error(), `"summary"`) {
		t.Errorf("damaged summary: %v, want an error naming it", err)
	}
}

// Whatever bytes it is given, Open returns an error or a projection whose
// every answer can be read; it never panics. Each input is tried as it is
// and with its checksums made right, to reach the checks behind them.
func FuzzOpen(f *testing.F) {
	f.Add(memoSnapshot())
	f.Add(build(&domain.Dataset{}, engine.Summarize(&domain.Dataset{})))
	f.Add([]byte(magic))
	f.Fuzz(func(t *testing.T, data []byte) {
		if p, err := Open(data); err == nil {
			ask(p)
		} else if !errors.Is(err, ErrSnapshot) {
			t.Fatalf("error not wrapping ErrSnapshot: %v", err)
		}
		sealed := append([]byte(nil), data...)
		reseal(sealed)
		if p, err := Open(sealed); err == nil {
			ask(p)
		}
		ReadSummary(sealed)
	})
}

// ask asks a projection every question about every id it lists.
func ask(p *Projection) {
	ctx := context.Background()
	ids := []string{"", "nope"}
	for i := range p.n.str {
		ids = append(ids, p.str(uint32(i)))
	}
	p.Summary(ctx)
	p.EntityIDs(ctx, "")
	for _, id := range ids {
		p.EntityIDs(ctx, domain.Kind(id))
		p.EdgesBy(ctx, engine.EdgeKey{Predicate: id})
		p.EdgesBy(ctx, engine.EdgeKey{Paragraph: id})
		p.EdgesBy(ctx, engine.EdgeKey{Document: id})
	}
	p.Entities(ctx, ids)
	p.Names(ctx)
	p.Degrees(ctx, ids)
	for _, dir := range []engine.Direction{engine.Out, engine.In} {
		p.Edges(ctx, ids, dir, nil)
		p.Edges(ctx, ids, dir, ids[:min(len(ids), 4)])
	}
	p.EdgesBy(ctx, engine.EdgeKey{})
	p.Relations(ctx, ids)
	p.Documents(ctx)
	p.DocumentParagraphs(ctx, ids)
	p.Paragraphs(ctx, ids)
	p.Mentions(ctx, ids)
	p.Predicates(ctx)
}
