package names

import "testing"

func TestValid(t *testing.T) {
	for _, tt := range []struct {
		s    string
		want bool
	}{
		{"web", true}, {"a.b_c-1", true}, {"9lives", true},
		{"", false}, {"-x", false}, {"_x", false}, {"a b", false}, {"a/b", false}, {"é", false},
	} {
		if got := Valid(tt.s); got != tt.want {
			t.Errorf("Valid(%q) = %v, want %v", tt.s, got, tt.want)
		}
	}
}
