package htpasswd

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/crypto/bcrypt"
)

// Digest vectors computed with OpenSSL, independently of go-htpasswd:
// openssl passwd -apr1 -salt ... and printf ... | openssl dgst -sha1 -binary | base64.
const (
	apr1Hash      = "$apr1$r31....$dhPoAZvhBuMYasixWNQuZ."  // apr1pass
	apr1SpaceHash = "$apr1$Wj1Ak/..$vJy/JcDRPCCBs61CAUH2X0" // "carol s3cret"
	shaHash       = "{SHA}z0jT3TdveclVlHs5WCpg5cPeIe8="     // shapass
	shaPassHash   = "{SHA}W6ph5Mm5Pz8GgiULbPgzG37mj9g="     // password
	shaEmptyHash  = "{SHA}2jmj7l5rSw0yVb/vlWAYkK/YBwk="     // the empty string
)

// bcryptHash hashes password at MinCost and swaps in prefix ("$2a$", "$2b$"
// or "$2y$"), all of which x/crypto treats alike.
func bcryptHash(t testing.TB, password, prefix string) string {
	t.Helper()
	h, err := bcrypt.GenerateFromPassword([]byte(password), bcrypt.MinCost)
	if err != nil {
		t.Fatalf("GenerateFromPassword: %v", err)
	}
	return prefix + string(h[4:])
}

func mustParse(t testing.TB, s string) *Users {
	t.Helper()
	u, err := Parse(s)
	if err != nil {
		t.Fatalf("Parse(%q) error: %v", s, err)
	}
	return u
}

// compareSpy replaces u's bcrypt compare with one that records the hashes it
// was asked to check, so tests can count the work Verify did.
type compareSpy struct {
	mu     sync.Mutex
	hashes []string
}

func spyOn(u *Users) *compareSpy {
	s := &compareSpy{}
	real := u.compare
	u.compare = func(hash, password []byte) error {
		s.mu.Lock()
		s.hashes = append(s.hashes, string(hash))
		s.mu.Unlock()
		return real(hash, password)
	}
	return s
}

// verify calls u.Verify and reports an error, which no test here expects
// unless it sets up a busy compare slot itself.
func verify(t testing.TB, u *Users, user, password string) bool {
	t.Helper()
	ok, err := u.Verify(t.Context(), "192.0.2.1", user, password)
	if err != nil {
		t.Errorf("Verify(%q, %q) error: %v", user, password, err)
	}
	return ok
}

func (s *compareSpy) take() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	h := s.hashes
	s.hashes = nil
	return h
}

func TestVerify(t *testing.T) {
	config := strings.Join([]string{
		"alice:" + bcryptHash(t, "alice-pw", "$2a$"),
		"bob:" + bcryptHash(t, "bob-pw", "$2b$"),
		"dave:" + bcryptHash(t, "dave-pw", "$2y$"),
		"erin:" + apr1Hash,
		"carol:" + apr1SpaceHash,
		"frank:" + shaHash,
		"gina:" + shaPassHash,
	}, ",")
	u := mustParse(t, config)

	tests := []struct {
		name     string
		user     string
		password string
		want     bool
	}{
		{name: "bcrypt_2a_ok", user: "alice", password: "alice-pw", want: true},
		{name: "bcrypt_2b_ok", user: "bob", password: "bob-pw", want: true},
		{name: "bcrypt_2y_ok", user: "dave", password: "dave-pw", want: true},
		{name: "apr1_ok", user: "erin", password: "apr1pass", want: true},
		{name: "apr1_password_with_space_ok", user: "carol", password: "carol s3cret", want: true},
		{name: "sha_ok", user: "frank", password: "shapass", want: true},
		{name: "sha_second_vector_ok", user: "gina", password: "password", want: true},
		{name: "bcrypt_wrong_password", user: "alice", password: "alice-pw!", want: false},
		{name: "apr1_wrong_password", user: "erin", password: "apr1pas", want: false},
		{name: "sha_wrong_password", user: "frank", password: "Shapass", want: false},
		{name: "password_of_other_user", user: "alice", password: "bob-pw", want: false},
		{name: "unknown_user", user: "mallory", password: "alice-pw", want: false},
		{name: "user_name_is_case_sensitive", user: "Alice", password: "alice-pw", want: false},
		{name: "trailing_space_in_password", user: "frank", password: "shapass ", want: false},
		{name: "empty_password", user: "alice", password: "", want: false},
		{name: "empty_user", user: "", password: "alice-pw", want: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// The second call is answered from the cache and must agree.
			for range 2 {
				if got := verify(t, u, tt.user, tt.password); got != tt.want {
					t.Errorf("Verify(%q, %q) = %v, want %v", tt.user, tt.password, got, tt.want)
				}
			}
		})
	}
}

