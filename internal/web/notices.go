package web

import (
	"net/http"

	"halfsky/internal/httpx"
	"halfsky/internal/notify"
)

type noticesData struct {
	Notices []notify.Notification
	Unread  int
}

// notices lists the user's notifications, newest first.
func (h *handler) notices(w http.ResponseWriter, r *http.Request, c *httpx.Current) error {
	list, unread, err := notify.List(r.Context(), h.deps.DB.Q(), c.Actor, 100)
	if err != nil {
		return err
	}
	h.tpl.Page(w, r, http.StatusOK, "notices", View{Layout: Layout{Title: "通知", Active: "notices"}, Data: noticesData{Notices: list, Unread: unread}})
	return nil
}

func (h *handler) noticesRead(w http.ResponseWriter, r *http.Request, c *httpx.Current) error {
	err := notify.MarkAllRead(r.Context(), h.deps.DB, c.Actor, h.deps.Auth.Now())
	return h.finish(w, r, "/notices", err, "已全部标为已读")
}
