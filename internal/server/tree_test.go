package server_test

import (
	"slices"
	"strings"
	"testing"

	"halfsky/internal/org"
	"halfsky/internal/server"
	"halfsky/internal/testapp"
	"halfsky/internal/testdb"
)

// TestEveryPathCopyIsRegistered: every column of the schema that keeps a
// copy of a unit's path (named path or *_path, orgs.path aside) is
// registered with the tree, so a change of the tree's shape rewrites it
// and `halfsky tree check` looks at it; a new copy cannot escape.
func TestEveryPathCopyIsRegistered(t *testing.T) {
	d := testdb.SQLite(t)
	if _, err := server.New(testapp.Config(), d); err != nil { // links every module, as the binary does
		t.Fatal(err)
	}
	var registered []string
	for _, c := range org.PathCopies() {
		registered = append(registered, c.Table+"."+c.PathCol)
	}
	var found []string
	for _, table := range testdb.Tables(t, d) {
		testdb.EachRow(t, d, `SELECT name FROM pragma_table_info('`+table+`')`, func(v []string) {
			if (v[0] == "path" || strings.HasSuffix(v[0], "_path")) && table != "orgs" {
				found = append(found, table+"."+v[0])
			}
		})
	}
	slices.Sort(found)
	slices.Sort(registered)
	if !slices.Equal(found, registered) {
		t.Fatalf("path copies in the schema:\n  %v\nregistered with org.RegisterPathCopy:\n  %v", found, registered)
	}
}
