package cli

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"halfsky/internal/apperr"
	"halfsky/internal/auth"
	"halfsky/internal/doc"
	"halfsky/internal/docfile"
	"halfsky/internal/docimport"
	"halfsky/internal/incoming"
	"halfsky/internal/org"
	"halfsky/internal/vault"
)

// importDoc reads a 公文 from a file — .txt, .docx, PDF or OFD, told apart
// by content — and prints its elements: --json as JSON (with "warnings"
// beside them), otherwise as a list followed by a 提示 line for each
// missing element. --as USERNAME also saves it as a draft of that user's
// unit; --register --as USERNAME instead enters it in that unit's 收文登记簿
// with the file kept as the original. A file that cannot be read gets the
// reason; text that is not a 公文 gets the found/missing report; both exit
// with status 2.
func importDoc(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("import-doc", flag.ContinueOnError)
	asJSON := fs.Bool("json", false, "print the elements as JSON")
	as := fs.String("as", "", "save as a draft of this user's unit (or, with --register, register it there)")
	register := fs.Bool("register", false, "register it as a received document (收文) of the --as user's unit")
	received := fs.String("received", "", "收文日期 YYYY-MM-DD for --register (default today)")
	fs.SetOutput(out)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 || (*register && *as == "") {
		return exitError{2, "usage: halfsky import-doc [--json] [--as USERNAME [--register [--received YYYY-MM-DD]]] FILE"}
	}
	data, err := os.ReadFile(fs.Arg(0))
	if err != nil {
		return err
	}
	if *register { // incoming.Read reads the file itself
		return registerImported(ctx, *as, incoming.Upload{FileName: filepath.Base(fs.Arg(0)), File: data,
			Typed: incoming.Fields{ReceivedOn: *received}}, out)
	}
	ex, err := docfile.Extract(ctx, filepath.Base(fs.Arg(0)), data)
	var fe *docfile.Error
	if errors.As(err, &fe) {
		if *asJSON {
			json.NewEncoder(out).Encode(map[string]any{"error": fe.Code, "message": fe.Message})
		} else {
			fmt.Fprintf(out, "不能读取：%s\n", fe.Message)
		}
		return exitError{2, "import-doc: " + fs.Arg(0) + ": " + fe.Code}
	}
	if err != nil {
		return err
	}
	parsed, rep, err := docimport.Parse(ex.Text)
	if errors.Is(err, docimport.ErrNotDocument) {
		if *asJSON {
			json.NewEncoder(out).Encode(map[string]any{"error": "not_a_document", "found": rep.Found, "missing": rep.Missing})
		} else {
			fmt.Fprintf(out, "不是公文：\n  识别到：%s\n  缺少：%s\n", join(rep.Found), join(rep.Missing))
		}
		return exitError{2, "import-doc: " + fs.Arg(0) + " is not an official document"}
	}
	if err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(out)
		enc.SetEscapeHTML(false)
		enc.SetIndent("", "  ")
		// The document's fields stay at the top level (scripts read them
		// there); the warnings go beside them.
		if err := enc.Encode(importedJSON{parsed, rep.Warnings}); err != nil {
			return err
		}
	} else {
		printParsed(out, parsed, rep)
	}
	if *as == "" {
		return nil
	}
	return saveImported(ctx, *as, parsed, out)
}

// importedJSON is what import-doc --json prints: the parsed document and
// what the user should check in it.
type importedJSON struct {
	docimport.Document
	Warnings []string `json:"warnings"`
}

func join(s []string) string {
	if len(s) == 0 {
		return "（无）"
	}
	return strings.Join(s, "、")
}

