package billingreceiver

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// splitCSV cuts a CSV export into n parts, each with the header.
func splitCSV(t *testing.T, text string, n int) []string {
	t.Helper()
	lines := strings.Split(strings.TrimRight(text, "\n"), "\n")
	header, rows := lines[0], lines[1:]
	if len(rows) < n {
		t.Fatalf("%d rows cannot make %d parts", len(rows), n)
	}
	var parts []string
	for i := range n {
		chunk := rows[i*len(rows)/n : (i+1)*len(rows)/n]
		parts = append(parts, header+"\n"+strings.Join(chunk, "\n")+"\n")
	}
	return parts
}

func gzipped(t *testing.T, text string) []byte {
	t.Helper()
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	if _, err := zw.Write([]byte(text)); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// dropDir writes a directory into the inbox as a copy does: under a
// hidden name, then renamed.
func (h *harness) dropDir(name string, files map[string][]byte) {
	h.t.Helper()
	tmp := filepath.Join(h.inbox, "."+name)
	for file, data := range files {
		path := filepath.Join(tmp, filepath.FromSlash(file))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			h.t.Fatal(err)
		}
		if err := os.WriteFile(path, data, 0o644); err != nil {
			h.t.Fatal(err)
		}
	}
	if err := os.Rename(tmp, filepath.Join(h.inbox, name)); err != nil {
		h.t.Fatal(err)
	}
}

// A month of CUR 2.0 delivered as gzipped parts with a manifest, dropped
// as a directory, is one import: the parts together make the period, and
// a restated delivery replaces all of it, not part by part.
func TestInboxDirectoryIsOneMultiPartImport(t *testing.T) {
	h := start(t)
	cur := testdata(t, "cur2.csv")
	want := fileTotal(t, "cur2.csv", cur)
	parts := splitCSV(t, cur, 3)
	files := map[string][]byte{
		"metadata/BILLING_PERIOD=2026-11/cur-Manifest.json": []byte(`{"dataFiles": ["cur-00001.csv.gz", "cur-00002.csv.gz", "cur-00003.csv.gz"]}`),
	}
	for i, p := range parts {
		files["data/BILLING_PERIOD=2026-11/cur-0000"+string(rune('1'+i))+".csv.gz"] = gzipped(t, p)
	}
	h.dropDir("cur-2026-11", files)
	h.waitGone("cur-2026-11")
	if got := h.total(); got != want {
		t.Fatalf("after the three parts: %s, want the whole file's %s", got, want)
	}
	// Restated: the same parts again, as another delivery.
	h.dropDir("cur-2026-11-restated", files)
	h.waitGone("cur-2026-11-restated")
	if got := h.total(); got != want {
		t.Fatalf("after a restated delivery: %s, want %s (one copy)", got, want)
	}
	if _, err := os.Stat(filepath.Join(h.inbox, importedDir)); err != nil {
		t.Fatal(err)
	}
	moved, _ := filepath.Glob(filepath.Join(h.inbox, importedDir, "*-cur-2026-11", "data", "*", "*.csv.gz"))
	if len(moved) != 3 {
		t.Errorf("imported holds %v; want the directory with its three parts", moved)
	}

	// One bad part refuses the delivery whole; the reason names the part.
	bad := map[string][]byte{"a.csv": []byte(parts[0]), "b.csv": []byte(parts[1] + "not,a,row\n")}
	h.dropDir("broken", bad)
	h.waitGone("broken")
	if got := h.total(); got != want {
		t.Fatalf("a refused delivery changed the totals: %s, was %s", got, want)
	}
	reason, _ := filepath.Glob(filepath.Join(h.inbox, rejectedDir, "*-broken.reason"))
	if len(reason) != 1 {
		t.Fatalf("not rejected: %v", reason)
	}
	text, _ := os.ReadFile(reason[0])
	if !strings.HasPrefix(string(text), "broken/b.csv:") {
		t.Errorf("reason %q does not name the part broken/b.csv", text)
	}
}

// A multipart upload is one import of its file parts, in order.
func TestMultipartUploadIsOneImport(t *testing.T) {
	h := start(t)
	srv := httptest.NewServer(h.api.Handler())
	defer srv.Close()
	cur := testdata(t, "cur2.csv")
	want := fileTotal(t, "cur2.csv", cur)
	post := func(files map[string][]byte, order []string) (int, map[string]any) {
		var body bytes.Buffer
		mw := multipart.NewWriter(&body)
		mw.WriteField("note", "not a file")
		for _, name := range order {
			w, err := mw.CreateFormFile("file", name)
			if err != nil {
				t.Fatal(err)
			}
			w.Write(files[name])
		}
		mw.Close()
		resp, err := http.Post(srv.URL+"/api/v1/billing/import?file=cur-2026-11", mw.FormDataContentType(), &body)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var out map[string]any
		json.NewDecoder(resp.Body).Decode(&out)
		return resp.StatusCode, out
	}
	parts := splitCSV(t, cur, 2)
	files := map[string][]byte{"cur-00001.csv.gz": gzipped(t, parts[0]), "cur-00002.csv": []byte(parts[1])}
	code, out := post(files, []string{"cur-00001.csv.gz", "cur-00002.csv"})
	if code != 200 {
		t.Fatalf("%d %v", code, out)
	}
	data := out["data"].(map[string]any)
	if data["file"] != "cur-2026-11" || data["format"] != "aws-cur2" || data["rows"].(float64) != 9 || len(data["files"].([]any)) != 2 {
		t.Errorf("answer %v", data)
	}
	// The same two parts again: still one copy.
	if code, out = post(files, []string{"cur-00002.csv", "cur-00001.csv.gz"}); code != 200 {
		t.Fatalf("%d %v", code, out)
	}
	if got := h.total(); got != want {
		t.Fatalf("%s, want %s", got, want)
	}
	if code, out = post(nil, nil); code != 400 || !strings.Contains(out["error"].(string), "no billing files") {
		t.Errorf("no file parts: %d %v", code, out)
	}
}
