//go:build race

package server_test

// floodCost is the bcrypt cost of the flood tests. The race detector makes
// bcrypt about 20 times slower, so under it cost 6 stands in for a cost-10
// compare (tens of milliseconds, as in production).
const floodCost = 6
