package cgroup

import "testing"

func TestHostUID(t *testing.T) {
	for _, tc := range []struct {
		name, uidMap string
		uid, want    int
		userns, fail bool
	}{
		{"host", "         0          0 4294967295\n", 1000, 1000, false, false},
		{"subordinate ranges", "0 1000 1\n1 100000 65536\n", 0, 1000, true, false},
		{"inside a range", "0 1000 1\n1 100000 65536\n", 5, 100004, true, false},
		{"single id", "0 1000 1\n", 0, 1000, true, false},
		{"unmapped", "0 1000 1\n", 7, 0, false, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, userns, err := hostUID(tc.uidMap, tc.uid)
			if (err != nil) != tc.fail || got != tc.want || userns != tc.userns {
				t.Errorf("got %d, %v, %v; want %d, %v (error: %v)", got, userns, err, tc.want, tc.userns, tc.fail)
			}
		})
	}
}

func TestScope(t *testing.T) {
	if got := scopePath("abc"); got != "user.slice:skiff:abc" {
		t.Errorf("scopePath = %q", got)
	}
	for path, want := range map[string]bool{
		"/user.slice/user-1000.slice/user@1000.service/user.slice/skiff-abc.scope": true,
		"/user/skiff/abc":                  false,
		"/user.slice/skiff-abcd.scope":     false,
		"/user.slice/skiff-abc.scope/init": false,
	} {
		if got := IsScope(path, "abc"); got != want {
			t.Errorf("IsScope(%q) = %v, want %v", path, got, want)
		}
	}
}
