package main

import (
	"fmt"
	"os"
	"regexp"
	"strings"

	"go.yaml.in/yaml/v3"
)

// The collector names a bad setting by its path ("processors::tenant:
// limits.rate: …"); users edit files by line. locateConfigError finds that
// path in the configuration files given with --config and puts file:line
// in front of the error.

var (
	// processors::tenant: limits.rate: … or exporters::clickhouse::sending_queue: `queue_size` …
	validationPath = regexp.MustCompile("\\b((?:receivers|processors|exporters|extensions|connectors|service)(?:::[\\w/.-]+)+): (?:([\\w.]+): |`([\\w.]+)`)?")
	// 'receivers' error reading configuration for "otlp": … 'protocols.grpc' decoding failed … has invalid keys: endpont
	readingComponent = regexp.MustCompile(`'(\w+)' error reading configuration for "([^"]+)"`)
	decodingPath     = regexp.MustCompile(`'([\w.]+)' (?:decoding failed|expected)`)
	invalidKeys      = regexp.MustCompile(`has invalid keys: ([\w.-]+)`)
)

// configErrorPath is the configuration path an error message points at,
// outermost key first; nil when it names none.
func configErrorPath(msg string) []string {
	if m := validationPath.FindStringSubmatch(msg); m != nil {
		path := strings.Split(m[1], "::")
		if field := m[2] + m[3]; field != "" {
			path = append(path, strings.Split(field, ".")...)
		}
		return path
	}
	m := readingComponent.FindStringSubmatch(msg)
	if m == nil {
		return nil
	}
	path := []string{m[1], m[2]}
	rest := msg[strings.Index(msg, m[0])+len(m[0]):]
	for _, d := range decodingPath.FindAllStringSubmatch(rest, -1) {
		path = append(path, strings.Split(d[1], ".")...)
	}
	if k := invalidKeys.FindStringSubmatch(rest); k != nil {
		path = append(path, k[1])
	}
	return path
}

// configFiles are the files among the --config arguments; other sources
// (yaml:, env:, the built-in default) have no lines to point at.
func configFiles(args []string) []string {
	var files []string
	for i := 0; i < len(args); i++ {
		var value string
		switch arg := args[i]; {
		case arg == "--config" && i+1 < len(args):
			value = args[i+1]
			i++
		case strings.HasPrefix(arg, "--config="):
			value = strings.TrimPrefix(arg, "--config=")
		default:
			continue
		}
		if path, ok := strings.CutPrefix(value, "file:"); ok {
			files = append(files, path)
		} else if !strings.Contains(value, ":") || strings.HasPrefix(value, "/") || strings.HasPrefix(value, ".") {
			files = append(files, value)
		}
	}
	return files
}

// locateConfigError prefixes err with the file and line of the deepest key
// of its path found in files (the last file wins a tie, as it overrides the
// earlier ones).
func locateConfigError(err error, files []string) error {
	path := configErrorPath(err.Error())
	if len(path) == 0 {
		return err
	}
	bestFile, bestLine, bestDepth := "", 0, 0
	for _, file := range files {
		line, depth := findKey(file, path)
		if depth > 0 && depth >= bestDepth {
			bestFile, bestLine, bestDepth = file, line, depth
		}
	}
	if bestDepth == 0 {
		return err
	}
	return fmt.Errorf("%s:%d: %w", bestFile, bestLine, err)
}

// findKey walks path through the YAML file's mappings and returns the line
// of the deepest key found and how many keys deep it is.
func findKey(file string, path []string) (line, depth int) {
	text, err := os.ReadFile(file)
	if err != nil {
		return 0, 0
	}
	var doc yaml.Node
	if yaml.Unmarshal(text, &doc) != nil || len(doc.Content) == 0 {
		return 0, 0
	}
	node := doc.Content[0]
	for _, key := range path {
		if node.Kind != yaml.MappingNode {
			break
		}
		var next *yaml.Node
		for i := 0; i+1 < len(node.Content); i += 2 {
			if node.Content[i].Value == key {
				line, next = node.Content[i].Line, node.Content[i+1]
				depth++
				break
			}
		}
		if next == nil {
			break
		}
		node = next
	}
	return line, depth
}
