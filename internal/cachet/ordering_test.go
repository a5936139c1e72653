package cachet_test

import (
	"fmt"
	"net/http"
	"sync"
	"testing"

	"statusbridge/internal/cachet"
	"statusbridge/internal/cachet/cachettest"
	"statusbridge/internal/status"
)

// TestListsSeeEveryRowOnceWhileWriting pages through components and groups
// while another goroutine writes between every two pages. The emulator
// returns heap order without sort (rows move as they are written), so a
// pager that relies on the default order skips and repeats rows
// (cachettest's TestPagingWhileWriting); the client sends sort=id.
func TestListsSeeEveryRowOnceWhileWriting(t *testing.T) {
	t.Parallel()
	for _, d := range []cachettest.Dialect{cachettest.Head, cachettest.Base} {
		t.Run(d.String(), func(t *testing.T) {
			t.Parallel()
			srv, c := setup(t, cachettest.Options{Dialect: d}, cachet.Options{PerPage: 6})
			writer, err := cachet.New(cachet.Options{BaseURL: srv.APIURL(), Token: cachettest.DefaultToken})
			if err != nil {
				t.Fatal(err)
			}
			var comps, groups []int
			for i := range 40 {
				comps = append(comps, srv.AddComponent(cachettest.Component{Name: fmt.Sprintf("c%02d", i), Status: 1, Enabled: i%2 == 0}))
				groups = append(groups, srv.AddGroup(cachettest.Group{Name: fmt.Sprintf("g%02d", i), Visible: 1}))
			}

			// Before each page the client reads, the writer goroutine changes
			// three components and one group over the API and the page waits
			// for it, so every page sees rows that moved since the last one.
			turn, done := make(chan struct{}), make(chan struct{})
			srv.Inject(func(r *http.Request) *cachettest.Fault {
				if r.Method == http.MethodGet && (r.URL.Path == "/api/components" || r.URL.Path == "/api/component-groups") {
					turn <- struct{}{}
					<-done
				}
				return nil
			})
			ctx := t.Context()
			var wg sync.WaitGroup
			wg.Go(func() {
				n := 0
				for range turn {
					for range 3 {
						id := comps[n*7%len(comps)]
						if _, err := writer.UpdateComponent(ctx, id, cachet.ComponentFields{Status: cachet.Ptr(status.Status(1 + n%4)), Enabled: cachet.Ptr(n%2 == 0)}); err != nil {
							t.Errorf("update component %d: %v", id, err)
						}
						n++
					}
					id := groups[n*5%len(groups)]
					if _, err := writer.UpdateGroup(ctx, id, cachet.GroupFields{Name: cachet.Ptr(fmt.Sprintf("g-%d", n))}); err != nil {
						t.Errorf("update group %d: %v", id, err)
					}
					done <- struct{}{}
				}
			})

			gotComps, errC := c.ListComponents(ctx)
			gotGroups, errG := c.ListGroups(ctx)
			srv.Inject(nil)
			close(turn)
			wg.Wait()
			if errC != nil || errG != nil {
				t.Fatalf("ListComponents: %v; ListGroups: %v", errC, errG)
			}
			check := func(kind string, want []int, got []int) {
				t.Helper()
				seen := map[int]int{}
				for _, id := range got {
					seen[id]++
				}
				for _, id := range want {
					if seen[id] != 1 {
						t.Errorf("%s %d seen %d times, want exactly once", kind, id, seen[id])
					}
				}
				if len(got) != len(want) {
					t.Errorf("%d %s read, want %d", len(got), kind, len(want))
				}
			}
			var cids, gids []int
			for _, x := range gotComps {
				cids = append(cids, x.ID)
			}
			for _, x := range gotGroups {
				gids = append(gids, x.ID)
			}
			check("component", comps, cids)
			check("group", groups, gids)
			if n := srv.Stats().ByRoute["PATCH /components/{id}"]; n < 3*6 {
				t.Errorf("only %d component writes happened during the walk, want at least 18", n)
			}
		})
	}
}