func TestParseSeparators(t *testing.T) {
	alice := "alice:" + bcryptHash(t, "alice-pw", "$2y$")
	erin := "erin:" + apr1Hash
	frank := "frank:" + shaHash
	tests := []struct {
		name  string
		input string
	}{
		{name: "comma", input: alice + "," + erin + "," + frank},
		{name: "newline", input: alice + "\n" + erin + "\n" + frank},
		{name: "crlf", input: alice + "\r\n" + erin + "\r\n" + frank + "\r\n"},
		{name: "comma_and_newline", input: alice + ",\n" + erin + "\n," + frank},
		{name: "surrounding_spaces", input: "  " + alice + " ,\t" + erin + "  \n  " + frank + "  "},
		{name: "blank_entries", input: ",,\n\n" + alice + ", ,\n \n" + erin + ",,," + frank + ",\n"},
		{name: "spaces_around_colon", input: "alice : " + alice[len("alice:"):] + "," + erin + "," + frank},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u := mustParse(t, tt.input)
			if diff := cmp.Diff([]string{"alice", "erin", "frank"}, u.Names()); diff != "" {
				t.Errorf("Names() mismatch (-want +got):\n%s", diff)
			}
			for user, pw := range map[string]string{"alice": "alice-pw", "erin": "apr1pass", "frank": "shapass"} {
				if !verify(t, u, user, pw) {
					t.Errorf("Verify(%q, %q) = false, want true", user, pw)
				}
			}
		})
	}
}

