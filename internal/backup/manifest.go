package backup

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"slices"
	"strings"
	"time"
)

// Manifest is every table of a backup at its snapshot: what a restore
// must reproduce.
type Manifest struct {
	Engine string  `json:"engine"`
	Schema int     `json:"schema"`
	Tables []Table `json:"tables"`
}

// Table is one table's row count and content digest.
type Table struct {
	Name   string `json:"name"`
	Rows   int64  `json:"rows"`
	SHA256 string `json:"sha256"`
}

// Rows is the rows of every table.
func (m Manifest) Rows() int64 {
	var n int64
	for _, t := range m.Tables {
		n += t.Rows
	}
	return n
}

// Diff lists, one line each, the tables of got that differ from m (and
// those either lacks); empty when they agree.
func (m Manifest) Diff(got []Table) []string {
	have := map[string]Table{}
	for _, t := range got {
		have[t.Name] = t
	}
	var out []string
	for _, want := range m.Tables {
		g, ok := have[want.Name]
		switch {
		case !ok:
			out = append(out, fmt.Sprintf("%s：恢复后缺少此表", want.Name))
		case g.Rows != want.Rows:
			out = append(out, fmt.Sprintf("%s：应有 %d 行，恢复后 %d 行", want.Name, want.Rows, g.Rows))
		case g.SHA256 != want.SHA256:
			out = append(out, fmt.Sprintf("%s：%d 行，内容摘要不同", want.Name, want.Rows))
		}
		delete(have, want.Name)
	}
	for name := range have {
		out = append(out, fmt.Sprintf("%s：备份中没有此表", name))
	}
	slices.Sort(out)
	return out
}

func writeManifest(w io.Writer, m Manifest) error {
	b, err := json.Marshal(m)
	if err != nil {
		return err
	}
	if _, err := w.Write(binary.BigEndian.AppendUint32(nil, uint32(len(b)))); err != nil {
		return err
	}
	_, err = w.Write(b)
	return err
}

func readManifest(r io.Reader) (Manifest, error) {
	var m Manifest
	var n uint32
	if err := binary.Read(r, binary.BigEndian, &n); err != nil {
		return m, err
	}
	if n > 64<<20 {
		return m, fmt.Errorf("backup: manifest of %d bytes", n)
	}
	b := make([]byte, n)
	if _, err := io.ReadFull(r, b); err != nil {
		return m, err
	}
	return m, json.Unmarshal(b, &m)
}

// queryer is a transaction or a pool of database/sql: the sums run on a
// backup's snapshot (a REPEATABLE READ transaction, the VACUUM INTO copy)
// and on a restored copy alike.
type queryer interface {
	QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error)
}

// sumTables digests every table: its rows, and a SHA-256 of its columns'
// names and every row in primary-key order. A restore is into the same
// engine, so a value is hashed as that engine's driver returns it.
func sumTables(ctx context.Context, q queryer, engine string) ([]Table, error) {
	names, err := strings1(ctx, q, tablesQuery[engine])
	if err != nil {
		return nil, err
	}
	out := make([]Table, 0, len(names))
	for _, name := range names {
		order, err := primaryKey(ctx, q, engine, name)
		if err != nil {
			return nil, err
		}
		t, err := sumTable(ctx, q, name, order)
		if err != nil {
			return nil, fmt.Errorf("backup: table %s: %w", name, err)
		}
		out = append(out, t)
	}
	return out, nil
}

var tablesQuery = map[string]string{
	"sqlite":   `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name`,
	"postgres": `SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename COLLATE "C"`,
}

// primaryKey is the ORDER BY of a table's primary key, nil for a table
// without one. On PostgreSQL text keys sort by bytes ("C"): a restore
// into a cluster of another default collation orders them the same.
func primaryKey(ctx context.Context, q queryer, engine, table string) ([]string, error) {
	if engine == "sqlite" {
		cols, err := strings1(ctx, q, `SELECT name FROM pragma_table_info(?) WHERE pk > 0 ORDER BY pk`, table)
		for i, c := range cols {
			cols[i] = quote(c)
		}
		return cols, err
	}
	rows, err := q.QueryContext(ctx, `SELECT a.attname, t.typcategory = 'S'
		FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey)
		JOIN pg_type t ON t.oid = a.atttypid
		WHERE i.indrelid = to_regclass(quote_ident($1)) AND i.indisprimary
		ORDER BY array_position(i.indkey::int2[], a.attnum)`, table)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var name string
		var text bool
		if err := rows.Scan(&name, &text); err != nil {
			return nil, err
		}
		if text {
			name = quote(name) + ` COLLATE "C"`
		} else {
			name = quote(name)
		}
		out = append(out, name)
	}
	return out, rows.Err()
}

func quote(ident string) string { return `"` + strings.ReplaceAll(ident, `"`, `""`) + `"` }

// sumTable digests one table. Without a primary key the rows are put in
// order by their own digests, in memory (such tables are small).
func sumTable(ctx context.Context, q queryer, table string, order []string) (Table, error) {
	query := `SELECT * FROM ` + quote(table)
	if len(order) > 0 {
		query += ` ORDER BY ` + strings.Join(order, ", ")
	}
	rows, err := q.QueryContext(ctx, query)
	if err != nil {
		return Table{}, err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return Table{}, err
	}
	h := sha256.New()
	fmt.Fprintf(h, "%s\n%s\n", table, strings.Join(cols, "\x1f"))
	vals, ptrs := make([]any, len(cols)), make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	var n int64
	var digests [][]byte
	var buf []byte
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return Table{}, err
		}
		buf = encodeRow(buf[:0], vals)
		if len(order) > 0 {
			h.Write(buf)
		} else {
			d := sha256.Sum256(buf)
			digests = append(digests, d[:])
		}
		n++
	}
	if err := rows.Err(); err != nil {
		return Table{}, err
	}
	slices.SortFunc(digests, bytes.Compare)
	for _, d := range digests {
		h.Write(d)
	}
	return Table{Name: table, Rows: n, SHA256: hex.EncodeToString(h.Sum(nil))}, nil
}

// encodeRow appends a row's values, each tagged with its type and
// length-prefixed, so no two rows encode alike.
func encodeRow(b []byte, vals []any) []byte {
	b = binary.BigEndian.AppendUint32(b, uint32(len(vals)))
	for _, v := range vals {
		switch v := v.(type) {
		case nil:
			b = append(b, 'N')
		case int64:
			b = binary.BigEndian.AppendUint64(append(b, 'I'), uint64(v))
		case float64:
			b = binary.BigEndian.AppendUint64(append(b, 'F'), math.Float64bits(v))
		case bool:
			b = append(b, 'B', boolByte(v))
		case []byte:
			b = appendBytes(append(b, 'X'), v)
		case string:
			b = appendBytes(append(b, 'S'), []byte(v))
		case time.Time:
			b = appendBytes(append(b, 'T'), []byte(v.UTC().Format(time.RFC3339Nano)))
		default:
			b = appendBytes(append(b, 'V'), fmt.Appendf(nil, "%T %v", v, v))
		}
	}
	return b
}

func appendBytes(b, v []byte) []byte {
	return append(binary.BigEndian.AppendUint32(b, uint32(len(v))), v...)
}

func boolByte(v bool) byte {
	if v {
		return 1
	}
	return 0
}

// strings1 is the first column of a query's rows.
func strings1(ctx context.Context, q queryer, query string, args ...any) ([]string, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}
