// Package apperr is the one error shape that domain code returns to the web
// and API layers: a stable code, a Chinese message for people, per-field
// messages for forms, and the HTTP status that fits.
package apperr

import (
	"errors"
	"net/http"

	"halfsky/internal/access"
	"halfsky/internal/db"
)

// Error is a user-facing error.
type Error struct {
	Status  int               `json:"-"`
	Code    string            `json:"code"`
	Message string            `json:"message"`
	Fields  map[string]string `json:"fields,omitempty"`
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

// Invalid is bad input: per-field messages, nothing changed.
func Invalid(fields map[string]string) *Error {
	return &Error{Status: http.StatusUnprocessableEntity, Code: "invalid", Message: "提交的内容有误，请按提示修改", Fields: fields}
}

// Field is Invalid with a single field.
func Field(field, msg string) *Error { return Invalid(map[string]string{field: msg}) }

// New makes an error with a code and message.
func New(status int, code, msg string) *Error {
	return &Error{Status: status, Code: code, Message: msg}
}

var (
	ErrNotFound  = New(http.StatusNotFound, "not_found", "没有找到该记录，或不在您的管理范围内")
	ErrForbidden = New(http.StatusForbidden, "forbidden", "您没有进行此操作的权限")
	ErrUnauth    = New(http.StatusUnauthorized, "unauthenticated", "请先登录")
	// ErrNotOwner is access.ErrNotOwner: a unit below the record's owner
	// or recorder tried to change it.
	ErrNotOwner = New(http.StatusForbidden, "not_owner", access.NotOwnerMessage)
	// ErrUnavailable is the database out of reach (db.IsUnavailable):
	// 503, which a client and a load balancer read as "try again soon".
	ErrUnavailable = New(http.StatusServiceUnavailable, "db_unavailable", "数据库暂时无法连接，请稍后重试")
	// ErrStorageFull is a write refused for want of disk space
	// (db.IsStorageFull): nothing of it was saved. 507 Insufficient
	// Storage (RFC 4918) says exactly that, and keeps it apart from the
	// database being away in the logs and the metrics: waiting alone
	// does not mend it, an administrator must free space.
	ErrStorageFull = New(http.StatusInsufficientStorage, "storage_full", "服务器存储空间已满，本次保存未完成，请稍后再试或联系管理员")
)

// From maps any error to an *Error: known domain errors get their fitting
// shape, a full disk and a database out of reach theirs (507, 503), and
// anything else becomes a generic 500 whose details stay in the log.
func From(err error) *Error {
	var e *Error
	switch {
	case err == nil:
		return nil
	case errors.As(err, &e):
		return e
	case errors.Is(err, db.ErrNotFound):
		return ErrNotFound
	case errors.Is(err, access.ErrNotOwner):
		return ErrNotOwner
	case errors.Is(err, access.ErrDenied):
		return ErrForbidden
	case db.IsStorageFull(err):
		return ErrStorageFull
	case db.IsUnavailable(err):
		return ErrUnavailable
	}
	return New(http.StatusInternalServerError, "internal", "服务器内部错误，请稍后重试")
}
