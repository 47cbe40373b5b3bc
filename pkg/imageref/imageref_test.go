package imageref

import "testing"

func TestParse(t *testing.T) {
	tests := []struct {
		in, want, familiar string
		wantErr            bool
	}{
		{in: "busybox", want: "docker.io/library/busybox:latest", familiar: "busybox:latest"},
		{in: "busybox:1.36", want: "docker.io/library/busybox:1.36", familiar: "busybox:1.36"},
		{in: "user/app", want: "docker.io/user/app:latest", familiar: "user/app:latest"},
		{in: "docker.io/busybox", want: "docker.io/library/busybox:latest", familiar: "busybox:latest"},
		{in: "index.docker.io/library/busybox", want: "docker.io/library/busybox:latest", familiar: "busybox:latest"},
		{in: "localhost/app", want: "localhost/app:latest", familiar: "localhost/app:latest"},
		{in: "127.0.0.1:5000/a/b:v1", want: "127.0.0.1:5000/a/b:v1", familiar: "127.0.0.1:5000/a/b:v1"},
		{in: "quay.io/x/y@sha256:" + sixtyFour, want: "quay.io/x/y@sha256:" + sixtyFour, familiar: "quay.io/x/y@sha256:" + sixtyFour},
		{in: "busybox:1@sha256:" + sixtyFour, want: "docker.io/library/busybox:1@sha256:" + sixtyFour, familiar: "busybox:1@sha256:" + sixtyFour},
		{in: "", wantErr: true},
		{in: "BusyBox", wantErr: true},
		{in: "busybox:", wantErr: true},
		{in: "busy box", wantErr: true},
		{in: "busybox@sha256:abc", wantErr: true},
		{in: "a//b", wantErr: true},
		{in: "localhost:5000/", wantErr: true},
		{in: "busybox:bad!tag", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := Parse(tt.in)
			if tt.wantErr {
				if err == nil {
					t.Fatalf("Parse(%q) = %v, want error", tt.in, got)
				}
				return
			}
			if err != nil {
				t.Fatalf("Parse(%q): %v", tt.in, err)
			}
			if got.String() != tt.want {
				t.Errorf("String() = %q, want %q", got.String(), tt.want)
			}
			if got.Familiar() != tt.familiar {
				t.Errorf("Familiar() = %q, want %q", got.Familiar(), tt.familiar)
			}
		})
	}
}

const sixtyFour = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

func TestIsLoopback(t *testing.T) {
	tests := map[string]bool{
		"localhost:5000": true, "127.0.0.1:5000": true, "127.9.9.9": true, "[::1]:5000": true,
		"10.0.0.1:5000": false, "example.com": false, "localhost.example.com": false,
	}
	for host, want := range tests {
		if got := IsLoopback(host); got != want {
			t.Errorf("IsLoopback(%q) = %v, want %v", host, got, want)
		}
	}
}