func printParsed(out io.Writer, p docimport.Document, rep docimport.Report) {
	row := func(k, v string) {
		if v != "" {
			fmt.Fprintf(out, "%-8s %s\n", k, v)
		}
	}
	row("份号", p.CopyNo)
	row("密级", p.Secret)
	row("紧急程度", p.Urgency)
	row("发文机关标志", p.IssuerMark)
	row("发文字号", p.Number)
	row("签发人", strings.Join(p.Signers, " "))
	row("标题", p.Title)
	row("主送机关", p.Recipients)
	fmt.Fprintf(out, "正文（%d 段）\n", len(p.Body))
	for i, para := range p.Body {
		fmt.Fprintf(out, "  %d. %s\n", i+1, para)
	}
	row("附件说明", strings.Join(p.Attachments, "；"))
	row("发文机关署名", p.Signature)
	row("成文日期", p.Date)
	row("附注", p.Note)
	row("抄送机关", p.CC)
	row("印发机关", p.PrintedBy)
	row("印发日期", p.PrintedDate)
	if len(rep.Missing) > 0 {
		fmt.Fprintf(out, "缺少：%s\n", join(rep.Missing))
	}
	for _, w := range rep.Warnings {
		fmt.Fprintf(out, "提示：%s\n", w)
	}
}

// saveImported stores the parsed document as a draft of the user's unit.
func saveImported(ctx context.Context, username string, p docimport.Document, out io.Writer) error {
	_, d, err := open(ctx, "import-doc", nil, nil)
	if err != nil {
		return err
	}
	defer d.Close()
	if _, err := d.Migrate(ctx); err != nil {
		return err
	}
	orgs := &org.Store{DB: d}
	u, err := auth.NewService(d, orgs).UserByUsername(ctx, username)
	if err != nil {
		return exitError{1, "no such user: " + username}
	}
	a := u.Actor("")
	docs := doc.NewService(d, orgs)
	base, err := docs.Defaults(ctx, a)
	if err != nil {
		return err
	}
	unit, err := orgs.ByID(ctx, d.Q(), u.OrgID)
	if err != nil {
		return err
	}
	f, unknown := docs.FromImport(ctx, unit, base, p)
	saved, err := docs.Create(ctx, a, f)
	if err != nil {
		return describe(err)
	}
	fmt.Fprintf(out, "已保存为%s的草稿（编号 %d）", unit.Name, saved.ID)
	if len(unknown) > 0 {
		fmt.Fprintf(out, "；以下收文单位未能识别，请在网页上选择：%s", strings.Join(unknown, "、"))
	}
	fmt.Fprintln(out)
	return nil
}

// registerImported enters a read file in the user's unit's 收文登记簿.
func registerImported(ctx context.Context, username string, up incoming.Upload, out io.Writer) error {
	// The file is read before the database is opened: a file that cannot
	// be read touches nothing.
	in, rd, err := incoming.Read(ctx, up)
	if err != nil {
		if e := apperr.From(err); e.Fields["file"] != "" {
			fmt.Fprintf(out, "不能读取：%s\n", e.Fields["file"])
		} else if len(rd.Found)+len(rd.Missing) > 0 {
			fmt.Fprintf(out, "不是公文：\n  识别到：%s\n  缺少：%s\n", join(rd.Found), join(rd.Missing))
		}
		return exitError{2, "import-doc: " + describe(err).Error()}
	}
	cfg, d, err := open(ctx, "import-doc", nil, nil)
	if err != nil {
		return err
	}
	defer d.Close()
	if _, err := d.Migrate(ctx); err != nil {
		return err
	}
	// The original file is sealed like every attachment.
	keys, _, err := vault.Load(cfg.KeyFilePath(), cfg.Keys)
	if err != nil {
		return err
	}
	orgs := &org.Store{DB: d}
	u, err := auth.NewService(d, orgs).UserByUsername(ctx, username)
	if err != nil {
		return exitError{1, "no such user: " + username}
	}
	rec, err := incoming.NewService(d, orgs, keys).Register(ctx, u.Actor(""), in)
	if err != nil {
		return describe(err)
	}
	fmt.Fprintf(out, "已登记为%s：%s（%s", rec.Number(), rec.Title, rec.FromUnit)
	if rec.FromNumber != "" {
		fmt.Fprintf(out, " %s", rec.FromNumber)
	}
	fmt.Fprintln(out, "）")
	for _, w := range rec.Warnings {
		fmt.Fprintf(out, "提示：%s\n", w)
	}
	return nil
}
