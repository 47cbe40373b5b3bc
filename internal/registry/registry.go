// Package registry talks to image registries through go-containerregistry,
// adding skiff's policy: plain HTTP only for loopback and configured
// registries, credentials from the Docker and containers auth files, and
// one-line errors.
package registry

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"runtime"
	"strings"
	"syscall"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"

	"github.com/skiff-containers/skiff/pkg/imageref"
)

// Client reaches registries.
type Client struct {
	insecure func(host string) bool
	keychain authn.Keychain
	// UserAgent identifies skiff to registries.
	UserAgent string
}

// New makes a client. insecure says which registries may use plain HTTP
// or unverified TLS besides loopback ones.
func New(insecure func(host string) bool) *Client {
	if insecure == nil {
		insecure = func(string) bool { return false }
	}
	return &Client{insecure: insecure, keychain: authn.DefaultKeychain, UserAgent: "skiff"}
}

// HostPlatform is the platform images run on here.
func HostPlatform() v1.Platform {
	p := v1.Platform{OS: "linux", Architecture: runtime.GOARCH}
	if runtime.GOARCH == "arm64" {
		p.Variant = "v8"
	}
	return p
}

// ParsePlatform reads "os/arch[/variant]".
func ParsePlatform(s string) (v1.Platform, error) {
	p, err := v1.ParsePlatform(s)
	if err != nil || p.OS == "" || p.Architecture == "" || strings.Count(s, "/") < 1 {
		return v1.Platform{}, fmt.Errorf("invalid platform %q: use OS/ARCH[/VARIANT], for example linux/amd64", s)
	}
	return *p, nil
}

// Resolved is an image chosen in a registry.
type Resolved struct {
	Image          v1.Image
	ManifestDigest v1.Hash
	Manifest       []byte
	Config         []byte
	ConfigFile     *v1.ConfigFile // Config, parsed
}

// Resolve fetches the manifest (choosing the platform's entry from a
// manifest list) and the config of ref.
func (c *Client) Resolve(ctx context.Context, ref imageref.Reference, platform v1.Platform, explicitPlatform bool) (*Resolved, error) {
	opts, nref, err := c.remote(ctx, ref)
	if err != nil {
		return nil, err
	}
	opts = append(opts, remote.WithPlatform(platform))
	desc, err := remote.Get(nref, opts...)
	if err != nil {
		return nil, Explain(ref.Domain, err)
	}
	var img v1.Image
	if desc.MediaType.IsIndex() {
		// ggcr picks the platform's manifest from the list.
		img, err = desc.Image()
	} else {
		img, err = desc.Image()
	}
	if err != nil {
		if strings.Contains(err.Error(), "no child with platform") {
			return nil, fmt.Errorf("no image for platform %s in %s: choose another with --platform", platformString(platform), ref)
		}
		return nil, Explain(ref.Domain, err)
	}
	manifest, err := img.RawManifest()
	if err != nil {
		return nil, Explain(ref.Domain, err)
	}
	mdigest, err := img.Digest()
	if err != nil {
		return nil, err
	}
	m, err := img.Manifest()
	if err != nil {
		return nil, fmt.Errorf("manifest of %s: %w", ref, err)
	}
	cfg, err := c.fetchConfig(nref, img, m.Config, opts)
	if err != nil {
		return nil, Explain(ref.Domain, err)
	}
	cf, err := v1.ParseConfigFile(bytes.NewReader(cfg))
	if err != nil {
		return nil, fmt.Errorf("image config of %s: %w", ref, err)
	}
	if explicitPlatform && !desc.MediaType.IsIndex() && (cf.OS != platform.OS || cf.Architecture != platform.Architecture) {
		return nil, fmt.Errorf("%s is for %s/%s, not %s: drop --platform or choose a matching one", ref, cf.OS, cf.Architecture, platformString(platform))
	}
	return &Resolved{Image: img, ManifestDigest: mdigest, Manifest: manifest, Config: cfg, ConfigFile: cf}, nil
}

// fetchConfig reads an image's config, refusing one whose descriptor
// declares more than MaxConfigSize before fetching it, and one that turns
// out bigger while it streams (go-containerregistry would read whatever
// the descriptor declares). The blob's digest is checked at its end.
func (c *Client) fetchConfig(nref name.Reference, img v1.Image, d v1.Descriptor, opts []remote.Option) ([]byte, error) {
	what := "image config " + d.Digest.String()
	if err := CheckDeclared(d.Size, MaxConfigSize, what); err != nil {
		return nil, err
	}
	if d.Data != nil {
		// Embedded in the manifest, which is already within its limit.
		return img.RawConfigFile()
	}
	l, err := remote.Layer(nref.Context().Digest(d.Digest.String()), opts...)
	if err != nil {
		return nil, err
	}
	rc, err := l.Compressed()
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	return ReadLimited(rc, MaxConfigSize, what)
}

