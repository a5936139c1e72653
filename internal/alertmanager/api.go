package alertmanager

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/prometheus/alertmanager/template"
)

// APIOptions configure an APIClient. URL is required.
type APIOptions struct {
	// URL is Alertmanager's base URL, e.g. http://alertmanager:9093.
	URL string
	// Username and Password, if set, are sent as HTTP Basic Auth.
	Username, Password string
	// BearerToken, if set, is sent as an Authorization bearer token.
	BearerToken string
	// HTTPClient defaults to one with a 10 s timeout.
	HTTPClient *http.Client
}

// APIClient reads Alertmanager's current alerts from its v2 API, so that
// statusbridge can recover notifications it never received.
type APIClient struct {
	base *url.URL
	o    APIOptions
}

// NewAPIClient checks o and returns a client.
func NewAPIClient(o APIOptions) (*APIClient, error) {
	u, err := url.Parse(o.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("alertmanager URL %q is not an http(s) URL; use e.g. http://alertmanager:9093", o.URL)
	}
	if u.User != nil {
		return nil, errors.New("alertmanager URL must not carry credentials; use ALERTMANAGER_USERNAME and ALERTMANAGER_PASSWORD_FILE")
	}
	if o.BearerToken != "" && o.Username != "" {
		return nil, errors.New("alertmanager: set basic auth or a bearer token, not both")
	}
	if o.HTTPClient == nil {
		o.HTTPClient = &http.Client{Timeout: 10 * time.Second}
	}
	u.Path = strings.TrimSuffix(u.Path, "/")
	return &APIClient{base: u, o: o}, nil
}

// Current is Alertmanager's view at one moment: the status-page alerts it
// holds, split by whether a silence mutes them.
type Current struct {
	// Active are the alerts that fire and notify, as firing events.
	Active []Event
	// Silenced are the alerts that fire but a silence mutes, as firing events.
	Silenced []Event
	// Ignored explains the alerts that are not status-page alerts.
	Ignored []Ignored
}

// apiAlert is an entry of GET /api/v2/alerts (gettableAlert).
type apiAlert struct {
	Labels       template.KV `json:"labels"`
	Annotations  template.KV `json:"annotations"`
	StartsAt     time.Time   `json:"startsAt"`
	EndsAt       time.Time   `json:"endsAt"`
	GeneratorURL string      `json:"generatorURL"`
	Fingerprint  string      `json:"fingerprint"`
	Status       struct {
		State      string   `json:"state"`
		SilencedBy []string `json:"silencedBy"`
	} `json:"status"`
}

// Current returns every alert Alertmanager holds, muted or not.
// Alertmanager API: GET /api/v2/alerts
func (c *APIClient) Current(ctx context.Context) (Current, error) {
	q := url.Values{"active": {"true"}, "silenced": {"true"}, "inhibited": {"true"}, "unprocessed": {"true"}}
	var alerts []apiAlert
	if err := c.get(ctx, "/api/v2/alerts", q, 256<<20, func(r io.Reader) error {
		return json.NewDecoder(r).Decode(&alerts)
	}); err != nil {
		return Current{}, err
	}
	return current(alerts), nil
}

// ActiveSilences returns the silences in force now. Pending ones (starting
// later) and expired ones are left out.
// Alertmanager API: GET /api/v2/silences
func (c *APIClient) ActiveSilences(ctx context.Context) ([]Silence, error) {
	var out []Silence
	err := c.get(ctx, "/api/v2/silences", nil, 64<<20, func(r io.Reader) error {
		var err error
		out, err = DecodeSilences(r)
		return err
	})
	return out, err
}

// get reads path with the client's credentials and hands at most limit
// bytes of a 200 answer to decode.
func (c *APIClient) get(ctx context.Context, path string, q url.Values, limit int64, decode func(io.Reader) error) error {
	u := *c.base
	u.Path += path
	u.RawQuery = q.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return fmt.Errorf("alertmanager: build request: %w", err)
	}
	req.Header.Set("Accept", "application/json")
	switch {
	case c.o.BearerToken != "":
		req.Header.Set("Authorization", "Bearer "+c.o.BearerToken)
	case c.o.Username != "":
		req.SetBasicAuth(c.o.Username, c.o.Password)
	}
	resp, err := c.o.HTTPClient.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // the URL may carry a query; keep logs short
		}
		return fmt.Errorf("alertmanager: GET %s: %w", path, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		return fmt.Errorf("alertmanager: GET %s: %s", path, resp.Status)
	}
	if err := decode(io.LimitReader(resp.Body, limit)); err != nil {
		return fmt.Errorf("alertmanager: decode %s: %w", path, err)
	}
	return nil
}

// current sorts the API's alerts into active and silenced status-page
// events, with the same label rules as webhooks.
func current(alerts []apiAlert) Current {
	var active, silenced template.Alerts
	silencedBy := map[string][]string{}
	for _, a := range alerts {
		ta := template.Alert{Status: statusFiring, Labels: a.Labels, Annotations: a.Annotations,
			StartsAt: a.StartsAt, EndsAt: a.EndsAt, GeneratorURL: a.GeneratorURL, Fingerprint: a.Fingerprint}
		if len(a.Status.SilencedBy) > 0 {
			silenced = append(silenced, ta)
			fp := a.Fingerprint
			if fp == "" {
				fp = fingerprint(a.Labels)
			}
			silencedBy[fp] = a.Status.SilencedBy
		} else {
			active = append(active, ta)
		}
	}
	var cur Current
	var ig []Ignored
	cur.Active, cur.Ignored = Events(&Message{Data: &template.Data{Alerts: active}})
	cur.Silenced, ig = Events(&Message{Data: &template.Data{Alerts: silenced}})
	cur.Ignored = append(cur.Ignored, ig...)
	for i := range cur.Silenced {
		cur.Silenced[i].SilencedBy = silencedBy[cur.Silenced[i].Fingerprint]
	}
	return cur
}
