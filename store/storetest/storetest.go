// Package storetest gives tests the real embedded engine: one per test
// process (the engine cannot be opened twice), and a migrated database of
// its own to every test. It is for tests only; when the engine cannot
// load, every test of the package fails, none is skipped.
package storetest

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/slopipe/slopipe/store"
)

var dataDir string

// Main runs a package's tests with the engine open in a temporary data
// directory; call it from TestMain: os.Exit(storetest.Main(m, "evaluator")).
func Main(m *testing.M, name string) int {
	dir, err := os.MkdirTemp("", "slopipe-"+name+"-test")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	first, err := store.OpenEmbedded("", dir, strings.ReplaceAll(name, "-", "_")+"_test")
	if err != nil {
		fmt.Fprintf(os.Stderr, "%s tests need the embedded engine (set SLOPIPE_LIBCHDB, or run make test): %v\n", name, err)
		return 1
	}
	defer first.Close()
	dataDir = dir
	return m.Run()
}

// Open returns a store over a database named after the test, with
// slopipe's schema.
func Open(t testing.TB) store.Store {
	t.Helper()
	if dataDir == "" {
		t.Fatal("storetest.Open needs storetest.Main in the package's TestMain")
	}
	db := strings.ToLower(strings.NewReplacer("/", "_", " ", "_", "-", "_").Replace(t.Name()))
	s, err := store.OpenEmbedded("", dataDir, db)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := store.Migrate(context.Background(), s, store.SchemaOptions{}); err != nil {
		t.Fatal(err)
	}
	return s
}
