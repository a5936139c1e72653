// Package htpasswd holds the Basic Auth users of the webhook endpoint, parsed
// once from WEBHOOK_BASIC_AUTH and checked on every request.
//
// Hashes may be bcrypt ($2y$, $2a$, $2b$), Apache MD5 ($apr1$) or {SHA}, the
// forms the htpasswd tool writes. The digest algorithms come from
// github.com/tg123/go-htpasswd rather than being rewritten here: its apr1
// matcher and its {SHA} matcher both compare in constant time (apr1 compares
// SHA-1 digests of the two strings with crypto/subtle, {SHA} uses
// subtle.ConstantTimeCompare directly). Its parsers are too lenient to be the
// only check, though: they accept $1$ and $2x$, leave bcrypt costs and apr1
// lengths unchecked, and put the hash into their error text. So this package
// validates each form itself, never forwards the library's errors, and only
// hands well-formed apr1 and {SHA} hashes to the library. bcrypt goes straight
// to golang.org/x/crypto/bcrypt (the library's matcher is a one-line wrapper
// around it), because Verify needs to bound and cache those compares.
//
// Verify follows prometheus/exporter-toolkit web/handler.go so that response
// timing does not reveal which users exist: see Verify for the details.
package htpasswd

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"maps"
	"runtime"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	gohtpasswd "github.com/tg123/go-htpasswd"
	"golang.org/x/crypto/bcrypt"
)

const (
	// maxBcryptCost is the upper bound htpasswd -C accepts. A higher cost
	// would make every login take minutes while holding a compare slot,
	// which is a typo rather than a choice.
	maxBcryptCost = 17

	// defaultCacheSize bounds the verified-credential cache; a few hundred
	// entries cover any honest set of Alertmanager instances.
	defaultCacheSize = 256

	// minCompareWait and maxCompareWait bound how long a credential that is
	// not cached waits for a compare slot before Verify gives up with
	// ErrBusy. Between them the wait is three compares' time as last
	// measured, so a request whose turn is next gets its slot however fast
	// the CPU is, and a flood is refused instead of piling up.
	minCompareWait = 250 * time.Millisecond
	maxCompareWait = 5 * time.Second

	// defaultHash is bcrypt("admin"), the historic default login. Its cost is
	// htpasswd -B's default of 5: the password is public, so a higher cost
	// would only make each login slower.
	defaultHash = "$2y$05$Ehor3Dal6cICVh2ARqRqTua3OwZbANQ8BkmXepdldk5.GIENqXrqm"

	// bcryptAlphabet is the base64 alphabet bcrypt uses for salt and digest.
	bcryptAlphabet = "./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
)

// ErrBusy is returned by Verify when every compare slot stayed taken for
// the whole wait: the credential was neither accepted nor rejected.
var ErrBusy = errors.New("too many password checks in progress; retry later")

// Users is a set of Basic Auth users with their password hashes. Its users
// are fixed by Parse; it is safe for concurrent use.
type Users struct {
	users map[string]entry
	names []string

	// dummy stands in for unknown users. Its cost is the highest configured
	// bcrypt cost, so an unknown user is not faster to reject than a real one.
	dummy entry

	// gate bounds concurrent bcrypt compares: they are CPU-heavy, and a
	// burst of bad logins must not take the CPU the webhook handler needs.
	// minWait is the shortest wait for a slot, lastCompare the duration of
	// the last compare in nanoseconds; see waitForSlot.
	gate        *gate
	minWait     time.Duration
	lastCompare atomic.Int64
	// compare is bcrypt.CompareHashAndPassword; tests replace it to count
	// compares instead of measuring time.
	compare func(hash, password []byte) error

	// cache holds credentials that verified, under an HMAC with macKey,
	// random per process: no plaintext, and nothing a guesser could test
	// passwords against offline without that key.
	cache  *verifiedCache
	macKey [sha256.Size]byte
}

// entry is one user's hash. digest is nil for bcrypt hashes.
type entry struct {
	hash   string
	digest gohtpasswd.EncodedPasswd
}

