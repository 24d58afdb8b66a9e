package faults_test

import (
	"database/sql"
	"errors"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	_ "modernc.org/sqlite"
)

// fullMessage is what a write refused for want of space says, on the
// pages and in the API (apperr.ErrStorageFull).
const fullMessage = "服务器存储空间已满，本次保存未完成，请稍后再试或联系管理员"

// TestDiskFull is the disk-full drill: halfsky on SQLite in a small tmpfs
// with the demo, the disk filled by a file. A write then gets 507 with
// fullMessage (the API's JSON and the page alike), not a 500; reads keep
// working; a refused write leaves nothing (neither its visit nor its
// audit event); the database passes integrity_check and the audit log
// verifies; and once the file is gone the same write succeeds with no
// restart. The long drill fills and frees the disk three times.
func TestDiskFull(t *testing.T) {
	need(t, os.Geteuid() == 0, "mounting a tmpfs needs root")
	_, err := exec.LookPath("mount")
	need(t, err == nil, "no mount command")
	data := tmpfs(t, "64m")
	p := start(t, "HALFSKY_DATA_DIR="+data, "HALFSKY_DEMO=true")
	took := p.until(t, "/readyz", 200, 2*time.Minute)
	t.Logf("first start with the demo on a 64 MB tmpfs: ready in %s", ms(took))
	c := newClient(p)
	c.signIn(t, "street.staff")
	page := newClient(p)
	page.signInPage(t, "street.staff")
	dbPath := filepath.Join(data, "halfsky.db")
	before := counts(t, dbPath)
	acked := 0
	if a := c.do("POST", "/api/v1/visits", visit("满盘之前")); a.Status != 201 {
		t.Fatalf("a write with room: %d %s", a.Status, a.Body)
	}
	acked++
	cycles := 1
	if long() {
		cycles = 3
	}
	for cycle := 1; cycle <= cycles; cycle++ {
		acked += fillAndFree(t, c, page, data, cycle)
	}
	p.stop(t)
	after := counts(t, dbPath)
	if after.visits != before.visits+acked || after.audited != before.audited+acked {
		t.Fatalf("visits %d → %d, their audit events %d → %d; %d writes acknowledged: a refused write left something, or an acknowledged one is missing",
			before.visits, after.visits, before.audited, after.audited, acked)
	}
	if after.integrity != "ok" {
		t.Fatalf("integrity_check: %s", after.integrity)
	}
	out := run(t, []string{"HALFSKY_DATA_DIR=" + data}, "audit", "verify")
	t.Logf("after %d fill(s): %d visits acknowledged, all present, none half-written; integrity_check ok; audit verify: %s",
		cycles, acked, strings.TrimSpace(out))
}

// fillAndFree fills the disk, checks what a person sees then, frees it
// and checks the same write succeeds; it returns the writes acknowledged.
func fillAndFree(t *testing.T, c, page *client, data string, cycle int) (acked int) {
	filler := filepath.Join(data, "filler")
	fill(t, filler)
	// The WAL has room for a few more transactions (the frames a
	// checkpoint freed are reused): write until the disk says no.
	var refused answer
	var place string
	for i := 1; ; i++ {
		place = "满盘" + strconv.Itoa(cycle) + "-" + strconv.Itoa(i)
		a := c.do("POST", "/api/v1/visits", visit(place))
		if a.Status == 201 {
			acked++
			if i == 2000 {
				t.Fatal("2000 writes on a full disk all succeeded")
			}
			continue
		}
		refused = a
		break
	}
	code, msg := refused.apiError()
	if refused.Status != http.StatusInsufficientStorage || code != "storage_full" || msg != fullMessage {
		t.Fatalf("a write on a full disk: %d %s (want 507 storage_full %q)", refused.Status, refused.Body, fullMessage)
	}
	t.Logf("cycle %d: the disk full after %d more writes; the refusal: %d %s in %s", cycle, acked, refused.Status, code, ms(refused.Took))
	// Still full: every write is refused alike, on the page too.
	for i := range 3 {
		if a := c.do("POST", "/api/v1/visits", visit(place+"-再试"+strconv.Itoa(i))); a.Status != 507 {
			t.Fatalf("another write on a full disk: %d %s", a.Status, a.Body)
		}
	}
	if a := page.postVisitForm(t, place+"-网页"); a.Status != 507 || !strings.Contains(string(a.Body), fullMessage) {
		t.Fatalf("the visit form on a full disk: %d %.600s", a.Status, a.Body)
	}
	reads(t, c, page)
	if err := os.Remove(filler); err != nil {
		t.Fatal(err)
	}
	freed := time.Now()
	a := c.do("POST", "/api/v1/visits", visit(place))
	if a.Status != 201 {
		t.Fatalf("the same write with room again: %d %s", a.Status, a.Body)
	}
	t.Logf("cycle %d: the filler removed, the refused write made again: %d in %s (%s after the space returned), no restart",
		cycle, a.Status, ms(a.Took), ms(time.Since(freed)))
	return acked + 1
}

