// Package spreadsheet writes the Excel (.xlsx) files halfsky's lists and
// exports download as: one sheet, a bold header row, data rows streamed
// one by one (excelize's StreamWriter keeps memory flat even for every
// visit in the city), and amounts as real numbers an accountant can sum.
package spreadsheet

import (
	"log/slog"
	"mime"
	"net/http"

	"github.com/xuri/excelize/v2"
)

// Column is a header and its width in characters (0: Excel's default).
type Column struct {
	Title string
	Width float64
}

// Money is an amount in fen (1/100 yuan). A row value of this type is
// written as a number of yuan shown with two decimals and thousands
// separators, not as text.
type Money int64

// Sheet is one workbook being written.
type Sheet struct {
	f     *excelize.File
	sw    *excelize.StreamWriter
	row   int
	money int // style id of Money cells
}

// New starts a workbook with one sheet named name and the columns.
func New(name string, cols []Column) (*Sheet, error) {
	f := excelize.NewFile()
	s, err := start(f, name, cols)
	if err != nil {
		f.Close()
		return nil, err
	}
	return s, nil
}

func start(f *excelize.File, name string, cols []Column) (*Sheet, error) {
	if err := f.SetSheetName("Sheet1", name); err != nil {
		return nil, err
	}
	sw, err := f.NewStreamWriter(name)
	if err != nil {
		return nil, err
	}
	for i, c := range cols {
		if c.Width > 0 {
			if err := sw.SetColWidth(i+1, i+1, c.Width); err != nil {
				return nil, err
			}
		}
	}
	bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	if err != nil {
		return nil, err
	}
	money, err := f.NewStyle(&excelize.Style{NumFmt: 4}) // #,##0.00
	if err != nil {
		return nil, err
	}
	head := make([]any, len(cols))
	for i, c := range cols {
		head[i] = excelize.Cell{StyleID: bold, Value: c.Title}
	}
	if err := sw.SetRow("A1", head, excelize.RowOpts{StyleID: bold}); err != nil {
		return nil, err
	}
	return &Sheet{f: f, sw: sw, row: 1, money: money}, nil
}

// Add appends a data row.
func (s *Sheet) Add(vals ...any) error {
	for i, v := range vals {
		if m, ok := v.(Money); ok {
			vals[i] = excelize.Cell{StyleID: s.money, Value: float64(m) / 100}
		}
	}
	s.row++
	cell, _ := excelize.CoordinatesToCellName(1, s.row)
	return s.sw.SetRow(cell, vals)
}

// Send finishes the workbook and writes it as a private download named
// filename.xlsx. The workbook is closed either way.
func (s *Sheet) Send(w http.ResponseWriter, r *http.Request, filename string) error {
	defer s.f.Close()
	if err := s.sw.Flush(); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": filename + ".xlsx"}))
	w.Header().Set("Cache-Control", "private, no-store")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	if _, err := s.f.WriteTo(w); err != nil {
		// headers are gone: all that is left is to log it
		slog.Error("excel export", "path", r.URL.Path, "err", err)
	}
	return nil
}

// Close discards the workbook (after Send it is already closed).
func (s *Sheet) Close() { s.f.Close() }
