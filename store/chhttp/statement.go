package chhttp

import (
	"strings"
	"unicode"
)

// statement is what the HTTP interface needs to know of a SQL text before
// handing it to the engine: its kind, its FORMAT clause, where its SETTINGS
// clause is and, for an INSERT, where inline data starts.
type statement struct {
	text string
	kind string // first keyword, upper case: SELECT, INSERT, CREATE, …
	// format is the output (or, for INSERT, input) format named by a FORMAT
	// clause; "Values" for INSERT … VALUES.
	format string
	// formatAt is the byte offset of the FORMAT (or VALUES) keyword, -1 if none.
	formatAt int
	// dataAt is where inline INSERT data starts (after the format name), -1 if none.
	dataAt int
	// settingsAt is the offset of a top-level SETTINGS keyword, -1 if none.
	settingsAt int
	// insertSelect is true for INSERT … SELECT, which carries no data.
	insertSelect bool
	// syncAt and syncEnd span the SYNC (or NO DELAY) modifier of a DROP or
	// DETACH statement; syncAt is -1 if there is none.
	syncAt, syncEnd int
}

type token struct {
	start, end int
	word       string // upper-cased bare word, "" for anything else
	depth      int
}

// tokenize walks SQL text, skipping strings, quoted identifiers and comments,
// and returns the bare words and punctuation with their nesting depth. It
// stops early, after the token that made stop (given all tokens so far) true.
func tokenize(text string, stop func(toks []token) bool) []token {
	var toks []token
	depth := 0
	i := 0
	emit := func(t token) bool {
		toks = append(toks, t)
		return stop != nil && stop(toks)
	}
	for i < len(text) {
		c := text[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f':
			i++
		case c == '-' && i+1 < len(text) && text[i+1] == '-', c == '#':
			for i < len(text) && text[i] != '\n' {
				i++
			}
		case c == '/' && i+1 < len(text) && text[i+1] == '*':
			end := strings.Index(text[i+2:], "*/")
			if end < 0 {
				return toks
			}
			i += end + 4
		case c == '\'' || c == '"' || c == '`':
			start := i
			i++
			for i < len(text) && text[i] != c {
				if text[i] == '\\' {
					i++
				}
				i++
			}
			i++
			if emit(token{start: start, end: min(i, len(text)), depth: depth}) {
				return toks
			}
		case c == '(' || c == '[':
			if emit(token{start: i, end: i + 1, depth: depth}) {
				return toks
			}
			depth++
			i++
		case c == ')' || c == ']':
			depth--
			if emit(token{start: i, end: i + 1, depth: depth}) {
				return toks
			}
			i++
		case c == '_' || unicode.IsLetter(rune(c)):
			start := i
			for i < len(text) && (text[i] == '_' || text[i] == '.' || unicode.IsLetter(rune(text[i])) || unicode.IsDigit(rune(text[i]))) {
				i++
			}
			if emit(token{start: start, end: i, word: strings.ToUpper(text[start:i]), depth: depth}) {
				return toks
			}
		default:
			if emit(token{start: i, end: i + 1, depth: depth}) {
				return toks
			}
			i++
		}
	}
	return toks
}

