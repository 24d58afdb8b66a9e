package rights_test

import (
	"bytes"
	"context"
	"errors"
	"image"
	"os"
	"strings"
	"testing"

	"halfsky/internal/access"
	"halfsky/internal/db"
	"halfsky/internal/rights"
	"halfsky/internal/testdb"
	"halfsky/internal/testfx"
)

// phonePhoto is a phone's photo of the corpus: GPS position, camera,
// serial number, time taken, a thumbnail, an address in its comment.
func phonePhoto(t *testing.T) []byte {
	t.Helper()
	b, err := os.ReadFile("../files/testdata/photos/phone-gps.jpg")
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// A photo of an injury and a scanned 告诫书 go onto a case: the photo
// is stored without its position, camera or time and with the same
// pixels, both sealed; the timeline counts them without names; a line
// reader above is refused them, a sibling does not find them; something
// that is not an image, too many files or a closed case change nothing;
// a file taken off says why and is no longer served, yet kept.
func TestCaseFiles(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := setup(t, d)
		handler := f.Actor("village.staff")
		_, id := f.help()
		c := f.get(handler, id)
		if err := f.svc.Take(ctx, handler, id, c.Version); err != nil {
			t.Fatal(err)
		}
		c = f.get(handler, id)
		photo := phonePhoto(t)
		scan := []byte("%PDF-1.4\n告诫书扫描件\n%%EOF\n")
		ups := []rights.Upload{{Name: "伤情照片.jpg", Data: photo}, {Name: "告诫书.pdf", Data: scan}}

		// Refused whole: a file that is not an image, then a stale page.
		files0 := f.count(`SELECT COUNT(*) FROM files`)
		bad := append(ups[:1:1], rights.Upload{Name: "伤情2.jpg", Data: []byte("\xFF\xD8\xFF\xE0 only the start of a photo")})
		testfx.WantField(t, f.svc.AddFiles(ctx, handler, id, c.Version, bad), "files")
		testfx.WantField(t, f.svc.AddFiles(ctx, handler, id, c.Version, nil), "files")
		if err := f.svc.AddFiles(ctx, handler, id, c.Version-1, ups); err == nil {
			t.Fatal("an upload on a stale page was taken")
		}
		if n := f.count(`SELECT COUNT(*) FROM files`) - files0 + f.count(`SELECT COUNT(*) FROM case_files`); n != 0 {
			t.Fatalf("refused uploads left %d rows", n)
		}

		if err := f.svc.AddFiles(ctx, handler, id, c.Version, ups); err != nil {
			t.Fatal(err)
		}
		c = f.get(handler, id)
		if len(c.Files) != 2 || !c.Files[0].Photo || c.Files[1].Photo || c.Files[0].Name != "伤情照片.jpg" || c.Files[0].By == "" {
			t.Fatalf("the case's files: %+v", c.Files)
		}
		got, data, err := f.svc.File(ctx, handler, id, c.Files[0].ID)
		if err != nil || !got.Photo {
			t.Fatal(got, err)
		}
		for _, s := range []string{"HUAWEI", "ELS-AN00", "HS123456", "2026:11:30", "道里区", "Exif\x00\x00MM\x00*\x00\x00\x00\x08\x00\x0b"} {
			if bytes.Contains(data, []byte(s)) {
				t.Errorf("%q is still in the stored photo", s)
			}
		}
		if bytes.Contains(data, photo[len(photo)-200:]) {
			t.Error("what followed the image (a second picture) is still there")
		}
		a, _, errA := image.Decode(bytes.NewReader(photo))
		b, _, errB := image.Decode(bytes.NewReader(data))
		if errA != nil || errB != nil || a.Bounds() != b.Bounds() || a.At(40, 30) != b.At(40, 30) {
			t.Fatalf("the stored photo is not the same picture: %v %v", errA, errB)
		}
		if _, doc, err := f.svc.File(ctx, handler, id, c.Files[1].ID); err != nil || !bytes.Equal(doc, scan) {
			t.Fatalf("the scan: %v", err)
		}
		// Sealed: neither a name nor a byte of the photo in the clear.
		if f.count(`SELECT COUNT(*) FROM files WHERE name LIKE ? OR name LIKE ?`, "%伤情%", "%告诫书%") != 0 {
			t.Fatal("a file's name is stored in the clear")
		}
		var last rights.Event
		for _, e := range c.Events {
			if e.Kind == "file" {
				last = e
			}
		}
		if !strings.Contains(last.Note, "照片 1 张") || !strings.Contains(last.Note, "文件 1 个") || strings.Contains(last.Note, "伤情") {
			t.Fatalf("the timeline says %q", last.Note)
		}

		// Above: a line, refused (and the refusal recorded); a sibling: nothing.
		above := f.Actor("daoli.leader")
		if _, _, err := f.svc.File(ctx, above, id, c.Files[0].ID); !errors.Is(err, access.ErrDenied) {
			t.Fatalf("the district reads a photo of a case it sees as a line: %v", err)
		}
		if f.count(`SELECT COUNT(*) FROM audit_events WHERE action = 'access.denied' AND detail = 'case.file' AND user_id = ?`, above.UserID) != 1 {
			t.Fatal("the refusal is not audited")
		}
		if _, _, err := f.svc.File(ctx, f.Actor("nangang.leader"), id, c.Files[0].ID); !errors.Is(err, db.ErrNotFound) {
			t.Fatalf("a sibling district: %v", err)
		}
		if _, _, err := f.svc.File(ctx, handler, id, c.Files[0].ID+100); !errors.Is(err, db.ErrNotFound) {
			t.Fatalf("a file not on the case: %v", err)
		}
		if err := f.svc.AddFiles(ctx, above, id, 0, ups[:1]); !errors.Is(err, access.ErrDenied) {
			t.Fatalf("the district uploads to a case it sees as a line: %v", err)
		}
		// Through a broken glass: read, audited; no uploads.
		if err := f.svc.BreakGlass(ctx, above, id, "督办高危家暴案件，需核实伤情"); err != nil {
			t.Fatal(err)
		}
		if _, _, err := f.svc.File(ctx, above, id, c.Files[0].ID); err != nil {
			t.Fatal(err)
		}
		if f.count(`SELECT COUNT(*) FROM audit_events WHERE action = 'case.glass_read' AND user_id = ? AND detail LIKE 'file=%'`, above.UserID) != 1 {
			t.Fatal("a photo read through the glass is not audited")
		}
		testfx.WantCode(t, f.svc.AddFiles(ctx, above, id, 0, ups[:1]), "glass_read_only")

		// At most MaxFiles.
		c = f.get(handler, id)
		many := make([]rights.Upload, rights.MaxFiles-1)
		for i := range many {
			many[i] = rights.Upload{Name: "记录.txt", Data: []byte("第" + string(rune('0'+i%10)) + "页")}
		}
		testfx.WantField(t, f.svc.AddFiles(ctx, handler, id, c.Version, many), "files")

		// Taken off with a reason: no longer listed or served, kept, said.
		testfx.WantField(t, f.svc.RemoveFile(ctx, handler, id, c.Version, c.Files[1].ID, " "), "reason")
		if err := f.svc.RemoveFile(ctx, handler, id, c.Version, c.Files[1].ID, "传错了案件"); err != nil {
			t.Fatal(err)
		}
		c = f.get(handler, id)
		if len(c.Files) != 1 || c.Events[len(c.Events)-1].Kind != "file_removed" || !strings.Contains(c.Events[len(c.Events)-1].Note, "传错了案件") {
			t.Fatalf("after the removal: %d files, last event %+v", len(c.Files), c.Events[len(c.Events)-1])
		}
		if _, _, err := f.svc.File(ctx, handler, id, c.Files[0].ID+1); !errors.Is(err, db.ErrNotFound) {
			t.Fatalf("a removed file is still served: %v", err)
		}
		if f.count(`SELECT COUNT(*) FROM case_files WHERE case_id = ? AND removed_at IS NOT NULL`, id) != 1 {
			t.Fatal("the removed file is not kept")
		}

		// A closed case takes no more.
		if err := f.svc.Close(ctx, handler, id, c.Version, "advice", "satisfied", ""); err != nil {
			t.Fatal(err)
		}
		c = f.get(handler, id)
		testfx.WantCode(t, f.svc.AddFiles(ctx, handler, id, c.Version, ups[:1]), "closed")
	})
}
