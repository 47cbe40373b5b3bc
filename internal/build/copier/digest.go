package copier

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"hash"
	"io"
	"os"
	"path/filepath"
	"syscall"
)

// Digest is the content hash of srcs for the build cache, as
// "sha256:HEX". It covers, for each source in order, its Rel and then the
// tree Copy would copy from it (a source that is a symlink is followed,
// as Copy does): every entry's name relative to the source, type, mode
// bits (permissions, setuid, setgid, sticky), uid and gid, a regular
// file's bytes, a symlink's target and a device's numbers, walking
// directories in sorted order and skipping what excluded (may be nil)
// excludes (slash paths relative to the Source's Root). Times are not
// covered: the same content gives the same digest whatever its mtimes.
func Digest(srcs []Source, excluded func(rel string) bool) (string, error) {
	if excluded == nil {
		excluded = func(string) bool { return false }
	}
	d := &digester{h: sha256.New(), buf: make([]byte, 256<<10), excluded: excluded}
	for _, src := range srcs {
		host, rel, err := src.resolved()
		if err != nil {
			return "", err
		}
		fi, err := os.Lstat(host)
		if err != nil {
			if os.IsNotExist(err) || isNotDir(err) {
				return "", &NotFoundError{Pattern: src.Rel}
			}
			return "", err
		}
		d.str('S')
		d.bytes([]byte(src.Rel))
		if err := d.entry(host, rel, ".", fi); err != nil {
			return "", err
		}
	}
	return "sha256:" + hex.EncodeToString(d.h.Sum(nil)), nil
}

type digester struct {
	h        hash.Hash
	buf      []byte
	num      [binary.MaxVarintLen64]byte
	excluded func(string) bool
}

func (d *digester) str(b byte) { d.h.Write([]byte{b}) }

func (d *digester) uint(v uint64) {
	n := binary.PutUvarint(d.num[:], v)
	d.h.Write(d.num[:n])
}

// bytes writes b with its length first, so that no two sequences of
// records hash alike.
func (d *digester) bytes(b []byte) {
	d.uint(uint64(len(b)))
	d.h.Write(b)
}

func (d *digester) entry(host, rel, name string, fi os.FileInfo) error {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return fmt.Errorf("%s: no stat information", host)
	}
	var kind byte
	switch m := fi.Mode(); {
	case m.IsDir():
		kind = 'd'
	case m.IsRegular():
		kind = 'f'
	case m&os.ModeSymlink != 0:
		kind = 'l'
	case m&os.ModeNamedPipe != 0:
		kind = 'p'
	case m&os.ModeSocket != 0:
		// Copy skips sockets.
		return nil
	case m&os.ModeCharDevice != 0:
		kind = 'c'
	case m&os.ModeDevice != 0:
		kind = 'b'
	default:
		kind = '?'
	}
	d.str('E')
	d.str(kind)
	d.bytes([]byte(name))
	d.uint(uint64(st.Mode & 0o7777))
	d.uint(uint64(st.Uid))
	d.uint(uint64(st.Gid))
	switch kind {
	case 'f':
		d.uint(uint64(st.Size))
		f, err := os.OpenFile(host, os.O_RDONLY|syscall.O_NOFOLLOW, 0)
		if err != nil {
			return err
		}
		n, err := io.CopyBuffer(d.h, f, d.buf)
		f.Close()
		if err != nil {
			return err
		}
		if n != st.Size {
			// The file changed while it was read; make the size record
			// and the content agree.
			d.str('!')
			d.uint(uint64(n))
		}
	case 'l':
		target, err := os.Readlink(host)
		if err != nil {
			return err
		}
		d.bytes([]byte(target))
	case 'c', 'b':
		d.uint(uint64(st.Rdev))
	case 'd':
		names, err := readDirNames(host)
		if err != nil {
			return err
		}
		for _, n := range names {
			childRel := n
			if rel != "." {
				childRel = rel + "/" + n
			}
			if d.excluded(childRel) {
				continue
			}
			childHost := filepath.Join(host, n)
			cfi, err := os.Lstat(childHost)
			if err != nil {
				if os.IsNotExist(err) {
					continue
				}
				return err
			}
			childName := n
			if name != "." {
				childName = name + "/" + n
			}
			if err := d.entry(childHost, childRel, childName, cfi); err != nil {
				return err
			}
		}
		d.str('D') // end of the directory
	}
	return nil
}