func TestParseRejects(t *testing.T) {
	good := bcryptHash(t, "pw", "$2y$")
	body := good[7:] // the salt and digest: the secret part of a bcrypt hash
	tests := []struct {
		name   string
		input  string
		want   []string // substrings of the error
		secret string   // must not appear in the error
	}{
		{name: "missing_colon", input: "bob" + good, want: []string{"entry 1:", "missing ':'", "htpasswd -nbB"}, secret: body},
		{name: "missing_colon_plaintext", input: "hunter2", want: []string{"entry 1:", "missing ':'"}, secret: "hunter2"},
		{name: "empty_user", input: ":" + good, want: []string{"entry 1:", "empty user name"}, secret: body},
		{name: "empty_hash", input: "bob:", want: []string{`entry 1 (user "bob")`, "empty hash", "htpasswd -nbB bob PASSWORD"}},
		{name: "duplicate_user", input: "bob:" + good + ",alice:" + good + ",bob:" + apr1Hash, want: []string{`entry 3 (user "bob")`, "duplicate user", "entry 1"}, secret: "r31...."},
		{name: "plaintext", input: "bob:hunter2", want: []string{`entry 1 (user "bob")`, "unsupported hash", "plaintext", "use bcrypt, $apr1$ or {SHA}", "htpasswd -nbB bob PASSWORD"}, secret: "hunter2"},
		{name: "sha512_crypt", input: "bob:$6$saltsalt$abcdefghijkl", want: []string{`entry 1 (user "bob")`, "unsupported hash; use bcrypt, $apr1$ or {SHA}, e.g. htpasswd -nbB bob PASSWORD"}, secret: "saltsalt"},
		{name: "md5_crypt", input: "bob:$1$saltsalt$dhPoAZvhBuMYasixWNQuZ.", want: []string{"unsupported hash"}, secret: "dhPoAZvhBuMYasixWNQuZ."},
		{name: "bcrypt_2x", input: "bob:$2x$" + good[4:], want: []string{"unsupported hash"}, secret: body},
		{name: "ssha", input: "bob:{SSHA}c2VjcmV0c2VjcmV0c2VjcmV0", want: []string{"unsupported hash"}, secret: "c2VjcmV0c2VjcmV0c2VjcmV0"},
		{name: "bcrypt_truncated", input: "bob:" + good[:59], want: []string{`entry 1 (user "bob")`, "malformed bcrypt hash", "htpasswd -nbB bob"}, secret: body[:40]},
		{name: "bcrypt_bad_character", input: "bob:" + good[:59] + "!", want: []string{"malformed bcrypt hash"}, secret: body[:40]},
		{name: "bcrypt_cost_too_low", input: "bob:$2y$03$" + body, want: []string{"malformed bcrypt cost", "04 to 17", "-C 10"}, secret: body},
		{name: "bcrypt_cost_too_high", input: "bob:$2y$31$" + body, want: []string{"malformed bcrypt cost"}, secret: body},
		{name: "bcrypt_cost_not_digits", input: "bob:$2y$1a$" + body, want: []string{"malformed bcrypt cost"}, secret: body},
		{name: "apr1_no_digest", input: "bob:$apr1$r31....", want: []string{`entry 1 (user "bob")`, "malformed $apr1$ hash", "htpasswd -nbm bob"}, secret: "r31...."},
		{name: "apr1_salt_too_long", input: "bob:$apr1$r31.....xyz$dhPoAZvhBuMYasixWNQuZ.", want: []string{"malformed $apr1$ hash"}, secret: "dhPoAZvhBuMYasixWNQuZ."},
		{name: "apr1_digest_too_short", input: "bob:$apr1$r31....$dhPoAZvhBuMYasixWNQuZ", want: []string{"malformed $apr1$ hash"}, secret: "dhPoAZvhBuMYasixWNQu"},
		{name: "sha_bad_base64", input: "bob:{SHA}z0jT3Tdvecl!lHs5WCpg5cPeIe8=", want: []string{`entry 1 (user "bob")`, "malformed {SHA} hash", "htpasswd -nbs bob"}, secret: "z0jT3Tdvecl"},
		{name: "sha_wrong_length", input: "bob:{SHA}z0jT3TdveclVlHs5WCpg5cPe", want: []string{"malformed {SHA} hash"}, secret: "z0jT3TdveclVlHs5WCpg5cPe"},
		{name: "empty_input", input: "", want: []string{"no user:hash entries"}},
		{name: "only_blanks", input: " ,\n\r\n, \t ,", want: []string{"no user:hash entries"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u, err := Parse(tt.input)
			if err == nil {
				t.Fatalf("Parse(%q) = %v, nil; want error", tt.input, u.Names())
			}
			if u != nil {
				t.Errorf("Parse(%q) returned non-nil Users with an error", tt.input)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("Parse(%q) error = %q, want it to contain %q", tt.input, err, w)
				}
			}
			if tt.secret != "" && strings.Contains(err.Error(), tt.secret) {
				t.Errorf("Parse(%q) error = %q, leaks %q", tt.input, err, tt.secret)
			}
		})
	}
}

