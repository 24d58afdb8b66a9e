package web

import "halfsky/internal/spreadsheet"

// Column is a spreadsheet column: its header and its width in characters
// (0: Excel's default). Kept here so the pages can list columns unkeyed.
type Column struct {
	Title string
	Width float64
}

// sheet is an Excel export being written (see internal/spreadsheet).
type sheet = spreadsheet.Sheet

// newSheet starts a workbook with one sheet named name and the columns.
func newSheet(name string, cols []Column) (*sheet, error) {
	out := make([]spreadsheet.Column, len(cols))
	for i, c := range cols {
		out[i] = spreadsheet.Column(c)
	}
	return spreadsheet.New(name, out)
}

// money is an amount in fen for a spreadsheet cell: a number of yuan.
func money(fen int64) spreadsheet.Money { return spreadsheet.Money(fen) }
