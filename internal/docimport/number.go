package docimport

import (
	"regexp"
	"strings"
)

// numberRe finds a 发文字号 in a line: the organ's code (机关代字, Han
// characters), the year in brackets, an optional 第, the serial number and 号.
// Besides the correct 〔〕 it accepts the brackets people type instead
// ([], (), （）, 【】, ［］, 〖〗) and the small ﹝﹞ and ﹙﹚ that web pages
// show, and spaces between the parts because PDF extraction and web editors
// insert them ("株妇发 ﹝ 2014 ﹞ 9 号"). Digits must already be ASCII.
var numberRe = regexp.MustCompile(
	`(\p{Han}+) ?[〔\[(（【［〖﹝﹙] ?(\d{4}) ?[〕\])）】］〗﹞﹚] ?(?:第 ?)?(\d{1,6}) ?号`)

// numberLabelRe matches the label a web page's metadata puts before the
// number ("文号：株妇发〔2014〕9号").
var numberLabelRe = regexp.MustCompile(`^(?:发文字号|发文文号|文号|字号)[：:]?$`)

// signerRe finds the 签发人 label; the names follow it to the end of the line.
var signerRe = regexp.MustCompile(`签 ?发 ?人 ?[：:]`)

// maxHeadLineBytes bounds the lines worth matching as a 发文字号 or 签发人
// line: a number and a few names, even with layout spacing, are far shorter.
// Longer lines are body text, and skipping them keeps Parse linear on huge
// inputs.
const maxHeadLineBytes = 300

// numberLine is what a 发文字号 line holds: the number and, for documents
// sent upward (请示, 报告), the 签发人 on the same line.
type numberLine struct {
	number      string
	signers     []string
	signerLabel bool // 签发人： was on the line, even if the names were not
}

// parseNumberLine reads a line that holds a 发文字号 and nothing else but an
// optional 签发人. A number inside a sentence ("根据哈妇发〔2015〕9号文件精神")
// does not count: only the head of a document has it on a line of its own.
func parseNumberLine(raw string) (numberLine, bool) {
	if len(raw) > maxHeadLineBytes {
		return numberLine{}, false
	}
	s := asciiDigits(raw)
	loc := numberRe.FindStringSubmatchIndex(s)
	if loc == nil {
		return numberLine{}, false
	}
	nl := numberLine{number: formatNumber(s[loc[2]:loc[3]], s[loc[4]:loc[5]], s[loc[6]:loc[7]])}
	rest := s[:loc[0]] + " " + s[loc[1]:]

	if l := signerRe.FindStringIndex(rest); l != nil {
		nl.signerLabel = true
		nl.signers = parseSigners(rest[l[1]:])
		rest = rest[:l[0]]
	}
	if c := compact(rest); c != "" && !numberLabelRe.MatchString(c) {
		return numberLine{}, false
	}
	return nl, true
}

// formatNumber writes a 发文字号 in its one correct form: full-width 〔〕
// around the year, no 第, no leading zeros (哈妇发〔2016〕第012号 is
// 哈妇发〔2016〕12号).
func formatNumber(code, year, serial string) string {
	serial = strings.TrimLeft(serial, "0")
	if serial == "" {
		serial = "0"
	}
	return code + "〔" + year + "〕" + serial + "号"
}

// parseSignerLine reads a line that starts with the 签发人 label, as when
// the label was printed on its own line under the number.
func parseSignerLine(raw string) ([]string, bool) {
	if len(raw) > maxHeadLineBytes {
		return nil, false
	}
	l := signerRe.FindStringIndex(raw)
	if l == nil || compact(raw[:l[0]]) != "" {
		return nil, false
	}
	return parseSigners(raw[l[1]:]), true
}

// parseSigners splits the names after 签发人. Commas and 、 always separate
// names. Spaces are ambiguous: "王丽华 李红梅" is two people, but "杨 杰" is
// one, because documents pad two-character names to the width of three
// ("杨　杰") and PDF extraction also splits names apart. So single characters
// standing alone are glued back into names: two or three of them make one
// name; a longer run is taken as padded two-character names, in pairs.
func parseSigners(s string) []string {
	var names []string
	for _, seg := range strings.FieldsFunc(s, func(r rune) bool { return strings.ContainsRune("、，,；;/／", r) }) {
		names = append(names, groupNameTokens(strings.Fields(seg))...)
	}
	for i, n := range names {
		names[i] = normalizePunct(n) // like every stored text: 杨(杰) is 杨（杰）
	}
	return names
}

func groupNameTokens(tokens []string) []string {
	var names, run []string
	flush := func() {
		switch {
		case len(run) == 0:
		case len(run) <= 3:
			names = append(names, strings.Join(run, ""))
		default:
			for i := 0; i < len(run); i += 2 {
				if i+3 == len(run) { // an odd run ends in one three-character name
					names = append(names, strings.Join(run[i:], ""))
					break
				}
				names = append(names, strings.Join(run[i:i+2], ""))
			}
		}
		run = run[:0]
	}
	for _, t := range tokens {
		if len([]rune(t)) == 1 {
			run = append(run, t)
			continue
		}
		flush()
		names = append(names, t)
	}
	flush()
	return names
}

// isNamesLine reports a line that holds only people's names (tokens of one to
// four Han characters), the continuation of a 签发人 list printed over two
// lines. A title line is longer and ends with the document's type.
func isNamesLine(l line) bool {
	if endsWithDocType(l.norm) || strings.Contains(l.norm, "关于") {
		return false
	}
	tokens := strings.FieldsFunc(l.raw, func(r rune) bool { return r == ' ' || strings.ContainsRune("、，,", r) })
	if len(tokens) == 0 {
		return false
	}
	for _, t := range tokens {
		n := 0
		for _, r := range t {
			if !isHanRune(r) {
				return false
			}
			n++
		}
		if n > 4 {
			return false
		}
	}
	return true
}
