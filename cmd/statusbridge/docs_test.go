package main

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"statusbridge/internal/cli"
)

// docs are the documents whose commands and web config examples must work.
func docs(t *testing.T) map[string]string {
	t.Helper()
	files, err := filepath.Glob("../../docs/*.md")
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, f := range append(files, "../../README.md") {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		out[filepath.Base(f)] = string(b)
	}
	return out
}

// shownCommand is a statusbridge command line as the docs show it, up to a
// comment, a closing backtick or a table cell's end.
var shownCommand = regexp.MustCompile("(?m)(?:^|[ `/])statusbridge ((?:serve|setup|validate|healthcheck)(?: [^`#|\n]*)?)")

// TestDocumentedCommandsParse runs every statusbridge command line the
// README and docs/ show with --help appended: each flag it names must
// exist, or the run exits 2 instead of printing the help.
func TestDocumentedCommandsParse(t *testing.T) {
	n := 0
	for name, text := range docs(t) {
		for _, m := range shownCommand.FindAllStringSubmatch(text, -1) {
			args := append(strings.Fields(m[1]), "--help")
			n++
			var out, errb bytes.Buffer
			if code := run(t.Context(), args, func(string) string { return "" }, &out, &errb, nil); code != 0 {
				t.Errorf("%s shows `statusbridge %s`: exit %d\n%s", name, m[1], code, &errb)
			}
		}
	}
	if n < 5 {
		t.Errorf("found %d documented commands; the pattern no longer matches the docs", n)
	}
}

// TestDocumentedWebConfigsLoad checks every web config example in the
// docs the way serve does at start, with the certificate it names.
func TestDocumentedWebConfigsLoad(t *testing.T) {
	block := regexp.MustCompile("(?s)```yaml\n(.*?)```")
	n := 0
	for name, text := range docs(t) {
		for _, m := range block.FindAllStringSubmatch(text, -1) {
			if !strings.Contains(m[1], "tls_server_config:") && !strings.Contains(m[1], "basic_auth_users:") {
				continue
			}
			n++
			dir := t.TempDir()
			selfSigned(t, dir)
			for _, f := range []string{"cert", "key"} {
				if err := os.Rename(filepath.Join(dir, f+".pem"), filepath.Join(dir, "statusbridge."+map[string]string{"cert": "crt", "key": "key"}[f])); err != nil {
					t.Fatal(err)
				}
			}
			wc, err := cli.ReadWebConfig(writeFile(t, dir, "web.yml", m[1]))
			if err != nil {
				t.Errorf("%s: web config example does not load: %v\n%s", name, err, m[1])
				continue
			}
			if !wc.TLS || !wc.Users {
				t.Errorf("%s: web config example sets TLS %v, users %v; the docs show both", name, wc.TLS, wc.Users)
			}
		}
	}
	if n < 2 {
		t.Errorf("found %d web config examples, want the README's and docs/configuration.md's", n)
	}
}
