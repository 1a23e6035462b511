package slo

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// SpecDir is a spec directory read again when it changes, with the one
// policy every component that reads it follows, so that they always run
// the same SLOs: a set is applied when it has no problems, or while no set
// without problems has been applied yet (the SLOs that validate rather
// than none); after that, a change with problems is refused and the last
// good set keeps running.
type SpecDir struct {
	Path        string
	fingerprint string
	read        bool
	good        bool
}

// SpecDirChange is what Reload found.
type SpecDirChange struct {
	Set      Set
	Problems Problems
	// Apply says Set replaces the running set; when false, Problems are
	// those of a change that was refused.
	Apply bool
}

// Reload reads the directory if it changed since the last call; nil when
// it did not. An unreadable directory is an error on the first call only
// (it may appear later) and no change after that.
func (d *SpecDir) Reload() (*SpecDirChange, error) {
	fp, err := DirFingerprint(d.Path)
	if err != nil {
		first := !d.read
		d.read = true
		if first {
			return nil, err
		}
		return nil, nil
	}
	if d.read && fp == d.fingerprint {
		return nil, nil
	}
	d.read, d.fingerprint = true, fp
	set, problems := LoadSet(d.Path)
	c := &SpecDirChange{Set: set, Problems: problems, Apply: len(problems) == 0 || !d.good}
	d.good = d.good || len(problems) == 0
	return c, nil
}

// DirFingerprint changes when a spec file is added, removed or modified.
func DirFingerprint(dir string) (string, error) {
	var parts []string
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		parts = append(parts, fmt.Sprintf("%s %d %d", p, info.Size(), info.ModTime().UnixNano()))
		return nil
	})
	sort.Strings(parts)
	return strings.Join(parts, "\n"), err
}