// Parse reads user:hash entries separated by commas and/or newlines. Blank
// entries and spaces around entries, user names and hashes are ignored.
// Every bad entry is reported in one joined error; each message names the
// entry (counting non-blank entries from 1) and the user, never the hash.
// Input without any entry is an error too.
func Parse(s string) (*Users, error) {
	users := make(map[string]entry)
	seen := make(map[string]int) // user -> entry number, for duplicate messages
	var errs []error
	n, maxCost := 0, 0
	for raw := range strings.FieldsFuncSeq(s, func(r rune) bool { return r == ',' || r == '\n' }) {
		text := strings.TrimSpace(raw)
		if text == "" {
			continue
		}
		n++
		user, hash, ok := strings.Cut(text, ":")
		if !ok {
			// Without a ':' the text may be a bare password or hash, so it is not quoted.
			errs = append(errs, fmt.Errorf("entry %d: missing ':' between user and hash; write user:hash, e.g. the output of htpasswd -nbB USER PASSWORD", n))
			continue
		}
		user, hash = strings.TrimSpace(user), strings.TrimSpace(hash)
		if user == "" {
			errs = append(errs, fmt.Errorf("entry %d: empty user name; write user:hash, e.g. the output of htpasswd -nbB USER PASSWORD", n))
			continue
		}
		if first, dup := seen[user]; dup {
			errs = append(errs, fmt.Errorf("entry %d (user %q): duplicate user, already defined in entry %d; keep one entry per user", n, user, first))
			continue
		}
		seen[user] = n
		e, cost, err := parseHash(user, hash)
		if err != nil {
			errs = append(errs, fmt.Errorf("entry %d (user %q): %w", n, user, err))
			continue
		}
		users[user] = e
		maxCost = max(maxCost, cost)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	if n == 0 {
		return nil, errors.New("no user:hash entries; set at least one, e.g. the output of htpasswd -nbB USER PASSWORD")
	}
	return newUsers(users, maxCost), nil
}

// Default returns the single user admin with password admin, used when
// WEBHOOK_BASIC_AUTH is unset.
func Default() *Users {
	return newUsers(map[string]entry{"admin": {hash: defaultHash}}, 5) // 5 is defaultHash's cost
}

func newUsers(users map[string]entry, maxCost int) *Users {
	u := &Users{
		users: users,
		names: slices.Sorted(maps.Keys(users)),
		dummy: entry{hash: dummyHash(maxCost)},
		// Half the CPUs at most, so a flood of guesses leaves the other
		// half to the webhooks that did authenticate.
		gate:    newGate(max(1, runtime.GOMAXPROCS(0)/2)),
		minWait: minCompareWait,
		compare: bcrypt.CompareHashAndPassword,
		cache:   newVerifiedCache(defaultCacheSize),
	}
	_, _ = rand.Read(u.macKey[:]) // never fails: crypto/rand crashes the program instead
	return u
}

// Verify reports whether password is correct for user. An empty password
// never verifies.
//
// A credential that verified before is answered from a cache, without
// waiting for anything. Any other call runs exactly one bcrypt compare,
// whether or not the user exists and whatever its hash scheme: unknown users
// are compared against a dummy hash nobody knows the password of, and digest
// users pay for a dummy compare next to their own. Those compares share a
// few slots, handed out in turn by source (the client's address), so one
// client's flood does not queue ahead of other clients. If no slot comes
// within a short wait, Verify returns ErrBusy without deciding, and the
// caller should ask the client to retry; it returns ctx's cause if ctx ends
// first.
func (u *Users) Verify(ctx context.Context, source, user, password string) (bool, error) {
	if password == "" {
		return false, nil
	}
	key := u.cacheKey(user, password)
	if u.cache.has(key) {
		return true, nil
	}
	e, known := u.users[user]
	if !known {
		e = u.dummy
	}
	if err := u.gate.enter(ctx, source, u.waitForSlot()); err != nil {
		return false, err
	}
	start := time.Now()
	var ok bool
	if e.digest != nil {
		ok = e.digest.MatchesPassword(password)
		_ = u.compare([]byte(u.dummy.hash), []byte(password))
	} else {
		ok = u.compare([]byte(e.hash), []byte(password)) == nil
	}
	u.lastCompare.Store(int64(time.Since(start)))
	u.gate.leave()
	// known guards against someone who learns the dummy's password.
	if !known || !ok {
		return false, nil
	}
	u.cache.add(key)
	return true, nil
}

// waitForSlot is three times the last compare's duration, at least
// u.minWait and at most maxCompareWait (or u.minWait if that is longer).
func (u *Users) waitForSlot() time.Duration {
	w := 3 * time.Duration(u.lastCompare.Load())
	return min(max(w, u.minWait), max(maxCompareWait, u.minWait))
}

// Names returns the user names, sorted.
func (u *Users) Names() []string {
	return slices.Clone(u.names)
}

// parseHash checks one hash and returns its matcher and, for bcrypt, its cost.
// Errors never include the hash, only what is wrong and how to make a new one.
func parseHash(user, hash string) (entry, int, error) {
	switch {
	case hash == "":
		return entry{}, 0, fmt.Errorf("empty hash; generate one, e.g. htpasswd -nbB %s PASSWORD", user)
	case strings.HasPrefix(hash, "$2a$"), strings.HasPrefix(hash, "$2b$"), strings.HasPrefix(hash, "$2y$"):
		cost, err := bcryptCost(user, hash)
		return entry{hash: hash}, cost, err
	case strings.HasPrefix(hash, gohtpasswd.PrefixCryptApr1):
		d := acceptDigest(gohtpasswd.AcceptMd5, hash)
		if d == nil || !wellFormedApr1(hash) {
			return entry{}, 0, fmt.Errorf("malformed $apr1$ hash: want $apr1$, a salt of 1 to 8 characters, '$' and a 22-character digest; regenerate it, e.g. htpasswd -nbm %s PASSWORD", user)
		}
		return entry{hash: hash, digest: d}, 0, nil
	case strings.HasPrefix(hash, "{SHA}"):
		d := acceptDigest(gohtpasswd.AcceptSha, hash)
		if d == nil {
			return entry{}, 0, fmt.Errorf("malformed {SHA} hash: want {SHA} and the base64 of a 20-byte SHA-1 digest; regenerate it, e.g. htpasswd -nbs %s PASSWORD", user)
		}
		return entry{hash: hash, digest: d}, 0, nil
	case strings.HasPrefix(hash, "$"), strings.HasPrefix(hash, "{"):
		return entry{}, 0, fmt.Errorf("unsupported hash; use bcrypt, $apr1$ or {SHA}, e.g. htpasswd -nbB %s PASSWORD", user)
	default:
		return entry{}, 0, fmt.Errorf("unsupported hash: this looks like a plaintext password; use bcrypt, $apr1$ or {SHA}, e.g. htpasswd -nbB %s PASSWORD", user)
	}
}

// acceptDigest runs a go-htpasswd parser and returns nil if it rejects the
// hash. The parser's error is dropped on purpose: its text contains the hash.
func acceptDigest(accept gohtpasswd.PasswdParser, hash string) gohtpasswd.EncodedPasswd {
	d, err := accept(hash)
	if err != nil {
		return nil
	}
	return d
}

// bcryptCost checks the shape $2y$NN$ + 53 characters and returns NN. The
// library's own check happens only at compare time, which would turn a typo
// into a user who can never log in.
func bcryptCost(user, hash string) (int, error) {
	if len(hash) != 60 || hash[6] != '$' || !onlyFrom(hash[7:], bcryptAlphabet) {
		return 0, fmt.Errorf("malformed bcrypt hash: want $2y$, a two-digit cost, '$' and 53 characters of [./A-Za-z0-9]; regenerate it, e.g. htpasswd -nbB %s PASSWORD", user)
	}
	d1, d2 := hash[4], hash[5]
	if d1 < '0' || d1 > '9' || d2 < '0' || d2 > '9' {
		return 0, fmt.Errorf("malformed bcrypt cost: want two digits from %02d to %02d; regenerate it, e.g. htpasswd -nbB -C 10 %s PASSWORD", bcrypt.MinCost, maxBcryptCost, user)
	}
	cost := int(d1-'0')*10 + int(d2-'0')
	if cost < bcrypt.MinCost || cost > maxBcryptCost {
		return 0, fmt.Errorf("malformed bcrypt cost: want two digits from %02d to %02d; regenerate it, e.g. htpasswd -nbB -C 10 %s PASSWORD", bcrypt.MinCost, maxBcryptCost, user)
	}
	return cost, nil
}

// wellFormedApr1 checks the shape go-htpasswd does not: Apache uses at most
// 8 salt characters, so a longer salt could never match.
func wellFormedApr1(hash string) bool {
	salt, digest, ok := strings.Cut(strings.TrimPrefix(hash, gohtpasswd.PrefixCryptApr1), "$")
	return ok && len(salt) >= 1 && len(salt) <= 8 && onlyFrom(salt, bcryptAlphabet) &&
		len(digest) == 22 && onlyFrom(digest, bcryptAlphabet)
}

func onlyFrom(s, alphabet string) bool {
	for _, r := range s {
		if !strings.ContainsRune(alphabet, r) {
			return false
		}
	}
	return true
}

// cacheKey is HMAC-SHA256 of user and password under u.macKey. The user is
// length-prefixed so that different (user, password) pairs cannot produce
// the same input; the hash is not part of the key because a Users never
// changes its hashes.
func (u *Users) cacheKey(user, password string) [sha256.Size]byte {
	h := hmac.New(sha256.New, u.macKey[:])
	var n [8]byte
	binary.BigEndian.PutUint64(n[:], uint64(len(user)))
	h.Write(n[:])
	h.Write([]byte(user))
	h.Write([]byte(password))
	var k [sha256.Size]byte
	h.Sum(k[:0])
	return k
}

// dummyHash returns a bcrypt hash of a random password that was thrown away
// after hashing, at the given cost (clamped to the supported range). One hash
// per cost lets unknown users cost as much as real ones without hashing at
// start-up.
func dummyHash(cost int) string {
	switch cost {
	case 5:
		return "$2y$05$gZxEOc7IZU7wLv7zqtuwZevrs/fJYaB2AYt8SECqYHDYvcxB871my"
	case 6:
		return "$2y$06$PC38MU273xrTtG71ihQHoOV6slm7EwnRFUbNqTH9h4RcAUCH2ndAC"
	case 7:
		return "$2y$07$G1nnuHF4cGQaPKsuQpPLeODd2swfb2rqNB.13plJT1STvR/1IhtFe"
	case 8:
		return "$2y$08$zZzE6ljYbNaW11k6FY/fz.iMsTe1RKOwSLRsJgli344ec9Y5KFRI."
	case 9:
		return "$2y$09$BopAjvKMNcD3IWLYPwRL3eqTB3Fp9DduatYvW5G3727ZVqsNEasRi"
	case 10:
		return "$2y$10$/t0k/fTupdbgiW5Nk5HDqepr8mEBUEXNblCX5W5Sp332PwH9qJFJ6"
	case 11:
		return "$2y$11$2aRiSWTE9caYLCH6JKaiBuz0NS.yCPV.mcu5GYi7accm3ihPhqw/G"
	case 12:
		return "$2y$12$HGS6Ojpk6pC0lFq32.7/xePFcLeTMBaHWWTl1xUg0K8mLJmYIrzY6"
	case 13:
		return "$2y$13$LE688B0QiBfwV07TOLyqUORH0UmDSpMl7feDXIBoJJL8/CSov7Zia"
	case 14:
		return "$2y$14$6HqBMbv6wAkCCel9iZVZ1.qsUn8mpPCbfSzelNV7mm6bDYVVYO7NS"
	case 15:
		return "$2y$15$cSgKvtkuSiO6qMV8MeQNWOlh/UJlq1lGs742ttXH4NUbfo5GowTqW"
	case 16:
		return "$2y$16$l7mqBRH9022MIfEjRVTZzO1Ng0vuAT0x24PmSdTlFNAw3KzaNOpkO"
	case 17:
		return "$2y$17$9c59eQwm6M1svg.1Li3KNORWwUVJD24A4Do2fS2WVE5YM8MhmCRf6"
	default:
		// Digest-only configurations have no cost to match; the cheapest
		// bcrypt keeps every path equal at the lowest price.
		return "$2y$04$NKdJoke9heTaUm7F9Xdf4Oa4ppEbaQmlSaixKIWaK4/zDFeoC175K"
	}
}