func platformString(p v1.Platform) string {
	s := p.OS + "/" + p.Architecture
	if p.Variant != "" {
		s += "/" + p.Variant
	}
	return s
}

func (c *Client) remote(ctx context.Context, ref imageref.Reference) ([]remote.Option, name.Reference, error) {
	var nopts []name.Option
	insecure := c.insecure(ref.Domain)
	if insecure {
		nopts = append(nopts, name.Insecure)
	}
	nref, err := ref.Remote(nopts...)
	if err != nil {
		return nil, nil, fmt.Errorf("invalid reference %s: %w", ref, err)
	}
	base := http.DefaultTransport.(*http.Transport).Clone()
	if insecure {
		base.TLSClientConfig = &tls.Config{InsecureSkipVerify: true} //nolint:gosec // the user listed this registry as insecure
	}
	rt := &plainHTTPGuard{next: &manifestLimit{next: base}, allowed: func(host string) bool {
		return imageref.IsLoopback(host) || c.insecure(host)
	}}
	return []remote.Option{
		remote.WithContext(ctx),
		remote.WithAuthFromKeychain(c.keychain),
		remote.WithTransport(rt),
		remote.WithUserAgent(c.UserAgent),
		remote.WithJobs(8),
	}, nref, nil
}

// plainHTTPGuard refuses unencrypted requests to registries that are
// neither on this machine nor listed insecure. go-containerregistry would
// otherwise also talk plain HTTP to private-range addresses; Docker does
// not, and neither do we.
type plainHTTPGuard struct {
	next    http.RoundTripper
	allowed func(host string) bool
}

func (g *plainHTTPGuard) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.URL.Scheme == "http" && !g.allowed(req.URL.Host) {
		return nil, &PlainHTTPError{Host: req.URL.Host}
	}
	return g.next.RoundTrip(req)
}

// PlainHTTPError is a refused plain-HTTP request.
type PlainHTTPError struct{ Host string }

func (e *PlainHTTPError) Error() string {
	return fmt.Sprintf("registry %s would be reached over plain HTTP: list it under [registries] insecure in skiff's config.toml if that is intended", e.Host)
}

// Explain turns registry errors into one line saying what went wrong.
func Explain(host string, err error) error {
	var terr *transport.Error
	var phe *PlainHTTPError
	var dnsErr *net.DNSError
	var opErr *net.OpError
	if tl, ok := asTooLarge(err); ok {
		return tl
	}
	switch {
	case errors.As(err, &phe):
		return phe
	case errors.As(err, &terr):
		for _, d := range terr.Errors {
			switch d.Code {
			case transport.ManifestUnknownErrorCode, transport.NameUnknownErrorCode:
				return fmt.Errorf("%w: %s", ErrNotFound, strings.TrimSpace(d.Message))
			case transport.UnauthorizedErrorCode, transport.DeniedErrorCode:
				return fmt.Errorf("registry %s denied access (%s): log in or check the name", host, strings.ToLower(d.Message))
			}
		}
		switch terr.StatusCode {
		case http.StatusNotFound:
			return fmt.Errorf("%w (registry %s answered 404)", ErrNotFound, host)
		case http.StatusUnauthorized, http.StatusForbidden:
			return fmt.Errorf("registry %s denied access (HTTP %d): log in or check the name", host, terr.StatusCode)
		}
		return fmt.Errorf("registry %s: %v", host, terr)
	case errors.As(err, &dnsErr):
		return fmt.Errorf("registry %s unreachable: cannot resolve %s", host, dnsErr.Name)
	case errors.Is(err, syscall.ECONNREFUSED):
		return fmt.Errorf("registry %s unreachable: connection refused", host)
	case errors.As(err, &opErr):
		return fmt.Errorf("registry %s unreachable: %v", host, opErr.Err)
	case errors.Is(err, context.Canceled):
		return err
	}
	if strings.Contains(err.Error(), "http: server gave HTTP response to HTTPS client") {
		return fmt.Errorf("registry %s speaks plain HTTP: list it under [registries] insecure in skiff's config.toml", host)
	}
	return fmt.Errorf("registry %s: %w", host, err)
}

// ErrNotFound is an image or tag the registry does not have.
var ErrNotFound = errors.New("image not found in registry")
