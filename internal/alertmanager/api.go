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
	u := *c.base
	u.Path += "/api/v2/alerts"
	u.RawQuery = url.Values{"active": {"true"}, "silenced": {"true"}, "inhibited": {"true"}, "unprocessed": {"true"}}.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return Current{}, fmt.Errorf("alertmanager: build request: %w", err)
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
		return Current{}, fmt.Errorf("alertmanager: GET /api/v2/alerts: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		return Current{}, fmt.Errorf("alertmanager: GET /api/v2/alerts: %s", resp.Status)
	}
	var alerts []apiAlert
	if err := json.NewDecoder(io.LimitReader(resp.Body, 256<<20)).Decode(&alerts); err != nil {
		return Current{}, fmt.Errorf("alertmanager: decode /api/v2/alerts: %w", err)
	}
	return current(alerts), nil
}

// current sorts the API's alerts into active and silenced status-page
// events, with the same label rules as webhooks.
func current(alerts []apiAlert) Current {
	var active, silenced template.Alerts
	for _, a := range alerts {
		ta := template.Alert{Status: statusFiring, Labels: a.Labels, Annotations: a.Annotations,
			StartsAt: a.StartsAt, EndsAt: a.EndsAt, GeneratorURL: a.GeneratorURL, Fingerprint: a.Fingerprint}
		if len(a.Status.SilencedBy) > 0 {
			silenced = append(silenced, ta)
		} else {
			active = append(active, ta)
		}
	}
	var cur Current
	var ig []Ignored
	cur.Active, cur.Ignored = Events(&Message{Data: &template.Data{Alerts: active}})
	cur.Silenced, ig = Events(&Message{Data: &template.Data{Alerts: silenced}})
	cur.Ignored = append(cur.Ignored, ig...)
	return cur
}
