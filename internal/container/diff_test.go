package container

import (
	"archive/tar"
	"bytes"
	"errors"
	"io"
	"slices"
	"testing"

	"go.podman.io/storage/pkg/archive"
)

func TestFilterDiff(t *testing.T) {
	type entry struct {
		name string
		body string // "/" suffix on name: a directory
	}
	omit := []string{"/proc", "/etc/hosts", "/etc/hostname", "/run/notify"}
	added := func(paths ...string) []archive.Change {
		var out []archive.Change
		for _, p := range paths {
			out = append(out, archive.Change{Path: p, Kind: archive.ChangeAdd})
		}
		return out
	}
	tests := []struct {
		name    string
		changes []archive.Change
		in      []entry
		want    []string
	}{
		{
			name:    "only mount points: nothing",
			changes: append(added("/etc/hosts", "/etc/hostname", "/proc"), archive.Change{Path: "/etc", Kind: archive.ChangeModify}),
			in:      []entry{{"etc/", ""}, {"etc/hostname", ""}, {"etc/hosts", ""}, {"proc/", ""}},
			want:    nil,
		},
		{
			name:    "a file beside them keeps its directory",
			changes: added("/etc/hosts", "/etc/motd", "/hello"),
			in:      []entry{{"etc/", ""}, {"etc/hosts", ""}, {"etc/motd", "hi"}, {"hello", "x"}},
			want:    []string{"etc/", "etc/motd", "hello"},
		},
		{
			name:    "a whiteout keeps its directory",
			changes: added("/etc/hosts"),
			in:      []entry{{"etc/", ""}, {"etc/.wh.group", ""}, {"etc/hosts", ""}},
			want:    []string{"etc/", "etc/.wh.group"},
		},
		{
			name:    "a mount point with content is kept",
			changes: added("/etc/hosts"),
			in:      []entry{{"etc/", ""}, {"etc/hosts", "127.0.0.1 x\n"}},
			want:    []string{"etc/", "etc/hosts"},
		},
		{
			name:    "a mount point in the image is kept",
			changes: []archive.Change{{Path: "/etc/hosts", Kind: archive.ChangeModify}},
			in:      []entry{{"etc/", ""}, {"etc/hosts", ""}},
			want:    []string{"etc/", "etc/hosts"},
		},
		{
			name:    "new directories held for a mount point come with what is below",
			changes: added("/run", "/run/notify", "/run/notify/x"),
			in:      []entry{{"run/", ""}, {"run/notify/", ""}, {"run/notify/x", "1"}},
			want:    []string{"run/", "run/notify/", "run/notify/x"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var in bytes.Buffer
			tw := tar.NewWriter(&in)
			for _, e := range tt.in {
				h := &tar.Header{Name: e.name, Mode: 0o644, Typeflag: tar.TypeReg, Size: int64(len(e.body))}
				if e.name[len(e.name)-1] == '/' {
					h.Typeflag, h.Mode = tar.TypeDir, 0o755
				}
				if err := tw.WriteHeader(h); err != nil {
					t.Fatal(err)
				}
				io.WriteString(tw, e.body)
			}
			tw.Close()
			var out bytes.Buffer
			if err := newMountPoints(omit, tt.changes).filter(&in, &out); err != nil {
				t.Fatal(err)
			}
			var got []string
			tr := tar.NewReader(bytes.NewReader(out.Bytes()))
			for {
				h, err := tr.Next()
				if errors.Is(err, io.EOF) {
					break
				}
				if err != nil {
					t.Fatal(err)
				}
				got = append(got, h.Name)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("kept %q, want %q", got, tt.want)
			}
			if tt.want == nil && out.Len() != 1024 {
				t.Errorf("an empty diff is %d bytes, want the 1024 of an empty tar", out.Len())
			}
		})
	}
}
