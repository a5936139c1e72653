// Package deploy_test checks the production stack without a container
// engine: compose.yaml and its overlay are loaded with compose-go (the
// loader docker compose itself uses), Traefik's routes are rendered and
// parsed, and the Containerfiles are linted against the house rules.
package deploy_test

import (
	"bufio"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"text/template"

	"github.com/compose-spec/compose-go/v2/cli"
	"github.com/compose-spec/compose-go/v2/types"
	"github.com/google/go-cmp/cmp"
	"gopkg.in/yaml.v3"
)

// root is the repository root, where compose.yaml lives.
const root = ".."

const (
	base       = root + "/compose.yaml"
	production = root + "/deploy/compose.production.yaml"
)

// requiredEnv is every variable the stack refuses to start without. None
// has a default, so a stack cannot come up with a guessable secret.
var requiredEnv = map[string]string{
	"STATUS_DOMAIN":      "status.example.com",
	"APP_URL":            "https://status.example.com",
	"APP_KEY":            "base64:dGVzdHRlc3R0ZXN0dGVzdHRlc3R0ZXN0dGVzdHRlc3Q=",
	"DB_PASSWORD":        "test-db-password",
	"WEBHOOK_BASIC_AUTH": "alertmanager:$2y$05$abcdefghijklmnopqrstuu5Wf2Ym5vVd9c2R1Hn3yS6kq0wX1yC5e",
}

// productionEnv is what the production overlay needs on top.
var productionEnv = map[string]string{"ACME_EMAIL": "ops@example.com"}

func envList(envs ...map[string]string) []string {
	var out []string
	for _, env := range envs {
		for k, v := range env {
			out = append(out, k+"="+v)
		}
	}
	return out
}

func without(env map[string]string, key string) map[string]string {
	out := maps.Clone(env)
	delete(out, key)
	return out
}

// load parses the compose files with exactly env, never the caller's
// environment or a .env in the work tree.
func load(t *testing.T, env []string, files ...string) (*types.Project, error) {
	t.Helper()
	opts, err := cli.NewProjectOptions(files,
		cli.WithWorkingDirectory(root),
		cli.WithName("statusbridge"),
		cli.WithEnv(env),
	)
	if err != nil {
		t.Fatal(err)
	}
	return opts.LoadProject(t.Context())
}

func mustLoad(t *testing.T, env []string, files ...string) *types.Project {
	t.Helper()
	p, err := load(t, env, files...)
	if err != nil {
		t.Fatalf("load %v: %v", files, err)
	}
	return p
}

func TestComposeServices(t *testing.T) {
	for _, tc := range []struct {
		name  string
		files []string
		env   []string
	}{
		{"local", []string{base}, envList(requiredEnv)},
		{"production", []string{base, production}, envList(requiredEnv, productionEnv)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := mustLoad(t, tc.env, tc.files...)
			if got, want := slices.Sorted(maps.Keys(p.Services)), []string{"cachet", "postgres", "statusbridge", "traefik"}; !slices.Equal(got, want) {
				t.Fatalf("services = %v, want %v", got, want)
			}
			for name, s := range p.Services {
				if s.HealthCheck == nil || s.HealthCheck.Disable || len(s.HealthCheck.Test) < 2 {
					t.Errorf("%s: no health check", name)
				}
				for dep, d := range s.DependsOn {
					if d.Condition != types.ServiceConditionHealthy {
						t.Errorf("%s depends on %s with condition %q, want %q", name, dep, d.Condition, types.ServiceConditionHealthy)
					}
				}
				if s.Image == "" || strings.HasSuffix(s.Image, ":latest") || !strings.Contains(s.Image[strings.LastIndex(s.Image, "/")+1:], ":") {
					t.Errorf("%s: image %q is not pinned by tag", name, s.Image)
				}
			}
			deps := map[string][]string{}
			for name, s := range p.Services {
				deps[name] = slices.Sorted(maps.Keys(s.DependsOn))
			}
			wantDeps := map[string][]string{
				"traefik":      {"cachet"},
				"postgres":     nil,
				"cachet":       {"postgres"},
				"statusbridge": {"cachet"},
			}
			if diff := cmp.Diff(wantDeps, deps); diff != "" {
				t.Errorf("depends_on (-want +got):\n%s", diff)
			}
			for _, name := range []string{"statusbridge", "cachet", "postgres"} {
				if ports := p.Services[name].Ports; len(ports) > 0 {
					t.Errorf("%s publishes ports %v; only traefik may", name, ports)
				}
			}
		})
	}
}

