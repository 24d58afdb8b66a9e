package web

import (
	"log/slog"
	"mime"
	"net/http"

	"github.com/xuri/excelize/v2"
)

// sheet is one Excel export being written: a bold header row, then data
// rows streamed one by one (excelize's StreamWriter keeps memory flat even
// for a list of every visit in the city).
type sheet struct {
	f   *excelize.File
	sw  *excelize.StreamWriter
	row int
}

// Column is a header and its width in characters (0: Excel's default).
type Column struct {
	Title string
	Width float64
}

// newSheet starts a workbook with one sheet named name and the columns.
func newSheet(name string, cols []Column) (*sheet, error) {
	f := excelize.NewFile()
	if err := f.SetSheetName("Sheet1", name); err != nil {
		f.Close()
		return nil, err
	}
	sw, err := f.NewStreamWriter(name)
	if err != nil {
		f.Close()
		return nil, err
	}
	for i, c := range cols {
		if c.Width > 0 {
			if err := sw.SetColWidth(i+1, i+1, c.Width); err != nil {
				f.Close()
				return nil, err
			}
		}
	}
	bold, _ := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	head := make([]any, len(cols))
	for i, c := range cols {
		head[i] = excelize.Cell{StyleID: bold, Value: c.Title}
	}
	s := &sheet{f: f, sw: sw, row: 1}
	if err := sw.SetRow("A1", head, excelize.RowOpts{StyleID: bold}); err != nil {
		f.Close()
		return nil, err
	}
	return s, nil
}

// Add appends a data row.
func (s *sheet) Add(vals ...any) error {
	s.row++
	cell, _ := excelize.CoordinatesToCellName(1, s.row)
	return s.sw.SetRow(cell, vals)
}

// Send finishes the workbook and writes it as a download named
// filename.xlsx. The workbook is closed either way.
func (s *sheet) Send(w http.ResponseWriter, r *http.Request, filename string) error {
	defer s.f.Close()
	if err := s.sw.Flush(); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": filename + ".xlsx"}))
	w.Header().Set("Cache-Control", "private, no-store")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	if err := s.f.Write(w); err != nil {
		// headers are gone: all that is left is to log it
		slog.Error("excel export", "path", r.URL.Path, "err", err)
	}
	return nil
}

// Close discards an unfinished workbook.
func (s *sheet) Close() { s.f.Close() }
