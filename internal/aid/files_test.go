package aid_test

import (
	"bytes"
	"context"
	"errors"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"halfsky/internal/access"
	"halfsky/internal/aid"
	"halfsky/internal/db"
	"halfsky/internal/demo"
	"halfsky/internal/testdb"
	"halfsky/internal/vault"
)

// fileCanary is inside every file the fixture attaches: it must never be
// found in the database in the clear.
const fileCanary = "CANARY-FILE-CONTENT 金丝雀诊断书"

// canaryPDF is a valid sample PDF with the file canary after its end.
func canaryPDF(label string) []byte {
	return append(demo.SamplePDF("示例材料："+label), []byte("%"+fileCanary+"\n")...)
}

// attach uploads, as the collecting unit a, a file for each of the
// application's required documents that has none, so it can be submitted.
func (f *fx) attach(a access.Actor, x aid.Application) {
	f.t.Helper()
	ctx := context.Background()
	docs, err := f.svc.Documents(ctx, a, x.ID)
	if err != nil {
		f.t.Fatal(err)
	}
	for _, d := range docs {
		if d.Missing() {
			if _, err := f.svc.AddFile(ctx, a, x.ID, d.Key, d.Label+".pdf", canaryPDF(d.Label)); err != nil {
				f.t.Fatalf("attach %s: %v", d.Key, err)
			}
		}
	}
}

// pngBytes is the start of a PNG: enough for the content check.
var pngBytes = append([]byte("\x89PNG\r\n\x1a\n"), bytes.Repeat([]byte{0, 1, 2, 3}, 40_000)...) // spans several chunks

// TestFiles: the village attaches the required documents of a 两癌
// application; wrong types and unknown documents are refused beside the
// field and change nothing; the submission is refused naming what is
// missing; reviewers above read the files (audited) but add none; 南岗 sees
// none of it; and nothing of the files is stored in the clear.
func TestFiles(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := setup(t, d)
		village, street, district, nangang := f.Actor("village.staff"), f.Actor("street.staff"), f.Actor("daoli.staff"), f.Actor("nangang.leader")
		f.cycle("cancer", 2026, 10_000_000, nil)
		x, err := f.svc.Create(ctx, village, cancerInput(canaryName, canaryID))
		if err != nil {
			t.Fatal(err)
		}

		// Nothing attached: the submission names every document.
		before := f.fingerprint()
		_, err = f.svc.Submit(ctx, village, x.ID, x.Version)
		field(t, err, "documents", "请上传：医院诊断证明、家庭困难证明、身份证复印件")
		for _, bad := range []struct {
			doc, name string
			data      []byte
			field     string
		}{
			{"diagnosis", "诊断.docx", []byte("PK\x03\x04 a word file"), "file"},
			{"diagnosis", "诊断.exe", []byte("MZ"), "file"},
			{"diagnosis", "诊断.pdf", pngBytes, "file"}, // content not what the name says
			{"diagnosis", "诊断.pdf", nil, "file"},
			{"diagnosis", "诊断.png", append([]byte("\x89PNG\r\n\x1a\n"), make([]byte, aid.MaxFileSize)...), "file"},
			{"school", "在校证明.pdf", canaryPDF("在校证明"), "doc_key"}, // not a document of 两癌救助
			{"", "证明.pdf", canaryPDF("证明"), "doc_key"},
		} {
			_, err := f.svc.AddFile(ctx, village, x.ID, bad.doc, bad.name, bad.data)
			field(t, err, bad.field, "")
		}
		if f.fingerprint() != before {
			t.Fatal("refused input changed the aid tables")
		}

		// The diagnosis, named after the person, and the poverty certificate.
		diag, err := f.svc.AddFile(ctx, village, x.ID, "diagnosis", canaryName+"诊断证明.pdf", canaryPDF("医院诊断证明"))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.AddFile(ctx, village, x.ID, "poverty", "低保证.png", pngBytes); err != nil {
			t.Fatal(err)
		}
		_, err = f.svc.Submit(ctx, village, x.ID, x.Version)
		field(t, err, "documents", "请上传：身份证复印件")

		// A file added and removed again.
		extra, err := f.svc.AddFile(ctx, village, x.ID, "id_copy", "错传.jpg", []byte("\xFF\xD8\xFF\xE0 jpeg"))
		if err != nil {
			t.Fatal(err)
		}
		if err := f.svc.RemoveFile(ctx, village, x.ID, extra.ID); err != nil {
			t.Fatal(err)
		}
		if err := f.svc.RemoveFile(ctx, village, x.ID, extra.ID); !errors.Is(err, db.ErrNotFound) {
			t.Fatalf("removed twice: %v", err)
		}
		_, err = f.svc.Submit(ctx, village, x.ID, x.Version)
		field(t, err, "documents", "请上传：身份证复印件")

		// Only the collecting unit adds; out of scope is not found.
		if _, err := f.svc.AddFile(ctx, street, x.ID, "id_copy", "身份证.pdf", canaryPDF("身份证")); !errors.Is(err, access.ErrDenied) {
			t.Fatalf("the street added a file: %v", err)
		}
		for _, err := range []error{
			func() error {
				_, err := f.svc.AddFile(ctx, nangang, x.ID, "id_copy", "身份证.pdf", canaryPDF("身份证"))
				return err
			}(),
			func() error { _, err := f.svc.Files(ctx, nangang, x.ID); return err }(),
			func() error { _, err := f.svc.Documents(ctx, nangang, x.ID); return err }(),
			func() error { _, _, err := f.svc.File(ctx, nangang, x.ID, diag.ID); return err }(),
			f.svc.RemoveFile(ctx, nangang, x.ID, diag.ID),
		} {
			if !errors.Is(err, db.ErrNotFound) {
				t.Fatalf("南岗: %v", err)
			}
		}

		f.attach(village, x)
		docs, err := f.svc.Documents(ctx, village, x.ID)
		if err != nil || len(docs) != 3 || docs[0].Label != "医院诊断证明" || len(docs[0].Files) != 1 || docs[0].Files[0].Name != canaryName+"诊断证明.pdf" ||
			docs[1].Files[0].Size != int64(len(pngBytes)) || docs[1].Files[0].ContentType != "image/png" || docs[2].Missing() {
			t.Fatalf("documents: %+v %v", docs, err)
		}
		x = f.submit(village, x)
		// Submitted: the files are what the reviewers see; no more changes.
		_, err = f.svc.AddFile(ctx, village, x.ID, "id_copy", "身份证.pdf", canaryPDF("身份证"))
		code(t, err, "state")
		code(t, f.svc.RemoveFile(ctx, village, x.ID, diag.ID), "state")
		x = f.decide(street, x, aid.Pass, "")

		// The district reads the diagnosis: audited, without its name.
		reads := f.audited("aid.file.read")
		got, data, err := f.svc.File(ctx, district, x.ID, diag.ID)
		if err != nil || !bytes.Equal(data, canaryPDF("医院诊断证明")) || got.Name != canaryName+"诊断证明.pdf" || got.ContentType != "application/pdf" {
			t.Fatalf("district read %+v (%d bytes) %v", got, len(data), err)
		}
		_, png, err := f.svc.File(ctx, district, x.ID, docs[1].Files[0].ID)
		if err != nil || !bytes.Equal(png, pngBytes) {
			t.Fatalf("the multi-chunk file reads back %d bytes, %v", len(png), err)
		}
		if f.audited("aid.file.read") != reads+2 {
			t.Fatal("the read was not audited")
		}
		if _, _, err := f.svc.File(ctx, district, x.ID+1000, diag.ID); !errors.Is(err, db.ErrNotFound) {
			t.Fatalf("a file through another application id: %v", err)
		}

		// Nothing of the files in the clear: not in any row, not in the file.
		canaries := []string{fileCanary, "金丝雀", canaryName, "低保证.png", "诊断证明.pdf"}
		f.noneInTables(append(aidTables, "audit_events"), canaries...)
		var chunks int
		if err := d.QueryRow(ctx, `SELECT COUNT(*) FROM aid_file_chunks c JOIN aid_files f ON f.id = c.file_id
			WHERE f.application_id = ? AND c.data LIKE 'hs1.%'`, x.ID).Scan(&chunks); err != nil || chunks < 4 {
			t.Fatalf("%d sealed chunks (%v)", chunks, err)
		}
		f.noneInFile("医院诊断证明", canaries...)
	})
}

