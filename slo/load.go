package slo

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Set is what a directory of specs holds: the SLOs and slopipe's overrides
// of them.
type Set struct {
	SLOs      []SLO
	Overrides Overrides
}

// Load reads the SLO specs in paths — files, or directories searched for
// *.yaml and *.yml — in Sloth's prometheus/v1 or OpenSLO v1 format, and
// returns the SLOs and every problem found, each naming the file, line,
// SLO and field. An SLO with a problem is left out; the others are returned.
func Load(paths ...string) ([]SLO, Problems) {
	set, problems := LoadSet(paths...)
	return set.SLOs, problems
}

// LoadSet is Load with the slopipe/v1 Overrides documents among the specs.
// An override naming an SLO that does not exist is a problem.
func LoadSet(paths ...string) (Set, Problems) {
	var files []string
	var problems Problems
	for _, p := range paths {
		found, err := specFiles(p)
		if err != nil {
			problems = append(problems, Problem{File: p, Msg: err.Error()})
		}
		files = append(files, found...)
	}
	var out []SLO
	var overrides Overrides
	var refs []overridesEntry
	openSLO := newOpenSLOSet()
	for _, file := range files {
		slos, ps := loadFile(file, openSLO, &overrides, &refs)
		out = append(out, slos...)
		problems = append(problems, ps...)
	}
	slos, ps := openSLO.resolve()
	out = append(out, slos...)
	problems = append(problems, ps...)

	first := map[string]string{}
	kept := out[:0]
	for _, s := range out {
		if other, dup := first[s.Name]; dup {
			problems = append(problems, Problem{File: s.File, SLO: s.Name, Msg: "defined again (first in " + other + ")"})
			continue
		}
		first[s.Name] = s.File
		kept = append(kept, s)
	}
	for _, r := range refs {
		if _, ok := first[r.slo]; !ok {
			problems = append(problems, Problem{File: r.file, Line: r.line, Field: r.field, Msg: fmt.Sprintf("no SLO is named %q", r.slo)})
		}
	}
	sort.SliceStable(problems, func(i, j int) bool {
		if problems[i].File != problems[j].File {
			return problems[i].File < problems[j].File
		}
		return problems[i].Line < problems[j].Line
	})
	return Set{SLOs: kept, Overrides: overrides}, problems
}

func specFiles(path string) ([]string, error) {
	info, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if !info.IsDir() {
		return []string{path}, nil
	}
	var files []string
	err = filepath.WalkDir(path, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if ext := filepath.Ext(p); !d.IsDir() && (ext == ".yaml" || ext == ".yml") {
			files = append(files, p)
		}
		return nil
	})
	sort.Strings(files)
	return files, err
}

var yamlLine = regexp.MustCompile(`^yaml: (?:line (\d+): )?(.*)$`)

// loadFile reads one file's documents: Sloth ones become SLOs here,
// OpenSLO ones join the set, resolved once every file is read.
func loadFile(file string, openSLO *openSLOSet, overrides *Overrides, refs *[]overridesEntry) ([]SLO, Problems) {
	f, err := os.Open(file)
	if err != nil {
		return nil, Problems{{File: file, Msg: err.Error()}}
	}
	defer f.Close()
	var out []SLO
	var problems Problems
	dec := yaml.NewDecoder(f)
	for {
		var doc yaml.Node
		err := dec.Decode(&doc)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			p := Problem{File: file, Msg: err.Error()}
			if m := yamlLine.FindStringSubmatch(err.Error()); m != nil {
				p.Line, _ = strconv.Atoi(m[1])
				p.Msg = m[2]
			}
			return out, append(problems, p)
		}
		if len(doc.Content) == 0 || doc.Content[0].Kind != yaml.MappingNode {
			continue // an empty document between ---
		}
		switch {
		case hasKey(&doc, "version"):
			if v := keyValue(&doc, "version"); v != "prometheus/v1" {
				problems = append(problems, Problem{File: file, Line: lineOf(&doc, "version"), Field: "version",
					Msg: fmt.Sprintf("%q: slopipe reads Sloth's prometheus/v1", v)})
				continue
			}
			slos, ps := parseSloth(file, &doc)
			out = append(out, slos...)
			problems = append(problems, ps...)
		case keyValue(&doc, "apiVersion") == "slopipe/v1":
			problems = append(problems, parseOverrides(file, &doc, overrides, refs)...)
		case hasKey(&doc, "apiVersion"):
			problems = append(problems, openSLO.add(file, &doc)...)
		default:
			problems = append(problems, Problem{File: file, Line: lineOf(&doc, ""),
				Msg: "neither a Sloth spec (version: prometheus/v1), an OpenSLO document (apiVersion: openslo/v1) nor slopipe overrides (apiVersion: slopipe/v1)"})
		}
	}
	return out, problems
}

func hasKey(doc *yaml.Node, key string) bool { return keyValue(doc, key) != "\x00" }

// keyValue is the scalar under a top-level key, "\x00" when absent.
func keyValue(doc *yaml.Node, key string) string {
	m := doc.Content[0]
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return strings.TrimSpace(m.Content[i+1].Value)
		}
	}
	return "\x00"
}
