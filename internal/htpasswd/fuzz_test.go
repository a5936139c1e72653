package htpasswd

import (
	"slices"
	"strings"
	"testing"

	"golang.org/x/crypto/bcrypt"
)

// FuzzParse checks that Parse never panics, that what it accepts is
// well-formed, and that Verify agrees with the underlying hash check.
func FuzzParse(f *testing.F) {
	bc := bcryptHash(f, "pw", "$2y$")
	for _, s := range []string{
		"alice:" + bc,
		"alice:" + bc + ",erin:" + apr1Hash + "\nfrank:" + shaHash,
		"carol:" + apr1SpaceHash + "\r\n\r\n gina : " + shaPassHash + " ,",
		"bob:hunter2,:x,nocolon,bob:" + bc,
		"a:$2y$31$" + bc[7:],
		"a:$apr1$$,b:{SHA}=,c:$6$x$y",
		"",
		" ,\n",
	} {
		f.Add(s, "pw")
		f.Add(s, "apr1pass")
	}
	f.Fuzz(func(t *testing.T, s, password string) {
		u, err := Parse(s)
		if err != nil {
			if u != nil {
				t.Fatalf("Parse(%q) returned Users with error %v", s, err)
			}
			return
		}
		names := u.Names()
		if len(names) == 0 || len(names) != len(u.users) || !slices.IsSorted(names) {
			t.Fatalf("Parse(%q).Names() = %q, want sorted, non-empty, one per user", s, names)
		}
		for _, n := range names {
			if n == "" || n != strings.TrimSpace(n) || strings.ContainsAny(n, ",\n:") {
				t.Fatalf("Parse(%q) accepted user name %q", s, n)
			}
		}
		// Costly bcrypt hashes would make each iteration take seconds.
		if c, _ := bcrypt.Cost([]byte(u.dummy.hash)); c > bcrypt.MinCost+2 {
			return
		}
		for _, n := range names[:min(len(names), 3)] {
			e := u.users[n]
			var want bool
			if e.digest != nil {
				want = e.digest.MatchesPassword(password)
			} else {
				want = bcrypt.CompareHashAndPassword([]byte(e.hash), []byte(password)) == nil
			}
			want = want && password != ""
			for range 2 {
				if got := verify(t, u, n, password); got != want {
					t.Fatalf("Parse(%q).Verify(%q, %q) = %v, want %v", s, n, password, got, want)
				}
			}
			if verify(t, u, n+"\x00", password) {
				t.Fatalf("Parse(%q).Verify(%q, %q) = true for an unknown user", s, n+"\x00", password)
			}
		}
	})
}
