package db

// The two faults of the database's surroundings that a request can meet
// and a person can do nothing about but wait: the disk is full, or the
// database cannot be reached. They are told apart from every other error
// here, once, so that the error mapper (apperr.From) answers them with
// their own status and words instead of a bare 500, and the start of
// `serve` knows which failures to wait out.

import (
	"database/sql/driver"
	"errors"
	"io"
	"net"
	"strings"
	"syscall"

	"github.com/jackc/pgx/v5/pgconn"
	sqlite3 "modernc.org/sqlite/lib"
)

// IsStorageFull reports whether err says the disk (or the database's
// space) is full: SQLite's SQLITE_FULL (its WAL or file could not grow),
// PostgreSQL's disk_full (53100), or ENOSPC from writing a file. The
// write that met it was not made: SQLite and PostgreSQL roll the
// transaction back whole.
func IsStorageFull(err error) bool {
	if err == nil {
		return false
	}
	var code interface{ Code() int } // modernc.org/sqlite's *Error
	if errors.As(err, &code) && code.Code()&0xff == sqlite3.SQLITE_FULL {
		return true
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code == "53100"
	}
	return errors.Is(err, syscall.ENOSPC)
}

// IsUnavailable reports whether err says the database could not be
// reached or went away: a connection refused or timed out, a connection
// broken in the middle of a statement, or PostgreSQL shutting down,
// starting up or out of connection slots. Errors PostgreSQL answered
// with for any other reason (a wrong password, a missing database) are
// not: waiting does not mend them.
func IsUnavailable(err error) bool {
	if err == nil {
		return false
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return unavailableState(pe.Code)
	}
	var ce *pgconn.ConnectError
	var ne net.Error
	return errors.As(err, &ce) || errors.As(err, &ne) || errors.Is(err, driver.ErrBadConn) ||
		errors.Is(err, pgconn.ErrConnClosed) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, syscall.ECONNREFUSED) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE)
}

// unavailableState is the SQLSTATEs of a server that is not there to
// answer: class 08 (connection exception), admin_shutdown,
// crash_shutdown, cannot_connect_now (starting up or in recovery) and
// too_many_connections.
func unavailableState(code string) bool {
	switch code {
	case "57P01", "57P02", "57P03", "53300":
		return true
	}
	return strings.HasPrefix(code, "08")
}
