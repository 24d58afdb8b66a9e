package demo

import (
	"testing"

	"halfsky/internal/auth"
	"halfsky/internal/db"
	"halfsky/internal/incoming"
	"halfsky/internal/testdb"
)

// TestDemoIncoming: the demo's 收文登记簿 shows every source and state —
// read from a .docx, a PDF and pasted web text (with warnings to check),
// registered by hand from a scan (file kept) and from paper (corrected),
// and voided — each in its own unit's register only.
func TestDemoIncoming(t *testing.T) {
	auth.DefaultArgon2 = auth.Argon2Params{Memory: 1024, Time: 1, Threads: 1}
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		ctx, _, svc, keys, now := seeded(t, d)
		if err := seedIncoming(ctx, svc, keys, now); err != nil {
			t.Fatal(err)
		}
		s := incoming.NewService(d, svc.Orgs, keys)
		seen := map[incoming.Source]int{}
		var warned, voided, corrected, kept int
		for user, want := range map[string]int{"city.office": 3, "daoli.staff": 2, "nangang.leader": 1} {
			u, _ := svc.UserByUsername(ctx, user)
			a := u.Actor("")
			items, n, err := s.List(ctx, a, incoming.Filter{})
			if err != nil || n != want {
				t.Fatalf("%s: %d registrations, want %d (%v)", user, n, want, err)
			}
			for _, it := range items {
				r, err := s.Get(ctx, a, it.ID)
				if err != nil {
					t.Fatal(err)
				}
				seen[r.Source]++
				if len(r.Warnings) > 0 && !r.Voided() {
					warned++
				}
				if r.Voided() {
					voided++
				}
				if r.Version > 1 && !r.Voided() {
					corrected++
				}
				if it.HasFile {
					kept++
				}
				if r.Source != incoming.FromManual && r.Source != incoming.FromPaste && (r.FromNumber == "" || r.Title == "" || len(r.Body) == 0) {
					t.Errorf("%s %s: the file was not read: %+v", user, r.Number(), r.Fields)
				}
			}
		}
		for _, src := range []incoming.Source{incoming.FromDocx, incoming.FromPDF, incoming.FromOFD, incoming.FromPaste, incoming.FromManual} {
			if seen[src] == 0 {
				t.Errorf("no registration from %s: %v", src.Label(), seen)
			}
		}
		if warned < 2 || voided != 1 || corrected != 1 || kept != 4 {
			t.Errorf("%d with warnings, %d voided, %d corrected, %d with the original", warned, voided, corrected, kept)
		}
	})
}