// TestFileRotation: `halfsky keys rotate` re-seals the files' names and
// chunks, and the file still reads back whole.
func TestFileRotation(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := setup(t, d)
		path := filepath.Join(t.TempDir(), "keys.txt")
		k1, _, err := vault.Load(path, "")
		if err != nil {
			t.Fatal(err)
		}
		f.svc.Vault = k1
		f.cycle("cancer", 2026, 10_000_000, nil)
		village := f.Actor("village.staff")
		x, err := f.svc.Create(ctx, village, cancerInput(canaryName, canaryID))
		if err != nil {
			t.Fatal(err)
		}
		file, err := f.svc.AddFile(ctx, village, x.ID, "poverty", "低保证.png", pngBytes)
		if err != nil {
			t.Fatal(err)
		}
		k2, err := vault.AddKey(path, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		done, err := vault.Rotate(ctx, d, k2, nil)
		if err != nil {
			t.Fatal(err)
		}
		var chunks int
		if err := d.QueryRow(ctx, `SELECT COUNT(*) FROM aid_file_chunks WHERE file_id = ?`, file.ID).Scan(&chunks); err != nil {
			t.Fatal(err)
		}
		if done[vault.Column{Table: "aid_files", Key: "id", Name: "name"}] != 1 ||
			done[vault.Column{Table: "aid_file_chunks", Key: "id", Name: "data"}] != chunks || chunks < 2 {
			t.Fatalf("rotated %v (%d chunks)", done, chunks)
		}
		f.svc.Vault = k2
		got, data, err := f.svc.File(ctx, village, x.ID, file.ID)
		if err != nil || !bytes.Equal(data, pngBytes) || got.Name != "低保证.png" {
			t.Fatalf("after rotation: %+v %v", got, err)
		}
		f.eachRow(`SELECT data FROM aid_file_chunks WHERE file_id = `+strconv.FormatInt(file.ID, 10), func(v []string) {
			if vault.KeyOf(v[0]) != k2.Active() {
				t.Fatalf("chunk still under %s", vault.KeyOf(v[0]))
			}
		})
		// A chunk swapped for another file's does not pass for this file.
		other, err := f.svc.AddFile(ctx, village, x.ID, "poverty", "另一份.png", append([]byte("\x89PNG\r\n\x1a\n"), 9, 9, 9))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := d.Exec(ctx, `UPDATE aid_file_chunks SET data = (SELECT data FROM aid_file_chunks WHERE file_id = ?)
			WHERE file_id = ? AND seq = 0`, other.ID, file.ID); err != nil {
			t.Fatal(err)
		}
		reads := f.audited("aid.file.read")
		if _, _, err := f.svc.File(ctx, village, x.ID, file.ID); err == nil || !strings.Contains(err.Error(), "content does not match its digest") {
			t.Fatalf("a tampered file: %v, want the digest refusal", err)
		}
		if f.audited("aid.file.read") != reads {
			t.Fatal("a refused read was audited as served")
		}
	})
}
