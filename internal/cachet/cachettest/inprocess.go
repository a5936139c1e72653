package cachettest

import (
	"net"
	"net/http"
	"net/http/httptest"
	"syscall"
)

// HTTPClient returns a client that serves every request in-process, with
// no network: a client and the emulator then run entirely inside a
// testing/synctest bubble, and thousands of requests cost no sockets.
// Reset and LoseResponse faults surface as connection-reset errors (a
// LoseResponse request is still applied).
func (e *Emulator) HTTPClient() *http.Client {
	return &http.Client{Transport: inProcess{e}}
}

type inProcess struct{ e *Emulator }

func (t inProcess) RoundTrip(req *http.Request) (resp *http.Response, err error) {
	defer func() {
		if r := recover(); r != nil {
			if r != http.ErrAbortHandler { //nolint:errorlint // a panic value, compared as net/http does
				panic(r)
			}
			resp, err = nil, &net.OpError{Op: "read", Net: "tcp", Err: syscall.ECONNRESET}
		}
	}()
	if err := req.Context().Err(); err != nil {
		return nil, err
	}
	rec := httptest.NewRecorder()
	t.e.ServeHTTP(rec, req)
	resp = rec.Result()
	resp.Request = req
	if err := req.Context().Err(); err != nil {
		// The handler gave up waiting (Delay) because the caller did.
		return nil, err
	}
	return resp, nil
}
