package apperr

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"syscall"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"

	"halfsky/internal/access"
	"halfsky/internal/audit"
	"halfsky/internal/db"
)

// TestFrom: every error reaches the front ends as one shape — a domain
// error as it is (wrapped or not), a record out of scope as not found, a
// refusal below the owner with its reason, any other refusal as
// forbidden, a full disk as 507 and a database out of reach as 503
// (db.IsStorageFull, db.IsUnavailable), and anything else as a 500 that
// says nothing of the cause.
func TestFrom(t *testing.T) {
	field := Field("title", "请填写标题")
	for _, c := range []struct {
		name   string
		err    error
		status int
		code   string
	}{
		{"a field error", field, 422, "invalid"},
		{"a wrapped domain error", fmt.Errorf("saving: %w", New(http.StatusConflict, "stale_version", "已被他人修改")), 409, "stale_version"},
		{"not found", db.ErrNotFound, 404, "not_found"},
		{"not found, wrapped", fmt.Errorf("doc 7: %w", db.ErrNotFound), 404, "not_found"},
		{"denied", access.ErrDenied, 403, "forbidden"},
		{"denied, wrapped", fmt.Errorf("x: %w", access.ErrDenied), 403, "forbidden"},
		{"not the owner", access.ErrNotOwner, 403, "not_owner"},
		{"not the owner, wrapped", fmt.Errorf("x: %w", access.ErrNotOwner), 403, "not_owner"},
		{"a recorded refusal", audit.Recorded(access.ErrNotOwner), 403, "not_owner"},
		{"anything else", errors.New("pq: connection refused"), 500, "internal"},
		{"a disk full on PostgreSQL", fmt.Errorf("commit: %w", &pgconn.PgError{Code: "53100"}), 507, "storage_full"},
		{"no space for a file", &fs.PathError{Op: "write", Path: "/data/x", Err: syscall.ENOSPC}, 507, "storage_full"},
		{"a connection refused", fmt.Errorf("begin: %w", &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}), 503, "db_unavailable"},
		{"PostgreSQL shutting down", &pgconn.PgError{Code: "57P01"}, 503, "db_unavailable"},
		{"a connection lost", fmt.Errorf("query: %w", io.ErrUnexpectedEOF), 503, "db_unavailable"},
		{"a wrong database password", &pgconn.PgError{Code: "28P01"}, 500, "internal"},
	} {
		e := From(c.err)
		if e == nil || e.Status != c.status || e.Code != c.code || e.Message == "" {
			t.Errorf("%s: %+v, want %d %s", c.name, e, c.status, c.code)
		}
	}
	if From(nil) != nil {
		t.Error("From(nil) is an error")
	}
	if e := From(access.ErrNotOwner); e.Message != access.NotOwnerMessage {
		t.Errorf("not the owner says %q", e.Message)
	}
	if e := From(errors.New("pq: password authentication failed for user halfsky")); e.Message != "服务器内部错误，请稍后重试" {
		t.Errorf("an internal error tells the client %q", e.Message)
	}
	if e := From(field); e.Fields["title"] != "请填写标题" || e.Error() != "invalid: 提交的内容有误，请按提示修改" {
		t.Errorf("field error: %+v %q", e.Fields, e.Error())
	}
}
