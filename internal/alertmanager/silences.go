package alertmanager

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
)

// Silence is a silence in force, as far as statusbridge needs it: enough to
// announce it as maintenance and to find the alerts it mutes.
type Silence struct {
	ID string
	// Comment is the operator's reason; CreatedBy who set it.
	Comment, CreatedBy string
	StartsAt, EndsAt   time.Time
}

// silenceState is what Alertmanager computes for a silence on every read.
const silenceActive = "active"

// apiSilence is an entry of GET /api/v2/silences (gettableSilence).
type apiSilence struct {
	ID        string    `json:"id"`
	Comment   string    `json:"comment"`
	CreatedBy string    `json:"createdBy"`
	StartsAt  time.Time `json:"startsAt"`
	EndsAt    time.Time `json:"endsAt"`
	Status    struct {
		State string `json:"state"`
	} `json:"status"`
}

// DecodeSilences reads the body of GET /api/v2/silences and keeps the
// active silences, in answer order. Pending silences (their start still
// ahead) are not windows yet and expired ones are over; a silence without
// an id could never be matched to the alerts it mutes, so it is dropped
// too. Anything but one JSON array is an error.
func DecodeSilences(r io.Reader) ([]Silence, error) {
	dec := json.NewDecoder(r)
	var in []apiSilence
	if err := dec.Decode(&in); err != nil {
		return nil, fmt.Errorf("silences: %w", err)
	}
	if in == nil {
		return nil, errors.New("silences: got null, want an array")
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, errors.New("silences: data after the array")
	}
	var out []Silence
	for _, s := range in {
		if s.Status.State != silenceActive || strings.TrimSpace(s.ID) == "" {
			continue
		}
		out = append(out, Silence{ID: s.ID, Comment: s.Comment, CreatedBy: s.CreatedBy, StartsAt: s.StartsAt, EndsAt: s.EndsAt})
	}
	return out, nil
}
