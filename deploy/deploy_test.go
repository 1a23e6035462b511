// Package deploy_test checks the deployment files by running the tools
// that read them.
package deploy_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// systemdProblems is what `systemd-analyze verify` says of unit, but for
// the binary not being installed on this machine.
func systemdProblems(t *testing.T, unit string) []string {
	t.Helper()
	analyze, err := exec.LookPath("systemd-analyze")
	if err != nil {
		t.Fatalf("systemd-analyze (Debian's systemd package) checks the unit: %v", err)
	}
	out, _ := exec.Command(analyze, "verify", unit).CombinedOutput()
	var problems []string
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		if line == "" || strings.Contains(line, "Command /usr/local/bin/slopipe is not executable") {
			continue
		}
		problems = append(problems, line)
	}
	return problems
}

// The unit parses with no unknown or malformed setting, and its hardening
// keeps systemd's exposure score at 2.0 or below (0 is fully locked down,
// 10 unprotected).
func TestSystemdUnit(t *testing.T) {
	unit := filepath.Join("systemd", "slopipe.service")
	for _, p := range systemdProblems(t, unit) {
		t.Errorf("systemd-analyze verify: %s", p)
	}
	out, err := exec.Command("systemd-analyze", "security", "--offline=yes", "--threshold=20", unit).CombinedOutput()
	if err != nil {
		t.Errorf("exposure above 2.0 (%v):\n%s", err, out)
	}

	// The check sees a bad setting: the same unit with a typo fails it.
	text, err := os.ReadFile(unit)
	if err != nil {
		t.Fatal(err)
	}
	typo := filepath.Join(t.TempDir(), "slopipe.service")
	if err := os.WriteFile(typo, []byte(strings.Replace(string(text), "ProtectHome=yes", "ProtectHomes=yes", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	if p := systemdProblems(t, typo); len(p) == 0 || !strings.Contains(strings.Join(p, "\n"), "ProtectHomes") {
		t.Errorf("a misspelt setting went unnoticed: %q", p)
	}
}
