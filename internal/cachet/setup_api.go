package cachet

import (
	"context"
	"net/url"
	"strings"
	"unicode/utf8"
)

// ComponentsNamed returns the components, enabled or not, whose name is
// exactly name, lowest id first. setup uses it to learn whether a create
// whose answer was lost took effect, without re-reading every component.
// Cachet API: GET /components?filter[name]=…&filter[enabled]=0,1&include=group,meta&sort=id
func (c *Client) ComponentsNamed(ctx context.Context, name string) ([]Component, error) {
	// filter[name] is a case-insensitive substring match that Cachet splits
	// on commas, so send the longest comma-free part and match exactly here.
	part := ""
	for p := range strings.SplitSeq(name, ",") {
		if utf8.RuneCountInString(p) > utf8.RuneCountInString(part) {
			part = p
		}
	}
	q := url.Values{"filter[enabled]": {"0,1"}, "sort": {"id"}}
	if strings.TrimSpace(part) != "" {
		q.Set("filter[name]", part)
	}
	all, err := withMeta(c, q, "group", func(q url.Values) ([]Component, error) {
		return list(ctx, c, "/components", q, decodeComponent)
	})
	if err != nil {
		return nil, err
	}
	var out []Component
	for _, x := range all {
		if x.Name == name {
			out = append(out, x)
		}
	}
	return out, nil
}