// reads are a list, a record and a page: they keep working on a full
// disk.
func reads(t *testing.T, c, page *client) {
	t.Helper()
	for _, r := range []struct {
		c    *client
		path string
	}{{c, "/api/v1/visits"}, {c, "/api/v1/problems"}, {page, "/visits"}, {page, "/"}} {
		if a := r.c.do("GET", r.path, nil); a.Status != 200 {
			t.Fatalf("GET %s on a full disk: %d %.300s", r.path, a.Status, a.Body)
		}
	}
}

// tmpfs mounts a tmpfs of size at a new directory, unmounted when the
// test ends (after the server has stopped: cleanups run last first).
func tmpfs(t *testing.T, size string) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "data")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size="+size+",mode=0700", "tmpfs", dir).CombinedOutput(); err != nil {
		need(t, false, "mount -t tmpfs: "+strings.TrimSpace(string(out)))
	}
	t.Cleanup(func() {
		if out, err := exec.Command("umount", dir).CombinedOutput(); err != nil {
			t.Errorf("umount %s: %v %s", dir, err, out)
			_ = exec.Command("umount", "-l", dir).Run()
		}
	})
	return dir
}

// fill writes zeros to path until the disk is full.
func fill(t *testing.T, path string) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	buf := make([]byte, 1<<20)
	for {
		if _, err := f.Write(buf); err != nil {
			if errors.Is(err, syscall.ENOSPC) {
				return
			}
			t.Fatal(err)
		}
	}
}

// dbCounts are what the drill checks in the database itself.
type dbCounts struct {
	visits, audited int
	integrity       string
}

// counts reads the SQLite file directly (the server may be running:
// WAL lets a reader in beside it).
func counts(t *testing.T, path string) dbCounts {
	t.Helper()
	d, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	var c dbCounts
	err = d.QueryRow(`SELECT (SELECT COUNT(*) FROM visits),
		(SELECT COUNT(*) FROM audit_events WHERE action = 'visit.create' AND outcome = 'ok')`).Scan(&c.visits, &c.audited)
	if err == nil {
		err = d.QueryRow(`PRAGMA integrity_check`).Scan(&c.integrity)
	}
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// signInPage signs in through the sign-in page (its cookie is the
// pages').
func (c *client) signInPage(t *testing.T, username string) {
	t.Helper()
	req, _ := http.NewRequest("POST", c.base+"/login", strings.NewReader("username="+username+"&password="+password))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if a := c.send(req); a.Status != http.StatusSeeOther {
		t.Fatalf("sign in %s on the page: %d %.300s", username, a.Status, a.Body)
	}
}

// postVisitForm posts the visit form as a browser does (multipart: it
// takes photos).
func (c *client) postVisitForm(t *testing.T, place string) answer {
	t.Helper()
	var body strings.Builder
	mw := multipart.NewWriter(&body)
	for k, v := range visit(place) {
		_ = mw.WriteField(k, toString(v))
	}
	mw.Close()
	req, _ := http.NewRequest("POST", c.base+"/visits", io.NopCloser(strings.NewReader(body.String())))
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return c.send(req)
}

func toString(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case int:
		return strconv.Itoa(x)
	}
	return ""
}