// parseStatement reads the clauses of text that the HTTP interface acts on.
// It is not a SQL parser: the engine parses and reports errors; this only
// finds the clause boundaries, skipping strings, quoted names and comments.
func parseStatement(text string) statement {
	st := statement{text: text, formatAt: -1, dataAt: -1, settingsAt: -1, syncAt: -1}
	isInsert := false
	toks := tokenize(text, func(toks []token) bool {
		t := toks[len(toks)-1]
		if st.kind == "" && t.word != "" {
			st.kind = t.word
			isInsert = t.word == "INSERT"
		}
		// For an INSERT, everything after the format name is data: stop there.
		if !isInsert || t.depth != 0 {
			return false
		}
		if t.word == "VALUES" {
			return true
		}
		return len(toks) > 1 && toks[len(toks)-2].word == "FORMAT" && toks[len(toks)-2].depth == 0 && t.word != ""
	})
	for i, t := range toks {
		if t.depth != 0 {
			continue
		}
		switch t.word {
		case "SETTINGS":
			if st.settingsAt < 0 || st.kind != "INSERT" {
				st.settingsAt = t.start
			}
		case "SELECT", "WITH":
			if isInsert && i > 0 {
				st.insertSelect = true
			}
		case "VALUES":
			if isInsert {
				st.format, st.formatAt, st.dataAt = "Values", t.start, t.end
			}
		case "FORMAT":
			if i+1 < len(toks) && toks[i+1].word != "" && i > 0 {
				next := toks[i+1]
				// A FORMAT clause ends the statement (but for SETTINGS or data).
				if isInsert || i+2 == len(toks) || toks[i+2].word == "SETTINGS" || text[toks[i+2].start] == ';' {
					st.format = text[next.start:next.end]
					st.formatAt = t.start
					if isInsert {
						st.dataAt = next.end
					}
				}
			}
		}
	}
	if st.settingsAt >= 0 && st.formatAt >= 0 && st.settingsAt > st.formatAt && isInsert {
		// SETTINGS after FORMAT in an INSERT is inside the data.
		st.settingsAt = -1
	}
	if st.kind == "DROP" || st.kind == "DETACH" {
		st.syncAt, st.syncEnd = syncModifier(text, toks)
	}
	return st
}

// syncModifier finds the SYNC (or its older spelling NO DELAY) that ends a
// DROP or DETACH statement: after the first name, followed by nothing but a
// SETTINGS or FORMAT clause or a semicolon, and not itself a name (after a
// comma, a dot or ON CLUSTER). It returns the modifier's byte span, or -1, -1.
func syncModifier(text string, toks []token) (start, end int) {
	punct := func(t token, c byte) bool { return t.word == "" && t.end-t.start == 1 && text[t.start] == c }
	// The first name follows DROP|DETACH [TEMPORARY] TABLE|DATABASE|VIEW|DICTIONARY [IF EXISTS|EMPTY].
	i := 1
	if i < len(toks) && toks[i].word == "TEMPORARY" {
		i++
	}
	if i >= len(toks) {
		return -1, -1
	}
	switch toks[i].word {
	case "TABLE", "DATABASE", "VIEW", "DICTIONARY":
		i++
	default:
		return -1, -1
	}
	if i+1 < len(toks) && toks[i].word == "IF" && (toks[i+1].word == "EXISTS" || toks[i+1].word == "EMPTY") {
		i += 2
	}
	for j := i + 1; j < len(toks); j++ {
		t, last := toks[j], j
		switch {
		case t.depth != 0:
			continue
		case t.word == "SYNC":
		case t.word == "NO" && j+1 < len(toks) && toks[j+1].word == "DELAY":
			last = j + 1
		default:
			continue
		}
		prev := toks[j-1]
		if punct(prev, ',') || punct(prev, '.') || prev.word == "CLUSTER" && toks[j-2].word == "ON" {
			continue // a name
		}
		if last+1 < len(toks) {
			next := toks[last+1]
			if next.word != "SETTINGS" && next.word != "FORMAT" && !punct(next, ';') {
				continue
			}
		}
		return t.start, toks[last].end
	}
	return -1, -1
}

// acceptsSettings says whether a statement of this kind produces a result set
// that a SETTINGS clause can be added to.
func (s statement) acceptsSettings() bool {
	switch s.kind {
	case "SELECT", "WITH", "INSERT":
		return true
	}
	return false
}

// withSettings returns the statement text (without the FORMAT clause for an
// INSERT, whose data the caller spools) with extra settings added to its
// SETTINGS clause.
func (s statement) withSettings(extra string) string {
	text := strings.TrimRight(strings.TrimSpace(s.text), ";")
	if extra == "" || !s.acceptsSettings() {
		return text
	}
	if s.settingsAt >= 0 {
		at := s.settingsAt + len("SETTINGS")
		return text[:at] + " " + extra + "," + text[at:]
	}
	if s.formatAt >= 0 && s.kind != "INSERT" {
		return strings.TrimRight(text[:s.formatAt], " \t\r\n") + " SETTINGS " + extra + " " + text[s.formatAt:]
	}
	return text + " SETTINGS " + extra
}

// withoutSync returns the statement with its SYNC modifier taken out.
func (s statement) withoutSync() statement {
	if s.syncAt < 0 {
		return s
	}
	return parseStatement(s.text[:s.syncAt] + s.text[s.syncEnd:])
}
