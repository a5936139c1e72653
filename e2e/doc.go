// Package e2e holds statusbridge's end-to-end tests: a real Alertmanager
// (built from its module with the Go toolchain) and a real statusbridge
// process, on loopback, against the Cachet emulator. They are behind the
// e2e build tag because the first run builds Alertmanager (about a minute):
//
//	go test -tags e2e ./e2e/...   (or: make e2e)
package e2e