func TestComposeStatusbridge(t *testing.T) {
	p := mustLoad(t, envList(requiredEnv), base)
	s := p.Services["statusbridge"]
	env := func(k string) string {
		if v := s.Environment[k]; v != nil {
			return *v
		}
		return "<unset>"
	}
	for _, tc := range []struct{ key, want string }{
		{"CACHET_API_URL", "http://cachet/api"},
		{"CACHET_API_TOKEN_FILE", "/run/secrets/cachet_api_token"},
		{"CACHET_API_TOKEN", "<unset>"},
		{"WEBHOOK_BASIC_AUTH", requiredEnv["WEBHOOK_BASIC_AUTH"]},
		{"STATUSBRIDGE_LISTEN", ":5000"},
	} {
		if got := env(tc.key); got != tc.want {
			t.Errorf("statusbridge %s = %q, want %q", tc.key, got, tc.want)
		}
	}
	if len(s.Secrets) != 1 || s.Secrets[0].Source != "cachet_api_token" {
		t.Errorf("statusbridge secrets = %+v, want cachet_api_token", s.Secrets)
	}
	if sec, ok := p.Secrets["cachet_api_token"]; !ok || !strings.HasSuffix(sec.File, "deploy/secrets/cachet_api_token") {
		t.Errorf("secret cachet_api_token = %+v, want file deploy/secrets/cachet_api_token", sec)
	}
	mounts := map[string]bool{}
	for _, v := range s.Volumes {
		mounts[v.Target] = v.ReadOnly
	}
	if diff := cmp.Diff(map[string]bool{"/etc/statusbridge/config.json": true, "/etc/statusbridge/prometheus.yml": true}, mounts); diff != "" {
		t.Errorf("statusbridge mounts (target → read-only) (-want +got):\n%s", diff)
	}
	if !s.ReadOnly {
		t.Error("statusbridge's root filesystem is writable; it writes nothing")
	}
	if s.Build == nil || s.Build.Dockerfile != "deploy/statusbridge/Containerfile" {
		t.Errorf("statusbridge build = %+v, want deploy/statusbridge/Containerfile", s.Build)
	}
	if got, want := s.HealthCheck.Test, (types.HealthCheckTest{"CMD", "/statusbridge", "healthcheck"}); !slices.Equal(got, want) {
		t.Errorf("statusbridge health check = %q, want %q", got, want)
	}
}

// addedCapabilities is what each service gets back after cap_drop: [ALL];
// compose.yaml says why for each. Adding one means explaining it there.
var addedCapabilities = map[string][]string{
	"traefik":      {"NET_BIND_SERVICE"},
	"postgres":     {"CHOWN", "DAC_OVERRIDE", "FOWNER", "SETGID", "SETUID"},
	"cachet":       {"CHOWN", "DAC_OVERRIDE", "FOWNER", "KILL", "NET_BIND_SERVICE", "SETGID", "SETUID"},
	"statusbridge": nil,
}

