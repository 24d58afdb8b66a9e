package spreadsheet

import (
	"bytes"
	"net/http/httptest"
	"testing"

	"github.com/xuri/excelize/v2"
)

// Amounts are numbers an accountant can sum, shown with separators;
// identity numbers stay text.
func TestMoneyIsANumber(t *testing.T) {
	sh, err := New("台账", []Column{{Title: "身份证号", Width: 22}, {Title: "金额（元）", Width: 12}})
	if err != nil {
		t.Fatal(err)
	}
	for _, row := range [][]any{{"230102197503120026", Money(1000000)}, {"230102198001010027", Money(-12345)}} {
		if err := sh.Add(row...); err != nil {
			t.Fatal(err)
		}
	}
	w := httptest.NewRecorder()
	if err := sh.Send(w, httptest.NewRequest("GET", "/x.xlsx", nil), "台账"); err != nil {
		t.Fatal(err)
	}
	if cc := w.Header().Get("Cache-Control"); cc != "private, no-store" {
		t.Fatalf("Cache-Control %q", cc)
	}
	f, err := excelize.OpenReader(bytes.NewReader(w.Body.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cases := []struct {
		cell, shown, raw string
		typ              excelize.CellType
	}{
		{"A2", "230102197503120026", "230102197503120026", excelize.CellTypeSharedString},
		{"B2", "10,000.00", "10000", excelize.CellTypeNumber},
		{"B3", "-123.45", "-123.45", excelize.CellTypeNumber},
	}
	for _, c := range cases {
		shown, _ := f.GetCellValue("台账", c.cell)
		raw, _ := f.GetCellValue("台账", c.cell, excelize.Options{RawCellValue: true})
		typ, _ := f.GetCellType("台账", c.cell)
		if typ == excelize.CellTypeUnset { // no t="…" attribute: a number, in OOXML
			typ = excelize.CellTypeNumber
		}
		if typ == excelize.CellTypeInlineString {
			typ = excelize.CellTypeSharedString
		}
		if shown != c.shown || raw != c.raw || typ != c.typ {
			t.Errorf("%s: shown %q raw %q type %v; want %q %q %v", c.cell, shown, raw, typ, c.shown, c.raw, c.typ)
		}
	}
}