func TestParseReportsEveryBadEntry(t *testing.T) {
	good := bcryptHash(t, "pw", "$2y$")
	input := strings.Join([]string{
		"", // blank entries are not counted
		"alice:" + good,
		"bob:hunter2",
		"  ",
		"nocolon",
		"carol:" + apr1Hash,
		"dave:{SHA}short",
	}, ",")
	_, err := Parse(input)
	if err == nil {
		t.Fatal("Parse() error = nil, want one")
	}
	got := strings.Split(err.Error(), "\n")
	want := []string{`entry 2 (user "bob")`, "entry 3:", `entry 5 (user "dave")`}
	if len(got) != len(want) {
		t.Fatalf("Parse() error has %d lines, want %d:\n%v", len(got), len(want), err)
	}
	for i := range want {
		if !strings.HasPrefix(got[i], want[i]) {
			t.Errorf("error line %d = %q, want prefix %q", i+1, got[i], want[i])
		}
	}
	for _, secret := range []string{"hunter2", "nocolon", "short", good[7:]} {
		if strings.Contains(err.Error(), secret) {
			t.Errorf("Parse() error leaks %q:\n%v", secret, err)
		}
	}
}

// TestErrorsNeverContainHash feeds every supported scheme, mangled so it is
// rejected, and checks the whole input hash never reaches the error text.
func TestErrorsNeverContainHash(t *testing.T) {
	good := bcryptHash(t, "pw", "$2y$")
	hashes := []string{
		good[:58], "$2y$99$" + good[7:], good + "x",
		apr1Hash + "x", "$apr1$" + apr1Hash[15:],
		shaHash + "x", shaHash[:20],
		"plaintext-secret", "{CRYPT}abcdefghijk", "$5$rounds=5000$saltsalt$abc",
	}
	for _, h := range hashes {
		for _, input := range []string{"bob:" + h, "bob" + h, ":" + h, "bob:" + good + ",bob:" + h} {
			_, err := Parse(input)
			if err == nil {
				t.Fatalf("Parse(%q) error = nil, want one", input)
			}
			if strings.Contains(err.Error(), h) {
				t.Errorf("Parse(%q) error = %q, contains the hash", input, err)
			}
		}
	}
}

func TestDefault(t *testing.T) {
	u := Default()
	if diff := cmp.Diff([]string{"admin"}, u.Names()); diff != "" {
		t.Errorf("Default().Names() mismatch (-want +got):\n%s", diff)
	}
	if !verify(t, u, "admin", "admin") {
		t.Error(`Default().Verify("admin", "admin") = false, want true`)
	}
	if verify(t, u, "admin", "Admin") {
		t.Error(`Default().Verify("admin", "Admin") = true, want false`)
	}
	// The dummy must cost what the real hash costs, or timing shows that admin exists.
	if got, want := cost(t, u.dummy.hash), cost(t, defaultHash); got != want {
		t.Errorf("Default() dummy cost = %d, want %d", got, want)
	}
	if _, err := Parse("admin:" + defaultHash); err != nil {
		t.Errorf("Parse(default) error: %v", err)
	}
}

func cost(t *testing.T, hash string) int {
	t.Helper()
	c, err := bcrypt.Cost([]byte(hash))
	if err != nil {
		t.Fatalf("bcrypt.Cost: %v", err)
	}
	return c
}

func TestDummyHashes(t *testing.T) {
	for c := bcrypt.MinCost; c <= maxBcryptCost; c++ {
		h := dummyHash(c)
		if got := cost(t, h); got != c {
			t.Errorf("dummyHash(%d) has cost %d", c, got)
		}
		if _, _, err := parseHash("x", h); err != nil {
			t.Errorf("dummyHash(%d) does not parse: %v", c, err)
		}
	}
	if got := cost(t, dummyHash(0)); got != bcrypt.MinCost {
		t.Errorf("dummyHash(0) has cost %d, want %d", got, bcrypt.MinCost)
	}
}

func TestNames(t *testing.T) {
	u := mustParse(t, "zed:"+shaHash+",alice:"+apr1Hash+",Mike:"+shaPassHash)
	want := []string{"Mike", "alice", "zed"}
	got := u.Names()
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Names() mismatch (-want +got):\n%s", diff)
	}
	got[0] = "changed"
	if diff := cmp.Diff(want, u.Names()); diff != "" {
		t.Errorf("Names() after editing a returned slice (-want +got):\n%s", diff)
	}
}

