package slo

import (
	"encoding"
	"maps"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// unknownFields lists the mapping keys of node that t has no field for, with
// their lines: a misspelt key ("objetive") must be an error, not a silently
// missing setting.
func unknownFields(node *yaml.Node, t reflect.Type, path string, report func(line int, field, msg string)) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	// A text value, or a node kept raw to be read later (a metric
	// source's spec, checked against its own type then).
	if reflect.PointerTo(t).Implements(reflect.TypeFor[encoding.TextUnmarshaler]()) || t == reflect.TypeFor[yaml.Node]() {
		return
	}
	switch {
	case node.Kind == yaml.DocumentNode && len(node.Content) > 0:
		unknownFields(node.Content[0], t, path, report)
	case node.Kind == yaml.MappingNode && t.Kind() == reflect.Struct:
		fields := yamlFields(t)
		for i := 0; i+1 < len(node.Content); i += 2 {
			key, value := node.Content[i], node.Content[i+1]
			f, ok := fields[key.Value]
			if !ok {
				report(key.Line, join(path, key.Value), "unknown field (known: "+strings.Join(slices.Sorted(maps.Keys(fields)), ", ")+")")
				continue
			}
			unknownFields(value, f.Type, join(path, key.Value), report)
		}
	case node.Kind == yaml.MappingNode && t.Kind() == reflect.Map:
		for i := 0; i+1 < len(node.Content); i += 2 {
			unknownFields(node.Content[i+1], t.Elem(), join(path, node.Content[i].Value), report)
		}
	case node.Kind == yaml.SequenceNode && t.Kind() == reflect.Slice:
		for i, item := range node.Content {
			unknownFields(item, t.Elem(), join(path, strconv.Itoa(i)), report)
		}
	}
}

func yamlFields(t reflect.Type) map[string]reflect.StructField {
	fields := map[string]reflect.StructField{}
	for f := range t.Fields() {
		name, opts, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if name == "-" || !f.IsExported() {
			continue
		}
		if strings.Contains(opts, "inline") {
			for k, v := range yamlFields(f.Type) {
				fields[k] = v
			}
			continue
		}
		if name == "" {
			name = strings.ToLower(f.Name)
		}
		fields[name] = f
	}
	return fields
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// lineOf is the line of the key at path (dotted, sequence indexes as
// numbers) in node, or of the deepest part of it that exists.
func lineOf(node *yaml.Node, path string) int {
	if node.Kind == yaml.DocumentNode && len(node.Content) > 0 {
		node = node.Content[0]
	}
	line := node.Line
	if path == "" {
		return line
	}
	for _, key := range strings.Split(path, ".") {
		var next *yaml.Node
		switch node.Kind {
		case yaml.MappingNode:
			for i := 0; i+1 < len(node.Content); i += 2 {
				if node.Content[i].Value == key {
					line, next = node.Content[i].Line, node.Content[i+1]
					break
				}
			}
		case yaml.SequenceNode:
			if i, err := strconv.Atoi(key); err == nil && i >= 0 && i < len(node.Content) {
				next = node.Content[i]
				line = next.Line
			}
		}
		if next == nil {
			break
		}
		node = next
	}
	return line
}
