//go:build !race

package server_test

// floodCost is the bcrypt cost of the flood tests: 10, htpasswd -B's usual
// choice for real deployments. See race_test.go for the race build.
const floodCost = 10