func TestComposeHardening(t *testing.T) {
	for _, tc := range []struct {
		name  string
		files []string
		env   []string
	}{
		{"local", []string{base}, envList(requiredEnv)},
		{"production", []string{base, production}, envList(requiredEnv, productionEnv)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := mustLoad(t, tc.env, tc.files...)
			for name, s := range p.Services {
				if !slices.Contains(s.SecurityOpt, "no-new-privileges:true") {
					t.Errorf("%s: security_opt %q lacks no-new-privileges:true", name, s.SecurityOpt)
				}
				if !slices.Equal(s.CapDrop, []string{"ALL"}) {
					t.Errorf("%s: cap_drop %q, want [ALL]", name, s.CapDrop)
				}
				want, ok := addedCapabilities[name]
				if !ok {
					t.Errorf("%s: no entry in addedCapabilities; decide what it needs", name)
				}
				if got := slices.Sorted(slices.Values(s.CapAdd)); !slices.Equal(got, want) {
					t.Errorf("%s: cap_add %q, want %q", name, got, want)
				}
				if s.Privileged {
					t.Errorf("%s is privileged", name)
				}
			}
		})
	}
}

func TestComposeNetworksAndCachet(t *testing.T) {
	p := mustLoad(t, envList(requiredEnv), base)
	nets := map[string][]string{}
	for name, s := range p.Services {
		nets[name] = slices.Sorted(maps.Keys(s.Networks))
	}
	want := map[string][]string{
		"traefik":      {"edge"},
		"statusbridge": {"edge"},
		"cachet":       {"db", "edge"},
		"postgres":     {"db"},
	}
	if diff := cmp.Diff(want, nets); diff != "" {
		t.Errorf("networks (-want +got):\n%s", diff)
	}
	if !p.Networks["db"].Internal {
		t.Error("network db is not internal; the database needs no route out")
	}
	c := p.Services["cachet"]
	limit := c.Environment["CACHET_API_RATE_LIMIT"]
	if limit == nil {
		t.Fatal("cachet: CACHET_API_RATE_LIMIT is not set; choose it deliberately")
	}
	if n, err := strconv.Atoi(*limit); err != nil || n < 60 {
		t.Errorf("cachet CACHET_API_RATE_LIMIT = %q, want a number of requests per minute ≥ 60", *limit)
	}
	for _, k := range []string{"APP_KEY", "DB_PASSWORD"} {
		if got := c.Environment[k]; got == nil || *got != requiredEnv[k] {
			t.Errorf("cachet %s = %v, want it from the environment", k, got)
		}
	}
	if got := p.Services["postgres"].Environment["POSTGRES_PASSWORD"]; got == nil || *got != requiredEnv["DB_PASSWORD"] {
		t.Errorf("postgres POSTGRES_PASSWORD = %v, want DB_PASSWORD", got)
	}
}

func TestComposeProductionOverlay(t *testing.T) {
	p := mustLoad(t, envList(requiredEnv, productionEnv), base, production)
	tr := p.Services["traefik"]
	var published []uint32
	for _, port := range tr.Ports {
		published = append(published, port.Target)
	}
	if slices.Sort(published); !slices.Equal(published, []uint32{80, 443}) {
		t.Errorf("traefik container ports = %v, want [80 443]", published)
	}
	for k, want := range map[string]string{
		"TRAEFIK_ENTRYPOINTS_WEB_ADDRESS":                                         ":80",
		"TRAEFIK_ENTRYPOINTS_WEBSECURE_ADDRESS":                                   ":443",
		"TRAEFIK_ENTRYPOINTS_WEBSECURE_HTTP_TLS_CERTRESOLVER":                     "letsencrypt",
		"TRAEFIK_ENTRYPOINTS_WEB_HTTP_REDIRECTIONS_ENTRYPOINT_TO":                 "websecure",
		"TRAEFIK_CERTIFICATESRESOLVERS_LETSENCRYPT_ACME_EMAIL":                    productionEnv["ACME_EMAIL"],
		"TRAEFIK_CERTIFICATESRESOLVERS_LETSENCRYPT_ACME_HTTPCHALLENGE_ENTRYPOINT": "web",
	} {
		if got := tr.Environment[k]; got == nil || *got != want {
			t.Errorf("traefik %s = %v, want %q", k, got, want)
		}
	}
	local := mustLoad(t, envList(requiredEnv), base).Services["traefik"]
	if v := local.Environment["TRAEFIK_ENTRYPOINTS_WEBSECURE_ADDRESS"]; v != nil {
		t.Errorf("local traefik has an HTTPS entry point (%q); ACME belongs to the production overlay", *v)
	}
}

