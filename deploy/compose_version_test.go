package deploy_test

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// Real first lines of `podman-compose version` and `docker compose
// version`; 1.0.3 is Debian 12's, which prints podman's version first.
const (
	podmanCompose103 = "['podman', '--version', '']\nusing podman version: 4.3.1\npodman-composer version  1.0.3\npodman --version \npodman version 4.3.1\nexit code: 0\n"
	podmanCompose106 = "podman-compose version: 1.0.6\n['podman', '--version', '']\nusing podman version: 4.9.3\npodman-compose version 1.0.6\npodman --version \npodman version 4.9.3\nexit code: 0\n"
	podmanCompose130 = "podman-compose version 1.3.0\npodman version 5.4.2\n"
)

// stubTools writes a directory holding only fake podman, podman-compose
// and docker (each present when its output is not empty) and the few real
// tools detect_compose uses, so the caller's PATH cannot leak in.
func stubTools(t *testing.T, podmanCompose, dockerCompose string, dockerHasCompose bool) string {
	t.Helper()
	dir := t.TempDir()
	for _, tool := range []string{"grep", "head"} {
		p, err := exec.LookPath(tool)
		if err != nil {
			t.Skipf("%s is not installed", tool)
		}
		if err := os.Symlink(p, filepath.Join(dir, tool)); err != nil {
			t.Fatal(err)
		}
	}
	write := func(name, script string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte("#!/bin/sh\n"+script), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if podmanCompose != "" {
		write("podman", "echo 'podman version 4.9.3'\n")
		write("podman-compose", echo(podmanCompose))
	}
	if dockerCompose != "" || !dockerHasCompose {
		compose := "echo \"docker: unknown command: docker compose\" >&2; exit 1\n"
		if dockerHasCompose {
			compose = echo(dockerCompose)
		}
		write("docker", "if [ \"$1\" = compose ]; then\n"+compose+"fi\nexit 0\n")
	}
	return dir
}

// echo is a shell script printing out with built-ins only.
func echo(out string) string {
	var b strings.Builder
	for line := range strings.Lines(out) {
		b.WriteString("echo '" + strings.ReplaceAll(strings.TrimSuffix(line, "\n"), "'", `'\''`) + "'\n")
	}
	return b.String()
}

func TestDeployComposeVersion(t *testing.T) {
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("bash is not installed")
	}
	for _, tc := range []struct {
		name                         string
		podmanCompose, dockerCompose string
		noDocker, dockerNoCompose    bool
		want                         string // the chosen tool and version, or empty for a refusal
		stderr                       []string
	}{
		{name: "debian12_podman_compose_1.0.3_is_refused", podmanCompose: podmanCompose103, noDocker: true,
			stderr: []string{"podman-compose 1.0.3 is too old", "1.0.6 or newer", "pipx install podman-compose"}},
		{name: "podman_compose_1.0.6_is_the_minimum", podmanCompose: podmanCompose106, noDocker: true,
			want: "podman-compose 1.0.6"},
		{name: "podman_compose_1.3.0", podmanCompose: podmanCompose130, noDocker: true,
			want: "podman-compose 1.3.0"},
		{name: "docker_compose_2.27", dockerCompose: "Docker Compose version v2.27.0\n",
			want: "docker compose 2.27.0"},
		{name: "distro_docker_compose_suffix", dockerCompose: "Docker Compose version 2.26.1+ds1-0ubuntu1~24.04.1\n",
			want: "docker compose 2.26.1"},
		{name: "docker_compose_2.12_is_refused", dockerCompose: "Docker Compose version v2.12.2\n",
			stderr: []string{"docker compose 2.12.2 is too old", "2.20.0 or newer"}},
		{name: "docker_without_compose_plugin", dockerNoCompose: true,
			stderr: []string{"docker has no compose plugin", "docker-compose-plugin"}},
		{name: "old_podman_compose_falls_back_to_docker", podmanCompose: podmanCompose103, dockerCompose: "Docker Compose version v2.29.1\n",
			want: "docker compose 2.29.1"},
		{name: "both_too_old_names_both", podmanCompose: podmanCompose103, dockerCompose: "Docker Compose version v2.5.0\n",
			stderr: []string{"podman-compose 1.0.3 is too old", "docker compose 2.5.0 is too old"}},
		{name: "nothing_installed", noDocker: true,
			stderr: []string{"need podman with podman-compose 1.0.6 or newer, or docker with the compose plugin 2.20.0 or newer"}},
		{name: "unknown_output_is_tried_with_a_warning", podmanCompose: "podman-compose (devel)\n", noDocker: true,
			want: "podman-compose ", stderr: []string{"cannot tell the podman-compose version", "1.0.6 or newer is needed"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := stubTools(t, tc.podmanCompose, tc.dockerCompose, !tc.dockerNoCompose)
			if tc.noDocker {
				os.Remove(filepath.Join(dir, "docker"))
			}
			cmd := exec.CommandContext(t.Context(), bash, "-c",
				`source deploy/deploy.sh && detect_compose && echo "${compose_cmd[*]} ${compose_version:-}"`)
			cmd.Dir = root
			cmd.Env = []string{"PATH=" + dir, "HOME=" + t.TempDir()}
			var stdout, stderr strings.Builder
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			err := cmd.Run()
			var ee *exec.ExitError
			if err != nil && !errors.As(err, &ee) {
				t.Fatal(err)
			}
			got := strings.TrimSuffix(stdout.String(), "\n")
			switch {
			case tc.want == "" && err == nil:
				t.Errorf("detect_compose chose %q, want a refusal", got)
			case tc.want != "" && (err != nil || got != tc.want):
				t.Errorf("detect_compose = %q (%v), want %q; stderr:\n%s", got, err, tc.want, stderr.String())
			}
			for _, s := range tc.stderr {
				if !strings.Contains(stderr.String(), s) {
					t.Errorf("stderr %q does not say %q", stderr.String(), s)
				}
			}
		})
	}
}

// TestReadmeNamesComposeMinimums keeps the README's minimum versions in
// step with the ones deploy.sh enforces.
func TestReadmeNamesComposeMinimums(t *testing.T) {
	script, err := os.ReadFile(root + "/deploy/deploy.sh")
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(root + "/README.md")
	if err != nil {
		t.Fatal(err)
	}
	// Line breaks in the Markdown count as spaces.
	readme := strings.Join(strings.Fields(string(b)), " ")
	for _, tc := range []struct{ variable, tool string }{
		{"min_podman_compose", "podman-compose"},
		{"min_docker_compose", "docker compose"},
	} {
		_, after, ok := strings.Cut(string(script), "\n"+tc.variable+"=")
		if !ok {
			t.Fatalf("deploy.sh does not set %s", tc.variable)
		}
		v, _, _ := strings.Cut(after, "\n")
		if want := tc.tool + " " + v + " or newer"; !strings.Contains(readme, want) {
			t.Errorf("README.md does not say %q", want)
		}
	}
}
