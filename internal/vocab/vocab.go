// Package vocab holds what the modules' vocabularies share: a stored key
// with its Chinese label, and the look-ups on a list of them. Each module
// defines its own lists (statuses, kinds, categories, levels) once, in its
// own package; pages, the API, exports, statistics and the work desk read
// the labels from there.
package vocab

import "unicode/utf8"

// Option is a stored key with its Chinese label, for selects, tables and
// the API's option lists.
type Option struct {
	Key   string `json:"key"`
	Label string `json:"label"`
}

// Label is the label of key in opts, or key itself when it is not listed.
func Label(opts []Option, key string) string {
	for _, o := range opts {
		if o.Key == key {
			return o.Label
		}
	}
	return key
}

// Known reports whether key is one of opts.
func Known(opts []Option, key string) bool {
	for _, o := range opts {
		if o.Key == key {
			return true
		}
	}
	return false
}

// TooLong reports whether s has more than n characters (runes, not bytes).
func TooLong(s string, n int) bool { return utf8.RuneCountInString(s) > n }