func TestComposeRefusesMissingSecrets(t *testing.T) {
	type row struct {
		name  string
		env   map[string]string
		files []string
		want  string
	}
	var rows []row
	for _, k := range slices.Sorted(maps.Keys(requiredEnv)) {
		rows = append(rows, row{"without_" + strings.ToLower(k), without(requiredEnv, k), []string{base}, k})
	}
	rows = append(rows, row{"production_without_acme_email", requiredEnv, []string{base, production}, "ACME_EMAIL"})
	for _, tc := range rows {
		t.Run(tc.name, func(t *testing.T) {
			_, err := load(t, envList(tc.env), tc.files...)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("load without %s: err = %v, want an error naming it", tc.want, err)
			}
		})
	}
}

// TestComposeNoDefaultSecrets checks the source text: a ${VAR:-default}
// may only give a default to a variable that is not a secret.
func TestComposeNoDefaultSecrets(t *testing.T) {
	notSecret := map[string]bool{
		"HTTP_PORT": true, "HTTPS_PORT": true, "APP_NAME": true, "CACHET_API_RATE_LIMIT": true, "CACHET_APP_REF": true,
		"STATUSBRIDGE_VERSION": true, "STATUSBRIDGE_LOG_LEVEL": true, "ALERTMANAGER_URL": true, "ALERTMANAGER_SILENCED": true,
	}
	re := regexp.MustCompile(`\$\{([A-Z0-9_]+)(:?[-?])`)
	for _, file := range []string{base, production} {
		b, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range re.FindAllStringSubmatch(string(b), -1) {
			if strings.HasSuffix(m[2], "-") && !notSecret[m[1]] {
				t.Errorf("%s: ${%s%s…} has a default; use ${%s:?message} or list it as not secret here", file, m[1], m[2], m[1])
			}
		}
	}
}

