package chhttp

import "testing"

func TestSyncModifier(t *testing.T) {
	cases := []struct {
		sql, want string // want: the statement with its SYNC taken out; "" if it has none
	}{
		{"DROP TABLE t SYNC", "DROP TABLE t "},
		{"drop table t sync", "drop table t "},
		{"DROP TABLE IF EXISTS db.t SYNC;", "DROP TABLE IF EXISTS db.t ;"},
		{"DROP TABLE `sync` SYNC", "DROP TABLE `sync` "},
		{"DROP TABLE sync SYNC", "DROP TABLE sync "},
		{"DROP TABLE t1, t2 SYNC SETTINGS max_threads = 1", "DROP TABLE t1, t2  SETTINGS max_threads = 1"},
		{"DROP TABLE t ON CLUSTER c SYNC", "DROP TABLE t ON CLUSTER c "},
		{"DROP TABLE t ON CLUSTER '{cluster}' SYNC", "DROP TABLE t ON CLUSTER '{cluster}' "},
		{"DROP TABLE t NO DELAY", "DROP TABLE t "},
		{"DROP DATABASE d SYNC", "DROP DATABASE d "},
		{"DROP TEMPORARY TABLE t SYNC", "DROP TEMPORARY TABLE t "},
		{"DROP VIEW v SYNC -- gone", "DROP VIEW v  -- gone"},
		{"DROP DICTIONARY d SYNC", "DROP DICTIONARY d "},
		{"DETACH TABLE t SYNC", "DETACH TABLE t "},
		{"DETACH TABLE t PERMANENTLY SYNC", "DETACH TABLE t PERMANENTLY "},
		{"/* SYNC */ DROP TABLE t SYNC", "/* SYNC */ DROP TABLE t "},

		// SYNC as a name, in a string, a comment or another statement stays.
		{"DROP TABLE sync", ""},
		{"DROP TABLE IF EXISTS sync", ""},
		{"DROP DATABASE sync", ""},
		{"DROP TABLE db.sync", ""},
		{`DROP TABLE "db".sync`, ""},
		{"DROP TABLE t, sync", ""},
		{"DROP TABLE t ON CLUSTER sync", ""},
		{"DROP TABLE no", ""},
		{"DROP TABLE t -- SYNC", ""},
		{"DROP TABLE t /* SYNC */", ""},
		{"DROP TABLE `t SYNC`", ""},
		{"DROP TABLE 'SYNC'", ""},
		{"DETACH TABLE sync PERMANENTLY", ""},
		{"DROP USER sync", ""},
		{"SELECT 1 AS sync", ""},
		{"SYSTEM SYNC REPLICA t", ""},
		{"CREATE TABLE t (a UInt8) ENGINE = Memory COMMENT 'DROP TABLE x SYNC'", ""},
		{"INSERT INTO t FORMAT CSV\nSYNC", ""},
	}
	for _, c := range cases {
		st := parseStatement(c.sql)
		if c.want == "" {
			if st.syncAt >= 0 {
				t.Errorf("%q: SYNC found at %d, want none", c.sql, st.syncAt)
			}
			continue
		}
		if st.syncAt < 0 {
			t.Errorf("%q: no SYNC found", c.sql)
			continue
		}
		got := st.withoutSync()
		if got.text != c.want || got.syncAt >= 0 || got.kind != st.kind {
			t.Errorf("%q: without SYNC %q (kind %s, syncAt %d), want %q", c.sql, got.text, got.kind, got.syncAt, c.want)
		}
	}
}
