package publicweb

import (
	"net/http"
	"time"

	"halfsky/internal/db"
)

// calendar is the neutral page: this month in Beijing, today marked.
// Nothing on it says where she came from.
type calendar struct {
	Today   string
	Weekday string
	Month   string
	Weeks   [][]day
}

type day struct {
	N     int // 0 for the blanks before the first and after the last
	Today bool
}

var weekdays = []string{"星期日", "星期一", "星期二", "星期三", "星期四", "星期五", "星期六"}

func monthOf(now time.Time) calendar {
	now = now.In(db.Shanghai)
	first := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, db.Shanghai)
	days := first.AddDate(0, 1, -1).Day()
	c := calendar{Today: now.Format("2006年1月2日"), Weekday: weekdays[now.Weekday()], Month: now.Format("2006年1月")}
	week := make([]day, int(first.Weekday()))
	for n := 1; n <= days; n++ {
		week = append(week, day{N: n, Today: n == now.Day()})
		if len(week) == 7 {
			c.Weeks, week = append(c.Weeks, week), nil
		}
	}
	if len(week) > 0 {
		for len(week) < 7 {
			week = append(week, day{})
		}
		c.Weeks = append(c.Weeks, week)
	}
	return c
}

// neutral serves GET /n, where the quick exit goes: a calendar, with no
// word of help, no hotline and no way back.
func (h *handler) neutral(w http.ResponseWriter, r *http.Request) {
	h.render(w, r, http.StatusOK, "neutral", "日历", monthOf(h.d.Now()))
}