// TestDotEnvKeepsBcryptHashes checks that the .env lines deploy.sh writes
// after a copy of .env.example reach the container verbatim: a bcrypt hash
// is full of $, which compose would otherwise try to interpolate, and the
// example's empty keys come before deploy.sh's values.
func TestDotEnvKeepsBcryptHashes(t *testing.T) {
	const hash = "alertmanager:$2y$05$Qe1sVJ0Jx3p2m3a1Zr7kLuYw0bXlH6m8vJk9s6o2W2cQ4n1rT5xGa"
	dir := t.TempDir()
	example, err := os.ReadFile(root + "/.env.example")
	if err != nil {
		t.Fatal(err)
	}
	lines := []string{string(example)}
	for k, v := range requiredEnv {
		if k == "WEBHOOK_BASIC_AUTH" {
			v = hash
		}
		lines = append(lines, k+"='"+v+"'")
	}
	envFile := filepath.Join(dir, ".env")
	if err := os.WriteFile(envFile, []byte(strings.Join(lines, "\n")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	opts, err := cli.NewProjectOptions([]string{base},
		cli.WithWorkingDirectory(root), cli.WithName("statusbridge"),
		cli.WithEnvFiles(envFile), cli.WithDotEnv)
	if err != nil {
		t.Fatal(err)
	}
	p, err := opts.LoadProject(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if got := p.Services["statusbridge"].Environment["WEBHOOK_BASIC_AUTH"]; got == nil || *got != hash {
		t.Errorf("WEBHOOK_BASIC_AUTH from a single-quoted .env line = %v, want %q", got, hash)
	}
}

// traefikDynamic is the part of Traefik's dynamic configuration the stack
// uses.
type traefikDynamic struct {
	HTTP struct {
		Routers map[string]struct {
			Rule        string   `yaml:"rule"`
			Service     string   `yaml:"service"`
			Middlewares []string `yaml:"middlewares"`
			EntryPoints []string `yaml:"entryPoints"`
		} `yaml:"routers"`
		Middlewares map[string]map[string]map[string]any `yaml:"middlewares"`
		Services    map[string]struct {
			LoadBalancer struct {
				Servers []struct {
					URL string `yaml:"url"`
				} `yaml:"servers"`
			} `yaml:"loadBalancer"`
		} `yaml:"services"`
	} `yaml:"http"`
}

// TestTraefikRoutes renders the file provider's template as Traefik would
// and checks that /webhook reaches statusbridge and everything else Cachet,
// at the ports those services listen on.
func TestTraefikRoutes(t *testing.T) {
	raw, err := os.ReadFile(root + "/deploy/traefik/dynamic.yml")
	if err != nil {
		t.Fatal(err)
	}
	tmpl, err := template.New("dynamic").Funcs(template.FuncMap{
		"env": func(k string) string { return map[string]string{"STATUS_DOMAIN": "status.example.com"}[k] },
	}).Parse(string(raw))
	if err != nil {
		t.Fatalf("dynamic.yml is not a valid template: %v", err)
	}
	var out strings.Builder
	if err := tmpl.Execute(&out, nil); err != nil {
		t.Fatal(err)
	}
	var dyn traefikDynamic
	dec := yaml.NewDecoder(strings.NewReader(out.String()))
	dec.KnownFields(true)
	if err := dec.Decode(&dyn); err != nil {
		t.Fatalf("dynamic.yml: %v", err)
	}
	h := dyn.HTTP
	p := mustLoad(t, envList(requiredEnv), base)
	listen := *p.Services["statusbridge"].Environment["STATUSBRIDGE_LISTEN"]

	for _, tc := range []struct {
		router, rule, service, url string
	}{
		{"webhook", "Host(`status.example.com`) && Path(`/webhook`)", "statusbridge", "http://statusbridge" + listen},
		{"cachet", "Host(`status.example.com`)", "cachet", "http://cachet:80"},
	} {
		r, ok := h.Routers[tc.router]
		if !ok {
			t.Errorf("no router %q", tc.router)
			continue
		}
		if r.Rule != tc.rule || r.Service != tc.service {
			t.Errorf("router %s = %q → %s, want %q → %s", tc.router, r.Rule, r.Service, tc.rule, tc.service)
		}
		if len(r.EntryPoints) > 0 {
			t.Errorf("router %s names entry points %v; it must serve on all (HTTP locally, HTTPS in production)", tc.router, r.EntryPoints)
		}
		for _, m := range r.Middlewares {
			if _, ok := h.Middlewares[m]; !ok {
				t.Errorf("router %s uses undefined middleware %q", tc.router, m)
			}
		}
		servers := h.Services[tc.service].LoadBalancer.Servers
		if len(servers) != 1 || servers[0].URL != tc.url {
			t.Errorf("service %s servers = %+v, want %s", tc.service, servers, tc.url)
		}
		if _, ok := p.Services[tc.service]; !ok {
			t.Errorf("service %s is routed to but not in compose.yaml", tc.service)
		}
	}
	if got := h.Middlewares["webhook-body-limit"]["buffering"]["maxRequestBodyBytes"]; got != 1<<20 {
		t.Errorf("webhook body limit = %v, want 1048576 (statusbridge's --max-body default)", got)
	}
}

// instruction is one Containerfile instruction, continuation lines joined.
type instruction struct {
	cmd, args string
}

func parseContainerfile(t *testing.T, path string) []instruction {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []instruction
	var cur strings.Builder
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if cont, ok := strings.CutSuffix(line, `\`); ok {
			cur.WriteString(cont + " ")
			continue
		}
		cur.WriteString(line)
		cmd, args, _ := strings.Cut(cur.String(), " ")
		out = append(out, instruction{strings.ToUpper(cmd), strings.TrimSpace(args)})
		cur.Reset()
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// pinned reports whether image names an exact tag (not latest) or digest.
func pinned(image string) bool {
	if strings.Contains(image, "@sha256:") {
		return true
	}
	name := image[strings.LastIndex(image, "/")+1:]
	_, tag, ok := strings.Cut(name, ":")
	return ok && tag != "" && tag != "latest" && !strings.Contains(tag, "$")
}

// lint applies the rules both images follow and returns the stage images.
func lint(t *testing.T, path string, ins []instruction) (stages []string) {
	t.Helper()
	aliases := map[string]bool{}
	var health int
	for _, in := range ins {
		switch in.cmd {
		case "FROM":
			f := strings.Fields(in.args)
			if len(f) == 3 && strings.EqualFold(f[1], "AS") {
				aliases[f[2]] = true
			}
			if !aliases[f[0]] && !pinned(f[0]) {
				t.Errorf("%s: FROM %s is not pinned by tag", path, f[0])
			}
			stages = append(stages, f[0])
		case "HEALTHCHECK":
			health++
		case "ADD":
			t.Errorf("%s: ADD %s; use COPY (ADD fetches URLs and unpacks archives)", path, in.args)
		}
	}
	if health != 1 {
		t.Errorf("%s: %d HEALTHCHECK instructions, want 1", path, health)
	}
	return stages
}

func TestStatusbridgeContainerfile(t *testing.T) {
	const path = root + "/deploy/statusbridge/Containerfile"
	ins := parseContainerfile(t, path)
	stages := lint(t, path, ins)
	if len(stages) < 2 {
		t.Errorf("%s: %d stages, want a multi-stage build", path, len(stages))
	}
	if final := stages[len(stages)-1]; !strings.Contains(final, "distroless/static") && final != "scratch" {
		t.Errorf("%s: final stage FROM %s, want distroless static or scratch", path, final)
	}
	if !strings.HasPrefix(stages[0], "docker.io/library/golang:1.26") {
		t.Errorf("%s: builder FROM %s, want golang:1.26", path, stages[0])
	}
	var user, health, build string
	var finalStage bool
	for _, in := range ins {
		switch in.cmd {
		case "FROM":
			finalStage = in.args == stages[len(stages)-1]
		case "USER":
			if finalStage {
				user = in.args
			}
		case "HEALTHCHECK":
			health = in.args
		case "RUN":
			if strings.Contains(in.args, "go build") {
				build = in.args
			}
		}
	}
	uid, _, _ := strings.Cut(user, ":")
	if n, err := strconv.Atoi(uid); err != nil || n == 0 {
		t.Errorf("%s: final USER %q, want a numeric non-root user", path, user)
	}
	if !strings.HasSuffix(health, `CMD ["/statusbridge","healthcheck"]`) {
		t.Errorf("%s: HEALTHCHECK %q, want CMD [\"/statusbridge\",\"healthcheck\"]", path, health)
	}
	if !strings.HasPrefix(build, "CGO_ENABLED=0 ") {
		t.Errorf("%s: go build %q does not set CGO_ENABLED=0", path, build)
	}
	// The image's binary is built exactly as `make build` builds it.
	mk := makeBuildLine(t)
	if diff := cmp.Diff(normaliseBuild(t, mk), normaliseBuild(t, strings.NewReplacer("${VERSION}", "v9.9.9", "${REVISION}", "r9", "${BRANCH}", "b9").Replace(build))); diff != "" {
		t.Errorf("Containerfile go build differs from `make build` (-make +Containerfile):\n%s", diff)
	}
}

// makeBuildLine is the command `make build` runs, with VERSION=v9.9.9,
// REVISION=r9 and BRANCH=b9.
func makeBuildLine(t *testing.T) string {
	t.Helper()
	if _, err := exec.LookPath("make"); err != nil {
		t.Skip("make is not installed; it is in CI")
	}
	cmd := exec.CommandContext(t.Context(), "make", "-s", "-n", "-C", root, "build", "GO=go", "VERSION=v9.9.9", "REVISION=r9", "BRANCH=b9")
	out, err := cmd.Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			t.Fatalf("make -n build: %v\n%s", err, ee.Stderr)
		}
		t.Fatal(err)
	}
	for line := range strings.Lines(string(out)) {
		if strings.Contains(line, "go build") {
			return strings.TrimSpace(line)
		}
	}
	t.Fatalf("make -n build printed no go build:\n%s", out)
	return ""
}

// normaliseBuild splits a shell command into words (double quotes only, as
// both lines use) and drops the output path, which differs by design.
func normaliseBuild(t *testing.T, line string) []string {
	t.Helper()
	var words []string
	var cur strings.Builder
	var quoted, inWord bool
	for _, r := range line {
		switch {
		case r == '"':
			quoted, inWord = !quoted, true
		case r == ' ' && !quoted:
			if inWord {
				words, inWord = append(words, cur.String()), false
				cur.Reset()
			}
		default:
			cur.WriteRune(r)
			inWord = true
		}
	}
	if inWord {
		words = append(words, cur.String())
	}
	if quoted {
		t.Fatalf("unbalanced quotes in %q", line)
	}
	if i := slices.Index(words, "-o"); i >= 0 && i+1 < len(words) {
		words = slices.Delete(words, i, i+2)
	}
	return words
}

func TestCachetContainerfile(t *testing.T) {
	const path = root + "/deploy/cachet/Containerfile"
	ins := parseContainerfile(t, path)
	lint(t, path, ins)
	args := map[string]string{}
	for _, in := range ins {
		switch in.cmd {
		case "ARG":
			k, v, _ := strings.Cut(in.args, "=")
			args[k] = v
		case "COPY":
			if strings.Contains(in.args, "--from=") {
				continue
			}
			f := strings.Fields(in.args)
			for _, src := range f[:len(f)-1] {
				if _, err := os.Stat(filepath.Join(root, "deploy/cachet", src)); err != nil {
					t.Errorf("%s: COPY source %s is missing from the build context: %v", path, src, err)
				}
			}
		}
	}
	if got := args["CACHET_CORE_REF"]; got != "9183688b" {
		t.Errorf("%s: CACHET_CORE_REF = %q, want 9183688b (spec/cachet-api.md's HEAD)", path, got)
	}
	// compose.yaml passes CACHET_APP_REF (so .env can pin the skeleton);
	// with it unset, the build gets the Containerfile's default.
	build := mustLoad(t, envList(requiredEnv), base).Services["cachet"].Build
	if build == nil || build.Args["CACHET_APP_REF"] == nil {
		t.Fatalf("compose.yaml: cachet build does not pass CACHET_APP_REF: %+v", build)
	}
	if got, want := *build.Args["CACHET_APP_REF"], args["CACHET_APP_REF"]; got != want || want == "" {
		t.Errorf("compose.yaml's default CACHET_APP_REF = %q, the Containerfile's %q; want them equal and set", got, want)
	}
	pinned := mustLoad(t, envList(requiredEnv, map[string]string{"CACHET_APP_REF": "0123abcd"}), base).Services["cachet"].Build
	if got := *pinned.Args["CACHET_APP_REF"]; got != "0123abcd" {
		t.Errorf("CACHET_APP_REF=0123abcd in the environment builds %q", got)
	}
}

// TestSeederAbilities keeps the token's abilities to exactly what
// statusbridge needs (spec/cachet-api.md 1.1), never "*".
func TestSeederAbilities(t *testing.T) {
	b, err := os.ReadFile(root + "/deploy/cachet/seed.php")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?s)const ABILITIES = \[(.*?)\];`).FindSubmatch(b)
	if m == nil {
		t.Fatal("seed.php: no ABILITIES list")
	}
	var got []string
	for _, q := range regexp.MustCompile(`'([^']*)'`).FindAllSubmatch(m[1], -1) {
		got = append(got, string(q[1]))
	}
	want := []string{"component-groups.delete", "component-groups.manage", "components.delete", "components.manage", "incident-updates.manage", "incidents.manage", "schedules.delete", "schedules.manage"}
	slices.Sort(got)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("token abilities (-want +got):\n%s", diff)
	}
}

func TestDeployScriptFlags(t *testing.T) {
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("bash is not installed")
	}
	for _, tc := range []struct {
		name string
		args []string
		code int
		out  string
	}{
		{"help", []string{"--help"}, 0, "Usage: deploy/deploy.sh"},
		{"unknown_flag", []string{"--frobnicate"}, 2, "unknown option --frobnicate"},
		{"env_file_needs_a_value", []string{"--env-file"}, 2, "--env-file needs a path"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cmd := exec.CommandContext(t.Context(), "bash", "deploy/deploy.sh")
			cmd.Args = append(cmd.Args, tc.args...)
			cmd.Dir = root
			out, err := cmd.CombinedOutput()
			code := 0
			if ee := (*exec.ExitError)(nil); errors.As(err, &ee) {
				code = ee.ExitCode()
			} else if err != nil {
				t.Fatal(err)
			}
			if code != tc.code || !strings.Contains(string(out), tc.out) {
				t.Errorf("deploy.sh %v = exit %d, %q; want exit %d with %q", tc.args, code, out, tc.code, tc.out)
			}
		})
	}
}

