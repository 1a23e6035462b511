package chdb_test

import (
	"errors"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/slopipe/slopipe/store/chdb"
)

var engine *chdb.Engine

func TestMain(m *testing.M) {
	// The restart test runs this binary again as a child that writes to a
	// data directory and exits, as a daemon would.
	if dir := os.Getenv("CHDB_TEST_CHILD_DIR"); dir != "" {
		os.Exit(child(dir))
	}
	dir, err := os.MkdirTemp("", "chdb-test")
	if err != nil {
		panic(err)
	}
	engine, err = chdb.Open(chdb.LibraryPath(""), dir)
	if err != nil {
		// No skip: without the engine these tests cannot say anything.
		println("engine tests need libchdb:", err.Error())
		os.Exit(1)
	}
	code := m.Run()
	engine.Close()
	os.RemoveAll(dir)
	os.Exit(code)
}

func child(dir string) int {
	e, err := chdb.Open(chdb.LibraryPath(""), dir)
	if err != nil {
		println(err.Error())
		return 2
	}
	stmt := "CREATE TABLE IF NOT EXISTS kept (n UInt64) ENGINE = MergeTree ORDER BY n"
	if _, err := e.Query(stmt, "TabSeparated"); err != nil {
		println(err.Error())
		return 3
	}
	if os.Getenv("CHDB_TEST_CHILD_ACTION") == "count" {
		res, err := e.Query("SELECT count() FROM kept", "TabSeparated")
		if err != nil {
			println(err.Error())
			return 4
		}
		os.Stdout.Write(res.Data)
		return 0
	}
	if _, err := e.Query("INSERT INTO kept SELECT number FROM numbers(1000)", "TabSeparated"); err != nil {
		println(err.Error())
		return 4
	}
	return 0
}

func TestVersionIs26_5(t *testing.T) {
	res, err := engine.Query("SELECT version()", "TabSeparated")
	if err != nil {
		t.Fatal(err)
	}
	if v := strings.TrimSpace(string(res.Data)); !strings.HasPrefix(v, "26.5.") {
		t.Fatalf("engine version %q, want 26.5.x", v)
	}
}

func TestErrorsCarryCodeAndName(t *testing.T) {
	_, err := engine.Query("SELECT * FROM nowhere_at_all", "TabSeparated")
	var e *chdb.Error
	if !errors.As(err, &e) {
		t.Fatalf("got %v, want *chdb.Error", err)
	}
	if e.Code != 60 || e.Name != "UNKNOWN_TABLE" || !strings.Contains(e.Message, "nowhere_at_all") {
		t.Fatalf("got code %d name %q message %q", e.Code, e.Name, e.Message)
	}
}

func TestRowsWrittenIsReported(t *testing.T) {
	if _, err := engine.Query("CREATE TABLE w (n UInt64) ENGINE = MergeTree ORDER BY n", "TabSeparated"); err != nil {
		t.Fatal(err)
	}
	res, err := engine.Query("INSERT INTO w SELECT number FROM numbers(12345)", "TabSeparated")
	if err != nil {
		t.Fatal(err)
	}
	if res.RowsWritten != 12345 {
		t.Fatalf("rows written %d, want 12345", res.RowsWritten)
	}
}

func TestParamsBinding(t *testing.T) {
	res, err := engine.QueryWithParams("SELECT {a:String} || '!', {b:UInt8} * 2", "TSV", map[string]string{"a": "it's", "b": "21"})
	if err != nil {
		t.Fatal(err)
	}
	if got := string(res.Data); got != "it\\'s!\t42\n" {
		t.Fatalf("got %q", got)
	}
}

func TestQueryInSwitchesDatabase(t *testing.T) {
	if _, err := engine.Query("CREATE DATABASE IF NOT EXISTS other", "TSV"); err != nil {
		t.Fatal(err)
	}
	for _, db := range []string{"other", "default", "other"} {
		res, err := engine.QueryIn(db, "SELECT currentDatabase()", "TSV", nil)
		if err != nil {
			t.Fatal(err)
		}
		if got := strings.TrimSpace(string(res.Data)); got != db {
			t.Fatalf("current database %q, want %q", got, db)
		}
	}
}

// The engine installs crash-signal handlers of its own; Go's must be back in
// place, or a nil dereference kills the process instead of panicking.
func TestGoPanicsStillRecoverAfterEngineUse(t *testing.T) {
	if _, err := engine.Query("SELECT sum(number) FROM numbers(1000000)", "TSV"); err != nil {
		t.Fatal(err)
	}
	recovered := func() (r any) {
		defer func() { r = recover() }()
		var p *int
		return *p
	}()
	if recovered == nil {
		t.Fatal("nil dereference did not panic")
	}
}

func TestOneDataDirectoryPerProcess(t *testing.T) {
	_, err := chdb.Open(chdb.LibraryPath(""), t.TempDir())
	if err == nil || !strings.Contains(err.Error(), "one data directory per process") {
		t.Fatalf("got %v", err)
	}
}

func TestMissingLibrarySaysHowToGetIt(t *testing.T) {
	err := (&chdb.MissingLibraryError{Path: "/nowhere/libchdb.so", Err: os.ErrNotExist}).Error()
	for _, want := range []string{"make engine", "SLOPIPE_LIBCHDB", "SLOPIPE_CLICKHOUSE_DSN"} {
		if !strings.Contains(err, want) {
			t.Errorf("message %q lacks %q", err, want)
		}
	}
}

func TestDataSurvivesRestart(t *testing.T) {
	dir := t.TempDir()
	run := func(action string) string {
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), "CHDB_TEST_CHILD_DIR="+dir, "CHDB_TEST_CHILD_ACTION="+action)
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("child %s: %v", action, err)
		}
		return strings.TrimSpace(string(out))
	}
	run("write")
	run("write")
	if got := run("count"); got != "2000" {
		t.Fatalf("after two runs of 1000 rows each, a third process counts %q, want 2000", got)
	}
}
