package api

import (
	"net/http"
	"time"

	"halfsky/internal/db"
	"halfsky/internal/httpx"
	"halfsky/internal/notify"
)

// noticeJSON is an in-app notification.
type noticeJSON struct {
	ID        int64     `json:"id"`
	Kind      string    `json:"kind"`
	Title     string    `json:"title"`
	Body      string    `json:"body"`
	Link      string    `json:"link"`
	CreatedAt time.Time `json:"created_at"`
	Read      bool      `json:"read"`
}

func toNoticeJSON(n notify.Notification) noticeJSON {
	return noticeJSON{ID: n.ID, Kind: n.Kind, Title: n.Title, Body: n.Body, Link: n.Link, CreatedAt: n.CreatedAt.UTC(), Read: n.Read}
}

// noticeList: GET /api/v1/notifications?limit= — the newest notifications
// to the caller and the caller's unit, and how many are unread.
func (h *handler) noticeList(w http.ResponseWriter, r *http.Request, c *httpx.Current) error {
	q := newQuery(r)
	limit := q.number("limit", 50, 1, 200)
	if err := q.err(); err != nil {
		return err
	}
	ns, unread, err := notify.List(r.Context(), h.deps.DB.Q(), c.Actor, limit)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"items": httpx.Map(ns, toNoticeJSON), "unread": unread})
	return nil
}

// noticeReadAll: POST /api/v1/notifications/read-all — marks every
// notification the caller sees as read; {"unread": 0}.
func (h *handler) noticeReadAll(w http.ResponseWriter, r *http.Request, c *httpx.Current) error {
	if err := noBody(r); err != nil {
		return err
	}
	ctx := r.Context()
	if err := notify.MarkAllRead(ctx, h.deps.DB, c.Actor, db.Now()); err != nil {
		return err
	}
	n, err := notify.Unread(ctx, h.deps.DB.Q(), c.Actor)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"unread": n})
	return nil
}
