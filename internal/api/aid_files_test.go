package api_test

import (
	"bytes"
	"fmt"
	"mime/multipart"
	"strings"
	"testing"
	"time"

	"halfsky/internal/db"
	"halfsky/internal/demo"
	"halfsky/internal/testapp"
)

// upload posts one file for a document of an application.
func (a *aidRun) upload(as, path, docKey, name string, data []byte) testapp.Response {
	a.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	mw.WriteField("doc_key", docKey)
	fw, _ := mw.CreateFormFile("file", name)
	fw.Write(data)
	mw.Close()
	return raw(a.t, a.f, a.f.as(as), "POST", path+"/documents", body.String(),
		map[string]string{"Content-Type": mw.FormDataContentType(), "Sec-Fetch-Site": "same-origin"})
}

// attach uploads a sample PDF for each required document still missing.
func (a *aidRun) attach(as, path string) {
	a.t.Helper()
	for _, d := range a.do(as, "GET", path+"/documents", nil, 200, "")["documents"].([]any) {
		doc := d.(map[string]any)
		if doc["missing"] == true {
			label := doc["label"].(string)
			expect(a.t, a.upload(as, path, doc["key"].(string), label+".pdf", demo.SamplePDF("示例材料："+label)), 201, "")
		}
	}
}

// TestAidDocumentsAPI: the village uploads the required documents through
// the API; a wrong type is refused naming the field and changes nothing;
// submitting with one missing is refused naming it; the district reviewer
// downloads a file (audited, never cached); 南岗 gets 404; the street may
// not add; after submission nothing can be added or removed.
func TestAidDocumentsAPI(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		a := &aidRun{t: t, f: f}
		year := time.Now().In(db.Shanghai).Year()
		a.do("city.leader", "POST", "/api/v1/aid/cycles", map[string]any{"programme": "cancer", "year": year, "budget": 10_000_000,
			"opens_on": fmt.Sprintf("%d-01-01", year), "closes_on": fmt.Sprintf("%d-12-31", year)}, 201, "")
		x := a.app("village.staff", "POST", "/api/v1/aid/applications", aidCancer(aidCanaryID), 201)
		path := "/api/v1/aid/applications/" + itoa(int64(x["id"].(float64)))
		docs := a.do("village.staff", "GET", path+"/documents", nil, 200, "")["documents"].([]any)
		if len(docs) != 3 || docs[0].(map[string]any)["label"] != "医院诊断证明" || docs[0].(map[string]any)["missing"] != true {
			t.Fatalf("documents: %v", docs)
		}
		files := func() int { return a.f.count(`SELECT COUNT(*) FROM aid_files`) }
		expect(t, a.upload("village.staff", path, "diagnosis", "诊断.docx", []byte("PK\x03\x04 word")), 422, "invalid", "file")
		expect(t, a.upload("village.staff", path, "diagnosis", "诊断.pdf", []byte("\x89PNG\r\n\x1a\n")), 422, "invalid", "file")
		expect(t, a.upload("village.staff", path, "school", "在校.pdf", demo.SamplePDF("在校证明")), 422, "invalid", "doc_key")
		expect(t, a.upload("street.staff", path, "diagnosis", "诊断.pdf", demo.SamplePDF("诊断")), 403, "forbidden")
		expect(t, a.upload("nangang.leader", path, "diagnosis", "诊断.pdf", demo.SamplePDF("诊断")), 404, "not_found")
		if files() != 0 {
			t.Fatal("refused uploads stored files")
		}
		pdf := demo.SamplePDF("示例材料：医院诊断证明")
		r := a.upload("village.staff", path, "diagnosis", "医院诊断证明.pdf", pdf)
		expect(t, r, 201, "")
		diag := r.JSON(t)["file"].(map[string]any)
		if diag["size"] != float64(len(pdf)) || diag["content_type"] != "application/pdf" || !strings.HasSuffix(diag["url"].(string), "/documents/"+itoa(int64(diag["id"].(float64)))) {
			t.Fatalf("uploaded: %v", diag)
		}
		expect(t, a.upload("village.staff", path, "poverty", "低保证.png", append([]byte("\x89PNG\r\n\x1a\n"), 1, 2, 3)), 201, "")
		body := a.do("village.staff", "POST", path+"/submit", map[string]any{"version": x["version"]}, 422, "invalid", "documents")
		if msg := body["error"].(map[string]any)["fields"].(map[string]any)["documents"]; msg != "请上传：身份证复印件" {
			t.Fatalf("missing documents message %q", msg)
		}
		a.attach("village.staff", path)
		x = a.app("village.staff", "POST", path+"/submit", map[string]any{"version": x["version"]}, 200)
		expect(t, a.upload("village.staff", path, "diagnosis", "再传.pdf", pdf), 409, "state")
		fileURL := diag["url"].(string)
		a.do("village.staff", "DELETE", fileURL, nil, 409, "state")

		// The district reviewer reads it; 南岗 does not find it.
		reads := a.f.count(`SELECT COUNT(*) FROM audit_events WHERE action = 'aid.file.read'`)
		got := a.f.as("daoli.staff").Do("GET", fileURL, nil)
		if got.Status != 200 || got.Body != string(pdf) || got.Header.Get("Cache-Control") != "private, no-store" ||
			!strings.HasPrefix(got.Header.Get("Content-Disposition"), "attachment;") || got.Header.Get("Content-Type") != "application/pdf" {
			t.Fatalf("download: %d %v", got.Status, got.Header)
		}
		if a.f.count(`SELECT COUNT(*) FROM audit_events WHERE action = 'aid.file.read'`) != reads+1 {
			t.Fatal("the download was not audited")
		}
		a.do("nangang.leader", "GET", fileURL, nil, 404, "not_found")
		a.do("nangang.leader", "GET", path+"/documents", nil, 404, "not_found")
		a.do("daoli.staff", "GET", "/api/v1/aid/applications/"+itoa(int64(x["id"].(float64))+999)+"/documents/"+itoa(int64(diag["id"].(float64))), nil, 404, "not_found")
	})
}
