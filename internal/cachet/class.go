package cachet

import (
	"errors"
	"net/http"
)

// Class is what a failed Cachet call means for the caller (spec §11).
type Class int

const (
	// ClassTemporary: no answer, a timeout, a 5xx or a 429. Retry with backoff.
	ClassTemporary Class = iota
	// ClassLost: a 404 on an object the caller knows by id; it was deleted.
	// Look it up again and recreate it if it is really gone.
	ClassLost
	// ClassPermanent: any other 4xx, or an answer too large to read. The same
	// request gets the same answer: do not retry it in a loop.
	ClassPermanent
	// ClassUnauthorised: 401 or 403. The token was revoked or lacks an ability;
	// retry slowly, it recovers when the token works again.
	ClassUnauthorised
)

func (c Class) String() string {
	switch c {
	case ClassLost:
		return "lost"
	case ClassPermanent:
		return "permanent"
	case ClassUnauthorised:
		return "unauthorised"
	default:
		return "temporary"
	}
}

// Classify tells which class err is. An error that joins several is of the
// class that retrying helps most: temporary before unauthorised before lost
// before permanent, so one permanent part never stops the retry of another.
// Errors that are not Cachet's (a deadline while waiting for a lock) are
// temporary.
func Classify(err error) Class {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		best := ClassPermanent
		for _, e := range j.Unwrap() {
			if c := Classify(e); rank(c) < rank(best) {
				best = c
			}
		}
		return best
	}
	var ae *APIError
	var le *LimitError
	switch {
	case errors.As(err, &ae):
		switch {
		case ae.StatusCode == http.StatusUnauthorized || ae.StatusCode == http.StatusForbidden:
			return ClassUnauthorised
		case ae.StatusCode == http.StatusNotFound:
			return ClassLost
		case ae.StatusCode == http.StatusTooManyRequests || ae.StatusCode == http.StatusRequestTimeout || ae.StatusCode >= 500:
			return ClassTemporary
		default:
			return ClassPermanent
		}
	case errors.As(err, &le):
		return ClassPermanent
	default:
		return ClassTemporary
	}
}

func rank(c Class) int {
	switch c {
	case ClassTemporary:
		return 0
	case ClassUnauthorised:
		return 1
	case ClassLost:
		return 2
	default:
		return 3
	}
}
