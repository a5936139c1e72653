package cachettest

import (
	"net/http"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// Spec 1.5: the components and groups indexes have no default order. The
// emulator returns heap order, which is not the id order and moves as rows
// are written; an explicit sort is exact.
func TestIndexOrderWithoutSort(t *testing.T) {
	t.Parallel()
	for _, d := range []Dialect{Head, Base} {
		t.Run(d.String(), func(t *testing.T) {
			t.Parallel()
			s := start(t, Options{Dialect: d})
			a := admin(t, s)
			var want []int
			for i := range 12 {
				want = append(want, s.AddComponent(Component{Name: string(rune('a' + i)), Enabled: true}))
				s.AddGroup(Group{Name: string(rune('a' + i)), Visible: 1})
			}
			desc := slices.Clone(want)
			slices.Reverse(desc)
			for _, path := range []string{"/components", "/component-groups"} {
				unsorted := ids(a.do("GET", path+"?per_page=100", nil).want(t, http.StatusOK).body)
				if slices.Equal(unsorted, want) {
					t.Errorf("GET %s without sort = %v, in id order; want heap order", path, unsorted)
				}
				if got := slices.Sorted(slices.Values(unsorted)); !slices.Equal(got, want) {
					t.Errorf("GET %s without sort holds %v, want the rows %v", path, got, want)
				}
				for q, w := range map[string][]int{
					"sort=id":   want,
					"sort=-id":  desc,
					"sort=name": want,
				} {
					if diff := cmp.Diff(w, ids(a.do("GET", path+"?per_page=100&"+q, nil).want(t, http.StatusOK).body)); diff != "" {
						t.Errorf("GET %s?%s (-want +got):\n%s", path, q, diff)
					}
				}
			}

			before := ids(a.do("GET", "/components?per_page=100", nil).want(t, http.StatusOK).body)
			a.do("PATCH", "/components/"+itoa(before[0]), map[string]any{"status": 2, "enabled": true}).want(t, http.StatusOK)
			after := ids(a.do("GET", "/components?per_page=100", nil).want(t, http.StatusOK).body)
			if slices.Equal(before, after) {
				t.Errorf("heap order %v did not move when component %d was written", after, before[0])
			}
		})
	}
}

// A pager without sort that reads while something writes skips rows, as
// it does on PostgreSQL (issue 9 #3); with sort=id it sees every row once.
func TestPagingWhileWriting(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		sort  string
		exact bool
	}{
		{"unsorted_pager_misses_rows", "", false},
		{"sort_id_sees_every_row_once", "&sort=id", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := start(t, Options{})
			a := admin(t, s)
			var want []int
			for i := range 60 {
				want = append(want, s.AddComponent(Component{Name: "c" + itoa(i), Status: 1, Enabled: true}))
			}
			seen := map[int]int{}
			for page, w := 1, 0; ; page++ {
				if page > 50 {
					t.Fatal("pagination never ended")
				}
				r := a.do("GET", "/components?per_page=8&page="+itoa(page)+tt.sort, nil).want(t, http.StatusOK)
				for _, id := range ids(r.body) {
					seen[id]++
				}
				if !has(r.body["links"], "next") {
					break
				}
				// Between two pages, someone changes three components.
				for range 3 {
					a.do("PATCH", "/components/"+itoa(want[w%len(want)]), map[string]any{"status": 1 + page%4, "enabled": true}).want(t, http.StatusOK)
					w += 7
				}
			}
			missing, repeated := 0, 0
			for _, id := range want {
				switch n := seen[id]; {
				case n == 0:
					missing++
				case n > 1:
					repeated++
				}
			}
			if tt.exact && (missing != 0 || repeated != 0) {
				t.Errorf("sorted walk: %d rows missing, %d repeated; want every row exactly once", missing, repeated)
			}
			if !tt.exact && missing == 0 {
				t.Errorf("unsorted walk while writing saw every row (%d repeated); want rows skipped as on PostgreSQL", repeated)
			}
			t.Logf("%d of %d rows missing, %d repeated", missing, len(want), repeated)
		})
	}
}
