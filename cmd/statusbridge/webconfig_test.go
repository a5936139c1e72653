package main

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"statusbridge/internal/cachet/cachettest"
)

// selfSigned writes a certificate for 127.0.0.1 and its key into dir as
// cert.pem and key.pem, and returns a client that trusts it.
func selfSigned(t *testing.T, dir string) *http.Client {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "statusbridge test"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, dir, "cert.pem", string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})))
	writeFile(t, dir, "key.pem", string(pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER})))
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
}

// request sends method url with Basic Auth when user is set and returns
// the answer's status and whether it came over a completed TLS handshake.
func request(t *testing.T, c *http.Client, method, url, user, pass string, body []byte) (int, bool) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), method, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if user != "" {
		req.SetBasicAuth(user, pass)
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode, resp.TLS != nil && resp.TLS.HandshakeComplete
}

// waitReadyWith polls /-/ready with c, with credentials when user is set.
func waitReadyWith(t *testing.T, c *http.Client, base, user, pass string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if code, _ := request(t, c, http.MethodGet, base+"/-/ready", user, pass, nil); code == 200 {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatalf("%s/-/ready never answered 200", base)
}

// TestWebConfigTLS serves over TLS from a web config file: the handshake
// completes against the test's own CA, Alertmanager's POST over HTTPS is
// applied with WEBHOOK_BASIC_AUTH's user, and plain HTTP is refused.
func TestWebConfigTLS(t *testing.T) {
	emu := servicesCachet(t, "Backend", "API Services")
	dir := t.TempDir()
	client := selfSigned(t, dir)
	// Relative paths are read from the web config file's folder.
	webConfig := writeFile(t, dir, "web.yml", "tls_server_config:\n  cert_file: cert.pem\n  key_file: key.pem\n")
	env := serveEnv(t, emu)
	env["WEBHOOK_BASIC_AUTH"] = "alice:$apr1$s4ltS4lt$WqSRSiuEvAv7Y9YmJUhP31" // alice:hunter2
	p := start(t, []string{"serve", "--web.listen-address", "127.0.0.1:0", "--web.config.file", webConfig}, env)
	addr := p.addr(t, `listening on (\S+)`)
	waitReadyWith(t, client, "https://"+addr, "", "")

	if code, handshake := request(t, client, http.MethodGet, "https://"+addr+"/-/healthy", "", "", nil); code != 200 || !handshake {
		t.Errorf("GET https /-/healthy = %d, TLS handshake %v; want 200 over TLS", code, handshake)
	}
	body, err := os.ReadFile("../../internal/server/testdata/alertmanager-firing.json")
	if err != nil {
		t.Fatal(err)
	}
	if code, _ := request(t, http.DefaultClient, http.MethodPost, "http://"+addr+"/webhook", "alice", "hunter2", body); code != http.StatusBadRequest {
		t.Errorf("plain HTTP POST /webhook = %d, want 400 (the TLS listener refuses it)", code)
	}
	if n := len(emu.Incidents()); n != 0 {
		t.Fatalf("plain HTTP webhook opened %d incidents, want 0", n)
	}
	if code, _ := request(t, client, http.MethodPost, "https://"+addr+"/webhook", "alice", "wrong", body); code != 401 {
		t.Errorf("HTTPS webhook with a wrong password = %d, want 401", code)
	}
	if code, _ := request(t, client, http.MethodPost, "https://"+addr+"/webhook", "alice", "hunter2", body); code != 200 {
		t.Fatalf("HTTPS webhook = %d, want 200; stderr:\n%s", code, p.stderr)
	}
	if n := len(emu.Incidents()); n != 2 {
		t.Errorf("incidents after the HTTPS webhook = %d, want 2", n)
	}
	var out, errb bytes.Buffer
	if code := run(t.Context(), []string{"healthcheck", "--web.listen-address", addr, "--web.config.file", webConfig}, func(string) string { return "" }, &out, &errb, nil); code != 0 {
		t.Errorf("healthcheck over TLS = %d, want 0; stderr: %s", code, &errb)
	}
	if code := run(t.Context(), []string{"healthcheck", "--web.listen-address", addr}, func(string) string { return "" }, &out, &errb, nil); code != 1 {
		t.Errorf("healthcheck in plain HTTP against TLS = %d, want 1", code)
	}
}

// TestWebConfigUsers: the web config's basic_auth_users guard every route,
// the webhook included, as in every Prometheus exporter.
func TestWebConfigUsers(t *testing.T) {
	emu := servicesCachet(t, "Backend", "API Services")
	dir := t.TempDir()
	client := selfSigned(t, dir)
	hash, err := bcrypt.GenerateFromPassword([]byte("s3cret"), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	webConfig := writeFile(t, dir, "web.yml", "tls_server_config:\n  cert_file: cert.pem\n  key_file: key.pem\nbasic_auth_users:\n  carol: "+string(hash)+"\n")
	env := serveEnv(t, emu)
	env["STATUSBRIDGE_WEB_CONFIG_FILE"] = webConfig
	p := start(t, []string{"serve", "--web.listen-address", "127.0.0.1:0"}, env)
	base := "https://" + p.addr(t, `listening on (\S+)`)
	waitReadyWith(t, client, base, "carol", "s3cret")

	body, err := os.ReadFile("../../internal/server/testdata/alertmanager-firing.json")
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		method, path, user, pass string
		want                     int
	}{
		{http.MethodGet, "/metrics", "", "", 401},
		{http.MethodGet, "/-/healthy", "", "", 401},
		{http.MethodGet, "/metrics", "carol", "nope", 401},
		{http.MethodGet, "/metrics", "carol", "s3cret", 200},
		// The webhook's own default admin:admin is off: the web config's
		// users are the only ones.
		{http.MethodPost, "/webhook", "admin", "admin", 401},
		{http.MethodPost, "/webhook", "", "", 401},
		{http.MethodPost, "/webhook", "carol", "s3cret", 200},
	} {
		if code, _ := request(t, client, tt.method, base+tt.path, tt.user, tt.pass, body); code != tt.want {
			t.Errorf("%s %s as %q = %d, want %d", tt.method, tt.path, tt.user, code, tt.want)
		}
	}
	if n := len(emu.Incidents()); n != 2 {
		t.Errorf("incidents = %d, want 2 (one webhook applied)", n)
	}
	if strings.Contains(p.stderr.String(), "s3cret") {
		t.Errorf("logs leak the password")
	}
	var out, errb bytes.Buffer
	if code := run(t.Context(), []string{"healthcheck", "--web.listen-address", strings.TrimPrefix(base, "https://")},
		func(k string) string { return env[k] }, &out, &errb, nil); code != 0 {
		t.Errorf("healthcheck behind basic_auth_users = %d, want 0 (a 401 is an answer); stderr: %s", code, &errb)
	}
}

// TestWebConfigRefused: a web config that cannot work stops serve before
// it listens, naming the file and the reason.
func TestWebConfigRefused(t *testing.T) {
	dir := t.TempDir()
	selfSigned(t, dir)
	tests := []struct {
		name, content string
		env           map[string]string
		want          int
		reason        string
	}{
		{"missing_cert", "tls_server_config:\n  cert_file: nope.pem\n  key_file: key.pem\n", nil, 1, "nope.pem"},
		{"unknown_key", "tls_server_config:\n  cert_file: cert.pem\n  key_file: key.pem\nbasic_auth: {}\n", nil, 1, "field basic_auth not found"},
		{"key_without_cert", "tls_server_config:\n  key_file: key.pem\n", nil, 1, "missing one of cert or cert_file"},
		{"plaintext_password", "basic_auth_users:\n  carol: s3cret\n", nil, 1, "crypto/bcrypt"},
		{"both_user_lists", "basic_auth_users:\n  carol: $2y$10$QOauhQNbBCuQDKes6eFzPeMqBSjb7Mr5DUmpZ/VcEd00UAV/LDeSi\n",
			map[string]string{"WEBHOOK_BASIC_AUTH": "alice:$apr1$s4ltS4lt$WqSRSiuEvAv7Y9YmJUhP31"}, 2, "unset WEBHOOK_BASIC_AUTH"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			emu := cachettest.NewServer(cachettest.Options{})
			t.Cleanup(emu.Close)
			env := serveEnv(t, emu)
			for k, v := range tt.env {
				env[k] = v
			}
			path := writeFile(t, dir, tt.name+".yml", tt.content)
			var out, errb bytes.Buffer
			code := run(t.Context(), []string{"serve", "--web.listen-address", "127.0.0.1:0", "--web.config.file", path}, func(k string) string { return env[k] }, &out, &errb, nil)
			if code != tt.want || !strings.Contains(errb.String(), "--web.config.file "+path) || !strings.Contains(errb.String(), tt.reason) {
				t.Errorf("serve = %d, stderr:\n%s\nwant %d naming %s and %q", code, &errb, tt.want, path, tt.reason)
			}
			if strings.Contains(out.String(), "listening") {
				t.Errorf("serve listened with a bad web config: %s", &out)
			}
		})
	}
}
