package visit

import (
	"context"

	"halfsky/internal/db"
	"halfsky/internal/vault"
)

// The free text of the work line that describes women and their
// circumstances is sealed per field (see the README's list): where a
// visit went, who went along and what was found; a need's summary; why a
// need was handed over and the answer; a task's title (it starts as the
// need's summary), what it asks, who owns it and what came of it. The
// woman's name and contact (needs.person_name, needs.contact) are sealed
// in needs.go. Counts, dates, categories and statuses stay in the clear,
// so lists filter and statistics count as before.
var (
	sealedPlace      = vault.Register("visits", "id", "place")
	sealedCompanions = vault.Register("visits", "id", "companions")
	sealedNotes      = vault.Register("visits", "id", "notes")
	sealedSummary    = vault.Register("needs", "id", "summary")
	sealedReason     = vault.Register("need_handovers", "id", "reason")
	sealedReply      = vault.Register("need_handovers", "id", "reply")
	sealedTitle      = vault.Register("tasks", "id", "title")
	sealedDetail     = vault.Register("tasks", "id", "detail")
	sealedOwner      = vault.Register("tasks", "id", "owner_name")
	sealedResult     = vault.Register("tasks", "id", "result")
)

// The blind search indexes (vault.Terms) of the visit list (place and
// notes) and of the task list (title and owner), in visits.search_terms
// and tasks.search_terms.
const (
	visitSearch = "visits.search"
	taskSearch  = "tasks.search"
)

// sealer seals or opens a record's fields with the service's keyring.
func (s *Service) sealer() *vault.Fields { return &vault.Fields{K: s.Vault} }

// Visits and tasks written before the search index existed have
// an empty search_terms. These sealers index them from their fields (sealed
// or still plain: either opens), 500 rows a transaction, with a
// compare-and-set so an edit meanwhile wins; the column pass of
// vault.SealPlain then seals the plain fields themselves.
func init() {
	vault.RegisterSealer(vault.Sealer{Column: vault.Column{Table: "visits", Key: "id", Name: "search_terms"},
		Batch: indexer("visits", visitSearch, sealedPlace, sealedNotes), Left: unindexed("visits")})
	vault.RegisterSealer(vault.Sealer{Column: vault.Column{Table: "tasks", Key: "id", Name: "search_terms"},
		Batch: indexer("tasks", taskSearch, sealedTitle, sealedOwner), Left: unindexed("tasks")})
}

func unindexed(table string) func(context.Context, *db.DB) (int, error) {
	return func(ctx context.Context, d *db.DB) (int, error) {
		var n int
		err := d.QueryRow(ctx, `SELECT COUNT(*) FROM `+table+` WHERE search_terms = ''`).Scan(&n)
		return n, err
	}
}

// indexer indexes up to 500 rows of table from the two columns a and b.
func indexer(table, purpose string, a, b vault.Column) func(context.Context, *db.DB, *vault.Keyring) (int, error) {
	return func(ctx context.Context, d *db.DB, k *vault.Keyring) (int, error) {
		n := 0
		err := d.InTx(ctx, func(tx *db.Tx) error {
			type row struct {
				id   int64
				a, b string
			}
			todo, err := db.All(ctx, tx, func(s db.Scanner) (r row, err error) {
				err = s.Scan(&r.id, &r.a, &r.b)
				return r, err
			}, `SELECT id, `+a.Name+`, `+b.Name+` FROM `+table+` WHERE search_terms = '' ORDER BY id LIMIT 500`)
			if err != nil {
				return err
			}
			sl := &vault.Fields{K: k}
			for _, r := range todo {
				sl.Open(a, r.id, &r.a)
				sl.Open(b, r.id, &r.b)
				terms := sl.Terms(purpose, r.a, r.b)
				if sl.Err != nil {
					return sl.Err
				}
				if _, err := tx.Exec(ctx, `UPDATE `+table+` SET search_terms = ? WHERE id = ? AND search_terms = ''`, terms, r.id); err != nil {
					return err
				}
			}
			n = len(todo)
			return nil
		})
		return n, err
	}
}
