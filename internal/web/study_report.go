package web

import (
	"log/slog"
	"net/http"
	"strconv"

	"halfsky/internal/access"
	"halfsky/internal/httpx"
	"halfsky/internal/study"
)

// reportStudy is the 学习活动 section of a report page; nil when the user
// does not work with study records or the section cannot be built.
func (h *handler) reportStudy(r *http.Request, c *httpx.Current, reportID int64) *study.ReportStudy {
	if !c.Actor.Can(access.ViewWork) {
		return nil
	}
	rs, err := h.deps.Study.ForReport(r.Context(), c.Actor, reportID)
	if err != nil {
		slog.Warn("report study section", "report", reportID, "err", err)
		return nil
	}
	return &rs
}

// reportStudyAttach counts the ticked activities in the unit's report and
// fills its numbers from them.
func (h *handler) reportStudyAttach(w http.ResponseWriter, r *http.Request, c *httpx.Current, id int64) error {
	_ = r.ParseForm()
	var ids []int64
	for _, v := range r.PostForm["activity"] {
		if n, err := strconv.ParseInt(v, 10, 64); err == nil {
			ids = append(ids, n)
		}
	}
	rs, err := h.deps.Study.AttachToReport(r.Context(), c.Actor, id, ids)
	msg := "已计入 " + strconv.Itoa(rs.Sessions) + " 项学习活动（" + strconv.Itoa(rs.Participants) + " 人次），报送中的相应数字已更新"
	return h.finish(w, r, "/reports/"+strconv.FormatInt(id, 10)+"#study", err, msg)
}
