package registry

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"syscall"
	"testing"

	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
)

func TestPlainHTTPGuard(t *testing.T) {
	insecure := map[string]bool{"reg.lan:5000": true}
	g := &plainHTTPGuard{
		next: roundTripFunc(func(*http.Request) (*http.Response, error) { return &http.Response{StatusCode: 200}, nil }),
		allowed: func(h string) bool {
			return strings.HasPrefix(h, "127.") || strings.HasPrefix(h, "localhost") || insecure[h]
		},
	}
	tests := []struct {
		url     string
		allowed bool
	}{
		{"http://127.0.0.1:5000/v2/", true},
		{"http://localhost:5000/v2/", true},
		{"http://reg.lan:5000/v2/", true},
		{"http://10.0.0.5:5000/v2/", false},
		{"http://registry.example.com/v2/", false},
		{"https://registry.example.com/v2/", true},
	}
	for _, tt := range tests {
		u, _ := url.Parse(tt.url)
		_, err := g.RoundTrip(&http.Request{URL: u})
		if (err == nil) != tt.allowed {
			t.Errorf("%s: err = %v, want allowed=%v", tt.url, err, tt.allowed)
		}
		var phe *PlainHTTPError
		if err != nil && !errors.As(err, &phe) {
			t.Errorf("%s: error %T is not a PlainHTTPError", tt.url, err)
		}
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func TestExplain(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want string
	}{
		{"manifest unknown", &transport.Error{StatusCode: 404, Errors: []transport.Diagnostic{{Code: transport.ManifestUnknownErrorCode, Message: "manifest unknown"}}}, "image not found in registry"},
		{"plain 404", &transport.Error{StatusCode: 404}, "image not found in registry"},
		{"denied", &transport.Error{StatusCode: 401, Errors: []transport.Diagnostic{{Code: transport.UnauthorizedErrorCode, Message: "authentication required"}}}, "denied access"},
		{"refused", fmt.Errorf("dial: %w", syscall.ECONNREFUSED), "unreachable: connection refused"},
		{"https to http", errors.New("http: server gave HTTP response to HTTPS client"), "speaks plain HTTP"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Explain("reg:5000", tt.err).Error()
			if !strings.Contains(got, tt.want) {
				t.Errorf("Explain = %q, want it to mention %q", got, tt.want)
			}
		})
	}
}

func TestParsePlatform(t *testing.T) {
	for _, ok := range []string{"linux/amd64", "linux/arm64/v8"} {
		if _, err := ParsePlatform(ok); err != nil {
			t.Errorf("%s: %v", ok, err)
		}
	}
	for _, bad := range []string{"", "linux", "nonsense"} {
		if _, err := ParsePlatform(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}