// TestUserEnumerationByTiming checks the work behind each answer rather than
// its duration: every credential not verified before runs exactly one bcrypt
// compare, and an unknown user's compare uses a dummy as costly as the
// configured hashes. Failures are not cached, so a repeated guess costs the
// same as a new one.
func TestUserEnumerationByTiming(t *testing.T) {
	costly, err := bcrypt.GenerateFromPassword([]byte("bob-pw"), bcrypt.MinCost+1)
	if err != nil {
		t.Fatal(err)
	}
	alice := bcryptHash(t, "alice-pw", "$2y$")
	u := mustParse(t, "alice:"+alice+",bob:"+string(costly)+",erin:"+apr1Hash+",frank:"+shaHash)
	spy := spyOn(u)
	dummy := dummyHash(bcrypt.MinCost + 1)

	tests := []struct {
		name     string
		user     string
		password string
		ok       bool
		want     []string // hashes bcrypt was run against
	}{
		{name: "unknown_user_runs_dummy_bcrypt", user: "mallory", password: "guess", want: []string{dummy}},
		{name: "unknown_user_with_real_password", user: "mallory", password: "alice-pw", want: []string{dummy}},
		{name: "bcrypt_user_runs_own_bcrypt", user: "alice", password: "guess", want: []string{alice}},
		{name: "apr1_user_runs_dummy_bcrypt", user: "erin", password: "guess", want: []string{dummy}},
		{name: "sha_user_runs_dummy_bcrypt", user: "frank", password: "guess", want: []string{dummy}},
		{name: "repeated_guess_runs_bcrypt_again", user: "mallory", password: "guess", want: []string{dummy}},
		{name: "empty_password_runs_nothing", user: "mallory", password: "", want: nil},
		{name: "first_success_runs_bcrypt", user: "alice", password: "alice-pw", ok: true, want: []string{alice}},
		{name: "verified_credential_runs_nothing", user: "alice", password: "alice-pw", ok: true, want: nil},
		{name: "digest_success_runs_dummy_bcrypt", user: "erin", password: "apr1pass", ok: true, want: []string{dummy}},
		{name: "verified_digest_runs_nothing", user: "erin", password: "apr1pass", ok: true, want: nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := verify(t, u, tt.user, tt.password); got != tt.ok {
				t.Fatalf("Verify(%q, %q) = %v, want %v", tt.user, tt.password, got, tt.ok)
			}
			if diff := cmp.Diff(tt.want, spy.take()); diff != "" {
				t.Errorf("bcrypt compares mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// TestDummyPasswordDoesNotLogIn is exporter-toolkit's fake-password attack:
// someone who knows the dummy hash's password must still not get in as an
// unknown user, from a cold or a warm cache.
func TestDummyPasswordDoesNotLogIn(t *testing.T) {
	u := mustParse(t, "alice:"+apr1Hash)
	u.dummy = entry{hash: bcryptHash(t, "fakepassword", "$2y$")}
	for range 2 {
		if verify(t, u, "mallory", "fakepassword") {
			t.Fatal(`Verify("mallory", "fakepassword") = true, want false`)
		}
	}
}

// TestEmptyPasswordRejected uses hashes of the empty password, which the
// hash check alone would accept.
func TestEmptyPasswordRejected(t *testing.T) {
	u := mustParse(t, "alice:"+bcryptHash(t, "", "$2y$")+",frank:"+shaEmptyHash)
	spy := spyOn(u)
	for _, user := range []string{"alice", "frank", "mallory"} {
		if verify(t, u, user, "") {
			t.Errorf("Verify(%q, \"\") = true, want false", user)
		}
	}
	if got := spy.take(); len(got) != 0 {
		t.Errorf("empty passwords ran %d bcrypt compares, want 0", len(got))
	}
}

// TestPasswordSprayingKeepsVerified is the eviction attack: after many
// distinct wrong passwords, for the real user and for unknown ones, the
// credential verified before the spray still verifies without a compare.
func TestPasswordSprayingKeepsVerified(t *testing.T) {
	u := mustParse(t, "alice:"+bcryptHash(t, "alice-pw", "$2y$"))
	spy := spyOn(u)
	if !verify(t, u, "alice", "alice-pw") {
		t.Fatal(`Verify("alice", "alice-pw") = false, want true`)
	}
	// Cheap compares: the spray is about the cache, not about bcrypt's cost.
	u.compare = func(hash, _ []byte) error {
		spy.mu.Lock()
		spy.hashes = append(spy.hashes, string(hash))
		spy.mu.Unlock()
		return bcrypt.ErrMismatchedHashAndPassword
	}
	const guesses = 4 * defaultCacheSize
	for i := range guesses {
		user := []string{"alice", "mallory", fmt.Sprintf("user%d", i)}[i%3]
		if verify(t, u, user, fmt.Sprintf("guess%d", i)) {
			t.Fatalf("Verify(%q, guess%d) = true, want false", user, i)
		}
	}
	if got := len(spy.take()); got != 1+guesses {
		t.Errorf("%d bcrypt compares, want %d (one per guess, none cached)", got, 1+guesses)
	}
	if got := u.cache.len(); got != 1 {
		t.Errorf("cache holds %d entries after the spray, want 1 (only the verified credential)", got)
	}
	if !verify(t, u, "alice", "alice-pw") {
		t.Error(`Verify("alice", "alice-pw") after the spray = false, want true`)
	}
	if got := len(spy.take()); got != 0 {
		t.Errorf("verified credential ran %d compares after the spray, want 0", got)
	}
}

// TestCacheIsLRU checks that a hit refreshes an entry, so the entry a full
// cache forgets is the one used least recently, not the oldest.
func TestCacheIsLRU(t *testing.T) {
	u := mustParse(t, strings.Join([]string{
		"alice:" + bcryptHash(t, "alice-pw", "$2y$"),
		"bob:" + bcryptHash(t, "bob-pw", "$2y$"),
		"carol:" + bcryptHash(t, "carol-pw", "$2y$"),
	}, ","))
	u.cache = newVerifiedCache(2)
	spy := spyOn(u)
	for _, step := range []struct {
		user     string
		compares int
	}{
		{"alice", 1},
		{"bob", 1},
		{"alice", 0}, // hit: alice is now more recent than bob
		{"carol", 1}, // full: forgets bob, the least recently used
		{"alice", 0},
		{"carol", 0},
		{"bob", 1},
	} {
		if !verify(t, u, step.user, step.user+"-pw") {
			t.Fatalf("Verify(%q) = false, want true", step.user)
		}
		if got := len(spy.take()); got != step.compares {
			t.Errorf("Verify(%q) ran %d compares, want %d", step.user, got, step.compares)
		}
	}
	if got := u.cache.len(); got != 2 {
		t.Errorf("cache holds %d entries, want 2", got)
	}
}

// TestBusyRefusesWithoutWaiting holds every compare slot and checks that a
// new credential is refused with ErrBusy after the short wait, a cancelled
// request stops waiting, and a verified credential is not held up at all.
func TestBusyRefusesWithoutWaiting(t *testing.T) {
	u := mustParse(t, "alice:"+bcryptHash(t, "alice-pw", "$2y$"))
	if !verify(t, u, "alice", "alice-pw") {
		t.Fatal(`Verify("alice", "alice-pw") = false, want true`)
	}
	u.gate = newGate(1)
	u.minWait = 10 * time.Millisecond
	entered, release := make(chan struct{}), make(chan struct{})
	real := u.compare
	u.compare = func(hash, password []byte) error {
		if string(password) == "slow" {
			close(entered)
			<-release
		}
		return real(hash, password)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		verify(t, u, "mallory", "slow")
	}()
	<-entered
	defer func() { close(release); <-done }()

	if ok, err := u.Verify(t.Context(), "192.0.2.2", "mallory", "guess"); ok || !errors.Is(err, ErrBusy) {
		t.Errorf("Verify with every slot busy = %v, %v; want false, ErrBusy", ok, err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if ok, err := u.Verify(ctx, "192.0.2.2", "mallory", "guess"); ok || !errors.Is(err, context.Canceled) {
		t.Errorf("Verify with a cancelled context = %v, %v; want false, context.Canceled", ok, err)
	}
	if ok, err := u.Verify(t.Context(), "192.0.2.2", "alice", "alice-pw"); !ok || err != nil {
		t.Errorf("Verify(verified credential) with every slot busy = %v, %v; want true, nil", ok, err)
	}
}

func TestCacheKey(t *testing.T) {
	u := mustParse(t, "alice:"+apr1Hash)
	keys := map[[32]byte]string{}
	for _, f := range [][2]string{
		{"a", "bc"},
		{"ab", "c"},
		{"", "abc"},
		{"abc", ""},
		{"a:b", "c"},
		{"a", "b:c"},
	} {
		k := u.cacheKey(f[0], f[1])
		if prev, dup := keys[k]; dup {
			t.Errorf("cacheKey(%q) = cacheKey(%s)", f, prev)
		}
		keys[k] = fmt.Sprintf("%q", f)
	}
	// The key is secret per process: another Users keys the same pair differently.
	if other := mustParse(t, "alice:"+apr1Hash); other.cacheKey("a", "bc") == u.cacheKey("a", "bc") {
		t.Error("two Users derive the same cache key; want a random key each")
	}
}

// TestConcurrentVerify runs mixed Verify calls from many goroutines (meant
// for -race) and checks no more bcrypt compares overlap than there are
// slots.
func TestConcurrentVerify(t *testing.T) {
	u := mustParse(t, strings.Join([]string{
		"alice:" + bcryptHash(t, "alice-pw", "$2y$"),
		"erin:" + apr1Hash,
		"frank:" + shaHash,
	}, "\n"))
	u.cache = newVerifiedCache(2) // small, so eviction runs concurrently too
	const slots = 2
	u.gate = newGate(slots)
	u.minWait = time.Minute // every call must decide; ErrBusy would fail the test
	var inFlight, overlaps atomic.Int32
	real := u.compare
	u.compare = func(hash, password []byte) error {
		if inFlight.Add(1) > slots {
			overlaps.Add(1)
		}
		defer inFlight.Add(-1)
		return real(hash, password)
	}

	cases := []struct {
		user, password string
		want           bool
	}{
		{"alice", "alice-pw", true},
		{"erin", "apr1pass", true},
		{"frank", "shapass", true},
		{"alice", "wrong", false},
		{"mallory", "alice-pw", false},
	}
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 5 {
				c := cases[(g+i)%len(cases)]
				pw := c.password
				if !c.want {
					pw = fmt.Sprintf("%s-%d-%d", pw, g, i) // distinct misses
				}
				if got := verify(t, u, c.user, pw); got != c.want {
					t.Errorf("Verify(%q, %q) = %v, want %v", c.user, pw, got, c.want)
				}
			}
		})
	}
	wg.Wait()
	if n := overlaps.Load(); n != 0 {
		t.Errorf("%d bcrypt compares ran beyond the %d slots", n, slots)
	}
}

func TestParseErrorIsJoined(t *testing.T) {
	_, err := Parse("a:x,b:y")
	var joined interface{ Unwrap() []error }
	if !errors.As(err, &joined) {
		t.Fatalf("Parse() error %T is not a joined error", err)
	}
	if got := len(joined.Unwrap()); got != 2 {
		t.Errorf("Parse() joined %d errors, want 2", got)
	}
}