// TestCachetHealthCheck runs deploy/cachet/healthcheck.php against a stand-in
// Cachet. A 401 from /api/ping is what Cachet answers once "API protected" is
// on, and must keep the container healthy, or compose never starts the rest
// of the stack.
func TestCachetHealthCheck(t *testing.T) {
	if _, err := exec.LookPath("php"); err != nil {
		t.Skip("php is not installed; the Cachet image runs this script with its own")
	}
	tests := []struct {
		name    string
		code    int
		body    string
		healthy bool
	}{
		{name: "pong", code: 200, body: `{"data":"Pong!"}`, healthy: true},
		{name: "api_protected_401", code: 401, body: `{"message":"Unauthenticated."}`, healthy: true},
		{name: "server_error", code: 500, body: "Server Error"},
		{name: "bad_gateway", code: 502},
		{name: "not_found", code: 404},
		{name: "ok_but_not_cachet", code: 200, body: "<html>It works!</html>"},
		{name: "redirect", code: 302},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var path atomic.Value
			ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				path.Store(r.URL.Path)
				if tt.code == 302 {
					w.Header().Set("Location", "/login")
				}
				w.WriteHeader(tt.code)
				fmt.Fprint(w, tt.body)
			}))
			defer ts.Close()
			if got := runHealthCheck(t, ts.URL+"/api/ping"); got != tt.healthy {
				t.Errorf("healthcheck.php on %d %q: healthy = %v, want %v", tt.code, tt.body, got, tt.healthy)
			}
			if got, _ := path.Load().(string); got != "/api/ping" {
				t.Errorf("healthcheck.php asked for %q, want /api/ping", got)
			}
		})
	}
	t.Run("nothing_listening", func(t *testing.T) {
		ts := httptest.NewServer(http.NotFoundHandler())
		url := ts.URL
		ts.Close()
		if runHealthCheck(t, url+"/api/ping") {
			t.Error("healthcheck.php with nothing listening: healthy, want unhealthy")
		}
	})
}

// runHealthCheck reports whether healthcheck.php exits 0 against url.
func runHealthCheck(t *testing.T, url string) bool {
	t.Helper()
	cmd := exec.CommandContext(t.Context(), "php", root+"/deploy/cachet/healthcheck.php")
	cmd.Env = append(os.Environ(), "HEALTHCHECK_URL="+url)
	out, err := cmd.CombinedOutput()
	if ee := (*exec.ExitError)(nil); errors.As(err, &ee) {
		if ee.ExitCode() != 1 {
			t.Fatalf("healthcheck.php exit %d, want 0 or 1; output:\n%s", ee.ExitCode(), out)
		}
		return false
	} else if err != nil {
		t.Fatal(err)
	}
	if len(out) > 0 {
		t.Errorf("healthcheck.php printed %q, want nothing", out)
	}
	return true
}

func TestSampleAlertsExist(t *testing.T) {
	for _, f := range []string{"firing.json", "resolved.json"} {
		if _, err := os.Stat(fmt.Sprintf("%s/deploy/sample-alerts/%s", root, f)); err != nil {
			t.Errorf("deploy.sh posts %s: %v", f, err)
		}
	}
}
