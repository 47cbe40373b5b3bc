package integration

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// With XDG_RUNTIME_DIR unset (su, sudo -u, cron) the run root falls back to
// $TMPDIR/skiff-run-UID, where another local user can be first. skiff must
// refuse such a directory before it creates, opens or removes anything in
// it, and say whose it is in real ids.
func TestRunRootFallbackRefusesOthers(t *testing.T) {
	if os.Geteuid() != 0 || st.user == nil || st.noSub == nil {
		t.Skip("needs root, to act as two users")
	}
	victim, attacker := st.user, st.noSub
	tests := []struct {
		name string
		// plant lays out $TMPDIR/skiff-run-UID as the attacker would;
		// docs is the victim's directory the link points at.
		plant func(t *testing.T, rr, docs string)
		want  string // in the one error line; "" means skiff works
	}{
		{
			name: "another user's directory with a link to the victim's files",
			plant: func(t *testing.T, rr, docs string) {
				mkdirOwned(t, rr, 0o777, attacker.UID, attacker.GID)
				symlinkOwned(t, docs, filepath.Join(rr, "userns"), attacker.UID, attacker.GID)
			},
			want: fmt.Sprintf("belongs to uid %d, not to you (uid %d)", attacker.UID, victim.UID),
		},
		{
			name: "a link in the run root's place",
			plant: func(t *testing.T, rr, docs string) {
				symlinkOwned(t, docs, rr, attacker.UID, attacker.GID)
			},
			want: "is not a directory",
		},
		{
			name: "the user's own directory, open to others",
			plant: func(t *testing.T, rr, docs string) {
				mkdirOwned(t, rr, 0o777, victim.UID, victim.GID)
				symlinkOwned(t, docs, filepath.Join(rr, "userns"), attacker.UID, attacker.GID)
			},
			want: "is open to other users (mode 0777)",
		},
		{
			name: "the user's own registry replaced by a link",
			plant: func(t *testing.T, rr, docs string) {
				mkdirOwned(t, rr, 0o700, victim.UID, victim.GID)
				symlinkOwned(t, docs, filepath.Join(rr, "userns"), victim.UID, victim.GID)
			},
			want: "userns is not a directory",
		},
		{
			name:  "nothing there yet",
			plant: func(t *testing.T, rr, docs string) {},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sb := newSandbox(t)
			tmp, err := os.MkdirTemp(st.work, "tmp-")
			if err != nil {
				t.Fatal(err)
			}
			// Like /tmp: everyone may write, the sticky bit keeps
			// each user's entries their own.
			if err := os.Chmod(tmp, 0o777|os.ModeSticky); err != nil {
				t.Fatal(err)
			}
			docs := filepath.Join(sb.Home, "docs")
			mkdirOwned(t, docs, 0o700, victim.UID, victim.GID)
			files := []string{"1-report", "2024-taxes", "notes"}
			for _, f := range files {
				p := filepath.Join(docs, f)
				if err := os.WriteFile(p, []byte(f), 0o600); err != nil {
					t.Fatal(err)
				}
				if err := os.Chown(p, victim.UID, victim.GID); err != nil {
					t.Fatal(err)
				}
			}
			rr := filepath.Join(tmp, fmt.Sprintf("skiff-run-%d", victim.UID))
			tt.plant(t, rr, docs)

			var env []string
			for _, e := range sb.env {
				if !strings.HasPrefix(e, "XDG_RUNTIME_DIR=") {
					env = append(env, e)
				}
			}
			sb.env = append(env, "TMPDIR="+tmp)
			if tt.want == "" {
				// A container's supervisor registers in the
				// fallback's namespace registry too.
				sb.OK("run", "--rm", st.busybox, "true")
				sb.OK("ps")
				fi, err := os.Lstat(rr)
				if err != nil {
					t.Fatal(err)
				}
				if !fi.IsDir() || fi.Mode().Perm() != 0o700 || fi.Sys().(*syscall.Stat_t).Uid != uint32(victim.UID) {
					t.Fatalf("run root %s: mode %v owner %d, want a 0700 directory of uid %d", rr, fi.Mode(), fi.Sys().(*syscall.Stat_t).Uid, victim.UID)
				}
			} else {
				sb.FailsWith(1, tt.want, "ps")
			}
			ents, err := os.ReadDir(docs)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, e := range ents {
				got = append(got, e.Name())
			}
			if strings.Join(got, " ") != strings.Join(files, " ") {
				t.Fatalf("the victim's directory holds %q after skiff ran, want %q untouched", got, files)
			}
		})
	}
}

func mkdirOwned(t *testing.T, dir string, mode os.FileMode, uid, gid int) {
	t.Helper()
	if err := os.Mkdir(dir, mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(dir, uid, gid); err != nil {
		t.Fatal(err)
	}
}

func symlinkOwned(t *testing.T, target, link string, uid, gid int) {
	t.Helper()
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
	if err := os.Lchown(link, uid, gid); err != nil {
		t.Fatal(err)
	}
}
