package web_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"halfsky/internal/db"
	"halfsky/internal/demo"
	"halfsky/internal/testapp"
	"halfsky/internal/testdb"
)

// aidAttach uploads through the page a sample PDF for each required
// document the application's page marks missing.
func aidAttach(t *testing.T, u *ui, path string) {
	t.Helper()
	page := u.get(path, http.StatusOK)
	for _, m := range regexp.MustCompile(`<tr id="doc-([a-z_]+)">\s*<td data-label="材料">([^<]+)</td>[\s\S]*?</tr>`).FindAllStringSubmatch(page, -1) {
		if !strings.Contains(m[0], "未上传") {
			continue
		}
		r := u.upload(path+"/documents", "file", m[2]+".pdf", demo.SamplePDF("示例材料："+m[2]), url.Values{"doc_key": {m[1]}})
		if r.Status != http.StatusSeeOther {
			t.Fatalf("upload %s: %d %s", m[1], r.Status, excerpt(r.Body))
		}
	}
}

// TestAidDocumentPages: the application page lists the required documents
// with a missing mark; the submission is refused beside them naming what
// is missing; a wrong type is refused beside the file field and stores
// nothing; the village uploads and removes; the district downloads
// (attachment, not cached, audited); 南岗 gets 404.
func TestAidDocumentPages(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		app := testapp.Start(t, d)
		village, street, district := signIn(t, app, "village.staff"), signIn(t, app, "street.staff"), signIn(t, app, "daoli.staff")
		city, nangang := signIn(t, app, "city.leader"), signIn(t, app, "nangang.leader")
		aidOpenCycle(t, city)
		id := idAfter(t, village.postLocation("/aid", aidForm(aidCanaryName, aidCanaryID)), "/aid/")
		path := "/aid/" + id
		version := func(u *ui) string { return aidFind(t, u.get(path, http.StatusOK), `name="version" value="(\d+)"`) }

		page := village.get(path, http.StatusOK)
		must(t, page, `id="documents"`, `id="doc-diagnosis"`, "医院诊断证明", "未上传", `id="upload-form"`, `enctype="multipart/form-data"`)
		visitPageClean(t, page)
		mustNot(t, street.get(path, http.StatusOK), `id="upload-form"`)

		body := village.post(path+"/submit", url.Values{"version": {version(village)}}, http.StatusUnprocessableEntity)
		must(t, body, `id="documents-error"`, "请上传：医院诊断证明、家庭困难证明、身份证复印件")
		r := village.upload(path+"/documents", "file", "诊断.docx", []byte("PK\x03\x04 word"), url.Values{"doc_key": {"diagnosis"}})
		if r.Status != http.StatusUnprocessableEntity {
			t.Fatalf("wrong type: %d", r.Status)
		}
		must(t, r.Body, `id="f-doc-file-error"`, "材料只能上传 PDF、JPG、PNG 文件")
		r = village.upload(path+"/documents", "file", "", nil, url.Values{"doc_key": {"diagnosis"}})
		must(t, r.Body, `id="f-doc-file-error"`, "请选择要上传的文件")
		if n := count(t, d, `SELECT COUNT(*) FROM aid_files`); n != 0 {
			t.Fatalf("%d files after refused uploads", n)
		}
		nangang.get(path, http.StatusNotFound)
		refusedPage(t, "南岗 uploads", nangang.upload(path+"/documents", "file", "诊断.pdf", demo.SamplePDF("诊断"), url.Values{"doc_key": {"diagnosis"}}),
			http.StatusNotFound, pageNotFound)

		pdf := demo.SamplePDF("示例材料：医院诊断证明")
		if r := village.upload(path+"/documents", "file", "诊断证明.pdf", pdf, url.Values{"doc_key": {"diagnosis"}}); r.Status != http.StatusSeeOther {
			t.Fatalf("upload: %d %s", r.Status, excerpt(r.Body))
		}
		page = village.get(path, http.StatusOK)
		must(t, page, "诊断证明.pdf", "已上传 1 份")
		link := aidFind(t, page, `href="(/aid/\d+/documents/\d+/download)"`)
		fid := aidFind(t, link, `/documents/(\d+)/`)
		must(t, village.post(path+"/submit", url.Values{"version": {version(village)}}, http.StatusUnprocessableEntity), "请上传：家庭困难证明、身份证复印件")

		// Removed and uploaded again; then the rest.
		must(t, village.post(path+"/documents/"+fid+"/delete", nil, http.StatusSeeOther), "已删除")
		mustNot(t, village.get(path, http.StatusOK), "诊断证明.pdf")
		if r := village.upload(path+"/documents", "file", "诊断证明.pdf", pdf, url.Values{"doc_key": {"diagnosis"}}); r.Status != http.StatusSeeOther {
			t.Fatalf("upload: %d", r.Status)
		}
		link = aidFind(t, village.get(path, http.StatusOK), `href="(/aid/\d+/documents/\d+/download)"`)
		aidAttach(t, village, path)
		must(t, village.post(path+"/submit", url.Values{"version": {version(village)}}, http.StatusSeeOther), "已提交上级审核")
		mustNot(t, village.get(path, http.StatusOK), `id="upload-form"`)
		must(t, street.post(path+"/decide", url.Values{"decision": {"pass"}, "version": {version(street)}}, http.StatusSeeOther), "已审核通过")

		reads := count(t, d, `SELECT COUNT(*) FROM audit_events WHERE action = 'aid.file.read'`)
		got := district.c.Do("GET", link, nil)
		if got.Status != http.StatusOK || got.Body != string(pdf) || !strings.Contains(got.Header.Get("Cache-Control"), "no-store") ||
			!strings.HasPrefix(got.Header.Get("Content-Disposition"), "attachment;") {
			t.Fatalf("download: %d %v", got.Status, got.Header)
		}
		if n := count(t, d, `SELECT COUNT(*) FROM audit_events WHERE action = 'aid.file.read'`); n != reads+1 {
			t.Fatalf("downloads audited: %d, want %d", n, reads+1)
		}
		nangang.get(link, http.StatusNotFound)
	})
}
