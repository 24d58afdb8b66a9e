package api

import (
	"halfsky/internal/files"
	"time"
)

// The JSON shapes every module's answers share: lists, times, attachments.

// list is the shape of every list response.
type list[T any] struct {
	Items   []T `json:"items"`
	Total   int `json:"total"`
	Page    int `json:"page"`
	PerPage int `json:"per_page"`
}

func newList[T any](items []T, total, page, per int) list[T] {
	if items == nil {
		items = []T{}
	}
	return list[T]{Items: items, Total: total, Page: page, PerPage: per}
}

// optTime is a time for JSON: null when unset, else UTC.
func optTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	u := t.UTC()
	return &u
}

// fileJSON is a stored attachment's metadata.
type fileJSON struct {
	ID          int64     `json:"id"`
	Name        string    `json:"name"`
	ContentType string    `json:"content_type"`
	Size        int64     `json:"size"`
	SHA256      string    `json:"sha256"`
	CreatedAt   time.Time `json:"created_at"`
}

func toFileJSON(f files.File) fileJSON {
	return fileJSON{ID: f.ID, Name: f.Name, ContentType: f.ContentType, Size: f.Size, SHA256: f.SHA256, CreatedAt: f.CreatedAt.UTC()}
}

// orEmpty is s, or [] rather than null when it is nil.
func orEmpty(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
